"""Unsafe requests need the session's CSRF token; every response carries the security headers.

The POST routes are discovered from the URL table, so a new form is covered the day it
is added. Bearer-token API routes under /api/ carry no cookie and are exempt.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from tortoise import Tortoise

from app.routes import ROUTES
from coaching.clock import now
from coaching.identity import invitations
from coaching.identity.models import Invitation, WebSession
from coaching.identity.throttle import claim_attempt
from coaching.models import AgendaItem, Notice
from coaching.pipeline.models import SnapshotDeal
from tests.factories import (
    PASSWORD,
    Browser,
    make_goal,
    make_pairing,
    make_playbook,
    make_reflection,
    make_session,
    make_snapshot,
    make_user,
    open_browser,
    text_of,
)
from tests.web.route_table import accepts, concrete_path, http_routes

CSRF_EXEMPT_PREFIXES = ("/api/",)
POST_ROUTES = [
    (path, route.name)
    for path, route in http_routes(ROUTES)
    if accepts(route, "POST") and not path.startswith(CSRF_EXEMPT_PREFIXES)
]


def test_post_routes_were_found() -> None:
    assert len(POST_ROUTES) > 10
    assert ("/sessions/{id:id}/agenda", "sessions:add_agenda") in POST_ROUTES


async def database_state() -> dict[str, list[Any]]:
    """Every row of every table (sharing tables included), to prove a request changed nothing.

    Browser sessions are left out: rendering an error page may consume a flash message.
    """
    state: dict[str, list[Any]] = {}
    through_tables: set[str] = set()
    models = list(Tortoise.apps.get_models_iterable())
    for model in models:
        if model is WebSession:
            continue
        rows = await model.all().order_by(model._meta.pk_attr).values()
        state[model._meta.db_table] = rows
        for name in model._meta.m2m_fields:
            through_tables.add(model._meta.fields_map[name].through)
    for table in sorted(through_tables):
        rows = await models[0]._meta.db.execute_query_dict(f'SELECT * FROM "{table}"')
        state[table] = sorted(rows, key=lambda row: sorted(row.items()))
    return state


async def signed_in_world(browser: Browser) -> tuple[dict[str, object], dict[str, str]]:
    """Sign in someone who may do nearly everything, so a refusal can only be the token.

    They hold every role, coach a rep, are coached themselves, own goals, journal entries,
    a snapshot and a draft playbook. Returns ids by URL segment, and a form carrying the
    fields each page's form uses, filled with values that would change something: with
    the token, all but a few of these POSTs change the database.
    """
    me = await make_user("rep", "manager", "trainer", "admin", name="Ada Allroles")
    rep = await make_user("rep", name="Rosa Rep")
    coach = await make_user("manager", name="Maya Coach")
    unpaired = await make_user("rep", name="Una Unpaired")
    coaching = await make_pairing(me, rep)
    session = await make_session(coaching)
    item = await AgendaItem.create(session=session, author=me, text="Northwind renewal")
    coached = await make_pairing(coach, me)
    own_session = await make_session(coached)
    await invitations.invite(me, "newcomer@example.com", "New Comer", ["rep"], 7)
    invitation = await Invitation.get(email="newcomer@example.com")
    reset = await invitations.issue_password_reset(me, rep, 2)
    for _ in range(6):  # someone guessed: Rosa's sign-ins wait (the clear button has work)
        await claim_attempt(rep.email, "198.51.100.7")
    await browser.login(me)
    ids: dict[str, object] = {
        "sessions": session.id,
        "agenda": item.id,
        "pairings": coaching.id,
        "goals": (await make_goal(me)).id,
        "journal": (await make_reflection(me)).id,
        "snapshots": (snapshot := await make_snapshot(me)).id,
        "deals": (await SnapshotDeal.get(snapshot_id=snapshot.id)).id,
        "playbooks": (await make_playbook(me)).id,
        "people": rep.id,
        # The invitation's id for the admin's routes; the public page that takes a token
        # (/invitations/{token}) refuses a POST without the form token whatever it is given.
        "invitations": invitation.id,
        "password-reset": reset,
        "notices": (await Notice.create(recipient=me, message="A pairing ended.")).id,
    }
    day = (now() + timedelta(days=3)).date().isoformat()
    form = {
        "text": "Added without a token",
        "shared_notes": "Overwritten without a token",
        "private_note": "Overwritten without a token",
        "title": "Written without a token",
        "summary": "Summary",
        "body": "Written without a token",
        "detail": "Detail",
        "done": "1",
        "answer": "decline",
        "active": "0",
        "roles": "manager",
        "coach_ids": str(coach.id),
        "session_id": str(own_session.id),
        "email": "newcomer2@example.com",
        "password": "a new password nobody guesses",
        "confirm": "a new password nobody guesses",
        "current": PASSWORD,
        "new": "a new password nobody guesses",
        "name": "Renamed without a token",
        "timezone": "Europe/Paris",
        "date": day,
        "time": "10:00",
        "duration": "30",
        "coach_id": str(me.id),
        "rep_id": str(unpaired.id),
        "kind": "mentor",
        "sees": "Everything",
        "why": "Because",
        "cadence": "Weekly",
    }
    return ids, form


async def test_database_state_sees_a_change_in_sharing(db) -> None:
    """The check below is only as good as this fingerprint: it must see a goal shared."""
    coach = await make_user("manager")
    rep = await make_user("rep")
    await make_pairing(coach, rep)
    goal = await make_goal(rep)
    before = await database_state()
    await goal.shared_with.add(coach)
    assert await database_state() != before


@pytest.mark.parametrize(("path", "name"), POST_ROUTES, ids=[name for _, name in POST_ROUTES])
async def test_post_without_csrf_token_is_refused_and_changes_nothing(
    browser: Browser, path: str, name: str
) -> None:
    ids, form = await signed_in_world(browser)
    url = concrete_path(path, ids)
    before = await database_state()

    response = await browser.client.post(url, data=form)

    assert response.status_code == 403, f"POST {url} without a token -> {response.status_code}"
    assert "out of date" in text_of(response.text)
    assert await database_state() == before
    assert (await browser.get("/")).status_code == 200, "the refused request signed me out"


async def rep_signed_in_with_a_session(browser: Browser):
    coach, rep = await make_user("manager"), await make_user("rep")
    session = await make_session(await make_pairing(coach, rep))
    await browser.login(rep)
    return coach, rep, session


async def post_agenda_item(browser: Browser, session, token: str):
    return await browser.client.post(
        f"/sessions/{session.id}/agenda",
        data={"csrf_token": token, "text": "Prepare the Northwind call"},
    )


async def test_post_with_a_wrong_csrf_token_is_refused(browser: Browser) -> None:
    _, _, session = await rep_signed_in_with_a_session(browser)
    response = await post_agenda_item(browser, session, "not-the-token")
    assert response.status_code == 403
    assert not await AgendaItem.filter(session_id=session.id).exists()


async def test_post_with_the_csrf_token_of_another_session_is_refused(app, browser) -> None:
    coach, _, session = await rep_signed_in_with_a_session(browser)
    async with open_browser(app) as other:
        await other.login(coach)
        coach_token = await other.csrf()
    response = await post_agenda_item(browser, session, coach_token)
    assert response.status_code == 403
    assert not await AgendaItem.filter(session_id=session.id).exists()


async def test_post_with_the_right_csrf_token_adds_the_agenda_item(browser: Browser) -> None:
    _, rep, session = await rep_signed_in_with_a_session(browser)
    response = await post_agenda_item(browser, session, await browser.csrf())
    assert response.status_code == 303
    assert response.headers["location"].endswith(f"/sessions/{session.id}")
    item = await AgendaItem.get(session_id=session.id)
    assert item.text == "Prepare the Northwind call" and item.author_id == rep.id


# --- security headers ------------------------------------------------------------------


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def assert_security_headers(response) -> None:  # type: ignore[no-untyped-def]
    headers = response.headers
    csp = csp_directives(headers.get("content-security-policy", ""))
    script_sources = csp.get("script-src", csp.get("default-src"))
    assert script_sources, "the CSP must restrict scripts (script-src or default-src)"
    for directive in ("script-src", "script-src-elem", "script-src-attr", "default-src"):
        assert "'unsafe-inline'" not in csp.get(directive, []), f"{directive} allows inline script"
    assert csp.get("frame-ancestors") == ["'none'"]
    assert headers.get("x-content-type-options") == "nosniff"
    assert headers.get("referrer-policy") in {
        "no-referrer",
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
    }


async def test_signed_in_page_carries_the_security_headers(browser: Browser) -> None:
    coach = await make_user("manager")
    rep = await make_user("rep")
    session = await make_session(await make_pairing(coach, rep))
    await browser.login(rep)

    response = await browser.get(f"/sessions/{session.id}")

    assert response.status_code == 200
    assert_security_headers(response)


@pytest.mark.parametrize("url", ["/login", "/", "/no-such-page", "/healthz"])
async def test_anonymous_responses_carry_the_security_headers(client, url: str) -> None:
    response = await client.get(url)
    assert_security_headers(response)


async def test_refused_form_carries_the_security_headers(browser: Browser) -> None:
    await browser.login(await make_user("rep"))
    response = await browser.client.post("/goals", data={"title": "No token"})
    assert response.status_code == 403
    assert_security_headers(response)

"""Deny by default: every route declares who may reach it, and the declaration is enforced.

Object-level rules (whose session, which goal) are tested in tests/coaching; this file
checks the first gate in app/access.py for every route the app serves.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from app.access import declared_access
from app.routes import ROUTES
from coaching.identity import invitations
from coaching.identity.models import Invitation
from coaching.models import AgendaItem, Notice
from coaching.pipeline.models import SnapshotDeal
from tests.factories import (
    make_goal,
    make_pairing,
    make_playbook,
    make_reflection,
    make_session,
    make_snapshot,
    make_user,
    open_browser,
    reload,
)
from tests.web.route_table import accepts, concrete_path, http_routes, walk

# Reachable without signing in. Adding a route here is a decision about privacy: a public
# route must show nothing that belongs to a person.
PUBLIC_PATHS = {
    "/healthz",
    "/login",
    "/logout",
    "/login/sso",
    "/login/sso/callback",
    "/login/forgot",
    "/invitations/{token}",
    "/password-reset/{token}",
    "/static",
    "/api/v1/openapi.json",  # the API's description: no one's data
    # A person's sessions, for their calendar app, which can't sign in: only with the secret
    # token of their link (anything else is 404, tests/web/test_calendar_feed.py).
    "/calendar/{token}.ics",
}
BEARER_KIND = "bearer token"


def takes_a_session(route) -> bool:  # type: ignore[no-untyped-def]
    """Pages: not public, and not an API route (those take a bearer token, never a session)."""
    return declared_access(route).kind not in ("public", BEARER_KIND)


async def existing_ids() -> dict[str, object]:
    """One real object of each kind, keyed by the URL segment that names the kind."""
    coach = await make_user("manager", "trainer")
    rep = await make_user("rep")
    pairing = await make_pairing(coach, rep)
    session = await make_session(pairing)
    item = await AgendaItem.create(session=session, author=rep, text="Northwind renewal")
    admin = await make_user("admin")
    await invitations.invite(admin, "newcomer@example.com", "New Comer", ["rep"], days=7)
    return {
        "sessions": session.id,
        "agenda": item.id,
        "pairings": pairing.id,
        "goals": (await make_goal(rep)).id,
        "journal": (await make_reflection(rep)).id,
        "snapshots": (snapshot := await make_snapshot(rep, session)).id,
        "deals": (await SnapshotDeal.get(snapshot_id=snapshot.id)).id,
        "playbooks": (await make_playbook(coach, published=True)).id,
        "people": rep.id,
        "notices": (await Notice.create(recipient=rep, message="A pairing ended.")).id,
        "invitations": (await Invitation.get(email="newcomer@example.com")).id,
    }


def test_every_route_declares_who_may_reach_it(app) -> None:
    routes = list(walk(app.routes))
    assert len(routes) > 10, "the walk found almost no routes: is it reading the app?"
    undeclared = [path or repr(route) for path, route in routes if declared_access(route) is None]
    assert not undeclared, (
        "routes without an access policy (declare one with app.access.page or static_mount): "
        + ", ".join(undeclared)
    )


def test_the_app_serves_exactly_the_url_table(app) -> None:
    """Tests that take their routes from app.routes.ROUTES then cover the whole app."""
    served = [(path, getattr(r, "name", None)) for path, r in walk(app.routes)]
    table = [(path, getattr(r, "name", None)) for path, r in walk(ROUTES)]
    assert served == table


def test_only_sign_in_pages_health_and_static_files_are_public(app) -> None:
    public = {path for path, route in walk(app.routes) if declared_access(route).kind == "public"}
    assert public == PUBLIC_PATHS, (
        "the set of public routes changed; if that is intended, update PUBLIC_PATHS "
        f"(newly public: {sorted(public - PUBLIC_PATHS)}, "
        f"no longer public: {sorted(PUBLIC_PATHS - public)})"
    )


async def test_anonymous_get_of_every_non_public_page_redirects_to_login(app, client) -> None:
    ids = await existing_ids()
    checked, wrong = 0, []
    for path, route in http_routes(app.routes):
        if not takes_a_session(route) or not accepts(route, "GET"):
            continue
        url = concrete_path(path, ids)
        response = await client.get(url)
        checked += 1
        location = urlsplit(response.headers.get("location", ""))
        if (
            response.status_code != 303
            or location.path != "/login"
            or parse_qs(location.query).get("next") != [url]
        ):
            wrong.append(f"GET {url} -> {response.status_code} {response.headers.get('location')}")
    assert checked > 10
    assert not wrong, "anonymous requests not sent to the login page:\n" + "\n".join(wrong)


async def test_anonymous_post_to_any_non_public_route_is_refused(app, client) -> None:
    ids = await existing_ids()
    accepted = []
    for path, route in http_routes(app.routes):
        if not takes_a_session(route) or not accepts(route, "POST"):
            continue
        url = concrete_path(path, ids)
        response = await client.post(url, data={"text": "anonymous", "csrf_token": "guess"})
        if response.status_code not in (303, 403) or (
            response.status_code == 303 and urlsplit(response.headers["location"]).path != "/login"
        ):
            accepted.append(f"POST {url} -> {response.status_code}")
    assert not accepted, "anonymous POSTs not refused:\n" + "\n".join(accepted)
    assert not await AgendaItem.filter(text="anonymous").exists()


async def test_signed_in_person_not_allowed_the_kind_action_is_refused_those_routes(app) -> None:
    ids = await existing_ids()
    people = [
        await reload(await make_user(role)) for role in ("rep", "manager", "trainer", "admin")
    ]
    role_routes = [
        (path, route)
        for path, route in http_routes(app.routes)
        if declared_access(route).action is not None
    ]
    assert role_routes, "no routes guarded by a kind action found"
    covered, wrong = set(), []
    for person in people:
        async with open_browser(app) as browser:
            await browser.login(person)
            for path, route in role_routes:
                if declared_access(route).allows(person):
                    continue
                url = concrete_path(path, ids)
                for method in ("GET", "POST"):
                    if not accepts(route, method):
                        continue
                    if method == "GET":
                        response = await browser.get(url)
                    else:
                        response = await browser.post(url, {"title": "Not for you"})
                    covered.add(path)
                    if response.status_code != 403:
                        wrong.append(f"{person.roles}: {method} {url} -> {response.status_code}")
    assert covered == {path for path, _ in role_routes}
    assert not wrong, "guarded routes reached without the permission:\n" + "\n".join(wrong)


def test_api_routes_live_under_api_and_take_a_bearer_token_or_nothing(app) -> None:
    api_routes = [(p, r) for p, r in http_routes(app.routes) if p.startswith("/api/")]
    assert api_routes
    kinds = {p: declared_access(r).kind for p, r in api_routes}
    assert kinds == {"/api/v1/openapi.json": "public", "/api/v1/snapshots": BEARER_KIND}
    bearer_elsewhere = [
        p for p, r in http_routes(app.routes)
        if declared_access(r).kind == BEARER_KIND and not p.startswith("/api/")
    ]  # fmt: skip
    assert not bearer_elsewhere


async def test_every_bearer_route_refuses_anonymous_and_signed_in_requests(app, client) -> None:
    """Without a token: 401 with a Bearer challenge, even with a signed-in browser's cookie
    and CSRF token. A session never authenticates an API request."""
    admin = await reload(await make_user("admin", "rep"))
    routes = [(p, r) for p, r in http_routes(app.routes) if declared_access(r).kind == BEARER_KIND]
    assert routes
    async with open_browser(app) as browser:
        await browser.login(admin)
        token = await browser.csrf()
        for path, route in routes:
            for sender in (client, browser.client):
                for method in route.methods or ():
                    response = await sender.request(
                        method, concrete_path(path), json={}, headers={"x-csrf-token": token}
                    )
                    assert response.status_code == 401, (method, path, response.status_code)
                    assert response.headers["www-authenticate"].startswith("Bearer")
                    assert response.json()["errors"][0]["message"]

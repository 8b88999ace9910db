"""Findings of the code review: bad input gets a 4xx answer, never a 500; form limits hold
on every unsafe request; the admin's people search works."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta

import httpx
import pytest_asyncio

from coaching.clock import now
from coaching.models import AgendaItem, CoachingSession, Goal, Pairing
from tests.factories import Browser, make_pairing, make_session, make_snapshot, make_user

HUGE = "99999999999999999999"  # wider than any integer column


@pytest_asyncio.fixture
async def web(app) -> AsyncIterator[Browser]:  # type: ignore[no-untyped-def]
    """A browser that receives a 500 as a page, as a real one would (no exception raised)."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield Browser(client)


async def signed_in(web: Browser, user) -> Browser:  # type: ignore[no-untyped-def]
    web.client.cookies.clear()
    assert (await web.login(user)).status_code == 303
    return web


async def test_admin_searches_people_by_name_or_email(web):
    admin = await make_user("admin", name="Ada Admin")
    await make_user("rep", name="Rosa Diaz", email="rosa@example.com")
    await make_user("rep", name="Sam Whitaker", email="sam@example.com")
    await signed_in(web, admin)

    by_name = await web.get("/admin/people", params={"q": "rosa"})
    assert by_name.status_code == 200
    assert "Rosa Diaz" in by_name.text and "Sam Whitaker" not in by_name.text
    by_email = await web.get("/admin/people", params={"q": "sam@"})
    assert "Sam Whitaker" in by_email.text and "Rosa Diaz" not in by_email.text


async def test_ids_too_large_for_the_database_are_not_found(web):
    manager, rep = await make_user("manager"), await make_user()
    await make_session(await make_pairing(manager, rep))
    await signed_in(web, manager)
    for url in ("/sessions/", "/pairings/", "/snapshots/", "/playbooks/"):
        assert (await web.get(url + HUGE)).status_code == 404, url
    assert (await web.post(f"/agenda/{HUGE}/toggle")).status_code == 404
    assert (await web.post(f"/sessions/{HUGE}/agenda", {"text": "x"})).status_code == 404


async def test_page_numbers_too_large_still_show_the_list(web):
    admin = await make_user("admin", "rep")
    await signed_in(web, admin)
    for url in ("/sessions", "/account/access-log", "/journal", "/admin/people"):
        assert (await web.get(url, params={"page": HUGE})).status_code == 200, url


async def test_ids_too_large_in_forms_are_input_errors(web):
    manager, rep = await make_user("manager"), await make_user()
    pairing = await make_pairing(manager, rep)
    snapshot = await make_snapshot(rep)
    await signed_in(web, manager)
    agreement = {"kind": "mentor", "sees": "a", "why": "b", "cadence": "c"}
    for field, other in (("coach_id", "rep_id"), ("rep_id", "coach_id")):
        form = {field: HUGE, other: str(rep.id if other == "rep_id" else manager.id), **agreement}
        assert (await web.post("/pairings/new", form)).status_code == 400, field
    assert await Pairing.filter(id__not=pairing.id).count() == 0

    await signed_in(web, rep)
    reflection = await web.post("/journal", {"body": "A thought", "session_id": HUGE})
    assert reflection.status_code == 400
    brought = await web.post(f"/snapshots/{snapshot.id}/session", {"session_id": HUGE})
    assert brought.status_code == 400


async def test_nul_characters_in_form_input_are_dropped(web):
    """PostgreSQL refuses NUL in text; a stray one must not turn a save into a 500."""
    manager, rep = await make_user("manager"), await make_user()
    session = await make_session(await make_pairing(manager, rep))
    await signed_in(web, rep)

    assert (await web.post("/goals", {"title": "Close\x00 more"})).status_code == 303
    assert (await Goal.get(owner_id=rep.id)).title == "Close more"
    added = await web.post(f"/sessions/{session.id}/agenda", {"text": "Pricing\x00"})
    assert added.status_code == 303
    assert (await AgendaItem.get(session_id=session.id)).text == "Pricing"
    assert (await web.post("/journal", {"body": "x\x00y"})).status_code == 303

    web.client.cookies.clear()
    wrong = await web.post("/login", {"email": "a\x00@example.com", "password": "nope-nope-nope"})
    assert wrong.status_code == 400

    admin = await make_user("admin")
    await signed_in(web, admin)
    assert (await web.get("/admin/people", params={"q": "ro\x00sa"})).status_code == 200


async def test_a_session_date_out_of_range_is_an_input_error(web):
    manager = await make_user("manager", timezone="America/Los_Angeles")
    rep = await make_user(timezone="Asia/Tokyo")
    pairing = await make_pairing(manager, rep)
    await signed_in(web, manager)
    for day in ("9999-12-31", "3000-01-01"):
        form = {"title": "Far away", "date": day, "time": "23:30", "duration": "30"}
        response = await web.post(f"/pairings/{pairing.id}/sessions/new", form)
        assert response.status_code == 400, day
    assert not await CoachingSession.filter(pairing_id=pairing.id).exists()


def next_spring_forward_in_paris() -> date:
    """The last Sunday of March next year: Paris clocks jump from 02:00 to 03:00."""
    last = date(now().year + 1, 3, 31)
    return last - timedelta(days=(last.weekday() - 6) % 7)


async def test_a_local_time_skipped_by_a_clock_change_is_refused(web):
    """02:30 does not exist in Paris that night: saying so beats silently scheduling 03:30."""
    manager = await make_user("manager", timezone="Europe/Paris")
    pairing = await make_pairing(manager, await make_user())
    await signed_in(web, manager)
    day = next_spring_forward_in_paris().isoformat()
    form = {"title": "Weekly", "date": day, "time": "02:30", "duration": "30"}
    response = await web.post(f"/pairings/{pairing.id}/sessions/new", form)
    assert response.status_code == 400
    assert "clocks go forward" in response.text
    assert not await CoachingSession.filter(pairing_id=pairing.id).exists()
    form["time"] = "03:30"
    assert (await web.post(f"/pairings/{pairing.id}/sessions/new", form)).status_code == 303


async def test_a_csrf_token_with_non_ascii_characters_is_refused_not_a_crash(web):
    await web.client.get("/login")
    form = {"csrf_token": "é", "email": "a@example.com", "password": "x"}
    assert (await web.client.post("/login", data=form)).status_code == 403
    header = {"x-csrf-token": "é".encode("latin-1")}
    assert (await web.client.post("/login", headers=header)).status_code == 403


async def test_form_limits_hold_on_every_unsafe_request(web):
    """The CSRF check reads the form first; it must read it with the same limits."""
    rep = await make_user()
    await signed_in(web, rep)
    many = {f"field{i}": "x" for i in range(300)}
    assert (await web.post("/goals", {"title": "Many fields", **many})).status_code == 413
    token = await web.csrf()
    upload = await web.client.post(
        "/goals",
        data={"csrf_token": token, "title": "With a file"},
        files={"attachment": ("a.txt", b"x" * 10)},
    )
    assert upload.status_code == 400
    big = await web.post("/goals", {"title": "Big", "detail": "x" * 600_000})
    assert big.status_code == 413
    assert not await Goal.filter(owner_id=rep.id).exists()

"""Behaviour settled after the foundation review."""

import pytest

from coaching import sessions
from coaching.errors import Invalid
from coaching.identity.passwords import authenticate
from coaching.identity.throttle import FREE_ATTEMPTS
from coaching.models import AccessEvent
from tests.factories import PASSWORD, make_pairing, make_session, make_user, text_of


async def test_coach_home_shows_the_reps_topics_apart_and_logs_that_read(browser):
    coach, rep = await make_user("manager"), await make_user()
    session = await make_session(await make_pairing(coach, rep))
    await sessions.add_agenda_item(rep, session.id, "Rep topic")
    await sessions.add_agenda_item(coach, session.id, "Coach topic")
    await browser.login(coach)
    coach_home = text_of((await browser.get("/")).text)
    reps_card, own_card = coach_home.split("Open agenda items", 1)
    assert "What your reps want to talk about Rep topic" in reps_card
    assert "Coach topic" in own_card and "Rep topic" not in own_card
    assert await AccessEvent.filter(
        subject_id=rep.id, actor_id=coach.id, object_id=session.id
    ).exists()
    browser.client.cookies.clear()
    await browser.login(rep)
    rep_home = text_of((await browser.get("/")).text)
    assert "Coach topic" in rep_home and "Rep topic" in rep_home
    assert "What your reps want to talk about" not in rep_home


async def test_failures_from_another_address_do_not_lock_the_owner_out(db):
    owner = await make_user()
    for _ in range(FREE_ATTEMPTS):
        with pytest.raises(Invalid):
            await authenticate(owner.email, "wrong password!", "203.0.113.9")
    signed_in = await authenticate(owner.email, PASSWORD, "198.51.100.7")
    assert signed_in.id == owner.id


async def test_schedule_form_is_refused_to_someone_who_cannot_schedule(browser):
    coach, rep = await make_user("manager"), await make_user()
    pairing = await make_pairing(coach, rep)
    await browser.login(rep)
    response = await browser.get(f"/pairings/{pairing.id}/sessions/new")
    assert response.status_code == 403


async def test_refused_form_page_says_the_form_expired(browser):
    user = await make_user()
    await browser.login(user)
    response = await browser.client.post("/goals", data={"title": "x"})
    assert response.status_code == 403 and "Form expired" in response.text


async def test_journal_link_from_a_session_that_just_started_preselects_it(browser):
    coach, rep = await make_user("manager"), await make_user()
    session = await make_session(await make_pairing(coach, rep), days_ahead=0)
    await browser.login(rep)
    page = (await browser.get(f"/journal?session={session.id}")).text
    assert f'<option value="{session.id}" selected>' in page

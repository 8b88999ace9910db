"""Changing and cancelling a session through its pages."""

from datetime import timedelta

from coaching.clock import now
from coaching.mail.models import OutboxMessage
from coaching.models import CoachingSession
from tests.factories import make_pairing, make_session, make_user, text_of


async def _as(browser, user):
    browser.client.cookies.clear()
    assert (await browser.login(user)).status_code == 303


async def test_the_coach_moves_a_session_and_the_rep_sees_why(browser):
    coach = await make_user("manager", name="Maya Okafor")
    rep = await make_user("rep", name="Rosa Diaz")
    session = await make_session(await make_pairing(coach, rep))
    await _as(browser, coach)
    form_page = await browser.get(f"/sessions/{session.id}/change")
    assert form_page.status_code == 200 and 'value="Weekly coaching"' in form_page.text
    day = (now() + timedelta(days=9)).date().isoformat()
    form = {"title": "Pricing practice", "date": day, "time": "14:00", "duration": "60"}
    moved = await browser.post(f"/sessions/{session.id}/change", {**form, "reason": "Client call"})
    assert moved.status_code == 303
    assert await OutboxMessage.filter().count() == 2
    await _as(browser, rep)
    page = text_of((await browser.get(f"/sessions/{session.id}")).text)
    assert "Changed by Maya Okafor: “Client call”" in page and "Pricing practice" in page


async def test_a_bad_change_keeps_the_form_and_names_the_field(browser):
    coach, rep = await make_user("manager"), await make_user("rep")
    session = await make_session(await make_pairing(coach, rep))
    await _as(browser, coach)
    form = {"title": "Kept title", "date": "2020-01-01", "time": "14:00", "duration": "60"}
    page = await browser.post(f"/sessions/{session.id}/change", form)
    assert page.status_code == 400 and 'value="Kept title"' in page.text
    assert (await CoachingSession.get(id=session.id)).title == "Weekly coaching"


async def test_the_rep_cancels_and_both_see_it_marked_and_read_only(browser):
    coach, rep = await make_user("manager"), await make_user("rep", name="Rosa Diaz")
    session = await make_session(await make_pairing(coach, rep))
    await _as(browser, rep)
    done = await browser.post(f"/sessions/{session.id}/cancel", {"cancel_reason": "Out sick"})
    assert done.status_code == 303
    await _as(browser, coach)
    page = text_of((await browser.get(f"/sessions/{session.id}")).text)
    assert "Cancelled by Rosa Diaz" in page and "“Out sick”" in page
    assert "Add an agenda item" not in page and "Change or cancel" not in page
    assert "Cancelled Weekly coaching" in text_of((await browser.get("/sessions")).text)
    assert (await browser.get(f"/sessions/{session.id}/change")).status_code == 403
    refused = await browser.post(f"/sessions/{session.id}/agenda", {"text": "Too late"})
    assert refused.status_code == 403


async def test_a_conflicting_save_of_the_notes_shows_both_texts_and_keeps_mine(browser):
    coach = await make_user("manager", name="Maya Okafor")
    rep = await make_user("rep")
    session = await make_session(await make_pairing(coach, rep))
    await _as(browser, coach)
    first = {"shared_notes": "Maya's words", "notes_version": "0"}
    assert (await browser.post(f"/sessions/{session.id}/shared-notes", first)).status_code == 303
    await _as(browser, rep)
    mine = {"shared_notes": "Rosa's words", "notes_version": "0"}
    page = await browser.post(f"/sessions/{session.id}/shared-notes", mine)
    assert page.status_code == 409
    assert "Maya Okafor saved the notes while you were editing" in page.text
    assert (
        ">Maya&#39;s words</textarea>" in page.text and ">Rosa&#39;s words</textarea>" in page.text
    )
    assert 'name="notes_version" value="1"' in page.text
    merged = {"shared_notes": "Both", "notes_version": "1"}
    assert (await browser.post(f"/sessions/{session.id}/shared-notes", merged)).status_code == 303
    history = text_of((await browser.get(f"/sessions/{session.id}/notes")).text)
    assert "Version 2 Current" in history and "Maya&#39;s words" in history

"""Commitments on the session page and on "My commitments", over HTTP."""

from coaching.models import Commitment
from tests.factories import make_pairing, make_session, make_user, text_of


async def _as(browser, user):
    browser.client.cookies.clear()
    assert (await browser.login(user)).status_code == 303


async def test_a_commitment_added_on_the_session_page_shows_for_both(browser):
    coach, rep = await make_user("manager"), await make_user("rep", name="Rosa Diaz")
    session = await make_session(await make_pairing(coach, rep))
    await _as(browser, coach)
    form = {"commitment_text": "Send the case study", "commitment_owner_id": str(rep.id)}
    added = await browser.post(f"/sessions/{session.id}/commitments", form)
    assert added.status_code == 303
    await _as(browser, rep)
    page = text_of((await browser.get(f"/sessions/{session.id}")).text)
    assert "Send the case study you" in page
    mine = text_of((await browser.get("/commitments")).text)
    assert "Send the case study" in mine
    home = text_of((await browser.get("/")).text)
    assert "My commitments" in home and "Send the case study" in home


async def test_a_bad_due_day_keeps_what_was_typed_and_leaves_the_agenda_box_alone(browser):
    coach, rep = await make_user("manager"), await make_user("rep")
    session = await make_session(await make_pairing(coach, rep))
    await _as(browser, coach)
    form = {
        "commitment_text": "Call the buyer",
        "commitment_owner_id": str(coach.id),
        "commitment_due_on": "someday",
    }
    page = await browser.post(f"/sessions/{session.id}/commitments", form)
    assert page.status_code == 400
    assert "is not a day" in page.text
    assert 'name="commitment_text" type="text" value="Call the buyer"' in page.text
    assert 'id="text" name="text" type="text" value=""' in page.text
    assert not await Commitment.exists()


async def test_removing_a_commitment_offers_undo_that_puts_it_back(browser):
    coach, rep = await make_user("manager"), await make_user("rep")
    session = await make_session(await make_pairing(coach, rep))
    await _as(browser, rep)
    form = {"commitment_text": "Update the CRM", "commitment_owner_id": str(rep.id)}
    await browser.post(f"/sessions/{session.id}/commitments", form)
    made = await Commitment.get(text="Update the CRM")
    removed = await browser.post(f"/commitments/{made.id}/delete", follow_redirects=True)
    assert "Removed “Update the CRM”" in removed.text
    assert f"/sessions/{session.id}/commitments" in removed.text  # the undo form
    assert not await Commitment.exists()
    await browser.post(f"/sessions/{session.id}/commitments", form)  # what undo posts
    assert await Commitment.filter(text="Update the CRM", owner_id=rep.id).exists()


async def test_ticking_from_my_commitments_returns_there(browser):
    coach, rep = await make_user("manager"), await make_user("rep")
    session = await make_session(await make_pairing(coach, rep))
    await _as(browser, rep)
    form = {"commitment_text": "Book the demo", "commitment_owner_id": str(rep.id)}
    await browser.post(f"/sessions/{session.id}/commitments", form)
    made = await Commitment.get(text="Book the demo")
    done = await browser.post(f"/commitments/{made.id}/done", {"done": "1", "next": "mine"})
    assert done.status_code == 303 and done.headers["location"].endswith("/commitments")
    assert (await Commitment.get(id=made.id)).is_done
    page = text_of((await browser.get("/commitments")).text)
    assert "Done in the last two weeks" in page and "Nothing open." in page

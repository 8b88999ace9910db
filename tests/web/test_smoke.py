from coaching.models import PrivateNote
from tests.factories import make_pairing, make_session, make_user, text_of


async def test_rep_signs_in_and_sees_next_session_on_home(browser):
    coach = await make_user("manager", name="Maya Coach")
    rep = await make_user("rep", name="Rosa Rep")
    await make_session(await make_pairing(coach, rep))
    response = await browser.login(rep)
    assert response.status_code == 303
    home = await browser.get("/")
    assert home.status_code == 200
    assert "Weekly coaching" in home.text and "Maya Coach" in text_of(home.text)


async def test_private_note_saved_by_rep_is_not_shown_to_coach(browser, client):
    coach = await make_user("manager")
    rep = await make_user("rep")
    session = await make_session(await make_pairing(coach, rep))
    await browser.login(rep)
    saved = await browser.post(
        f"/sessions/{session.id}/private-note", {"private_note": "only mine"}
    )
    assert saved.status_code == 303
    assert await PrivateNote.filter(author_id=rep.id, body="only mine").exists()
    await browser.post("/logout")
    await browser.login(coach)
    page = await browser.get(f"/sessions/{session.id}")
    assert page.status_code == 200
    assert "only mine" not in page.text

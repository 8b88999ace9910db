"""Shared notes both people edit: a save from an older version never overwrites a newer
one silently; every save is kept; saves sent at the same moment can't both win."""

import pytest

from coaching import sessions
from coaching.errors import NotFound
from coaching.models import CoachingSession, SharedNotesRevision
from tests.coaching.test_races import assert_no_server_error, post_at_once
from tests.factories import make_pairing, make_session, make_user, open_browser, text_of

ROUNDS = 4


async def test_a_save_from_an_older_version_is_a_conflict_showing_the_newer_text(db):
    coach, rep = await make_user("manager", name="Maya Okafor"), await make_user("rep")
    session = await make_session(await make_pairing(coach, rep))
    await sessions.save_shared_notes(coach, session.id, "Maya's plan", base_version=0)
    with pytest.raises(sessions.NotesConflict) as caught:
        await sessions.save_shared_notes(rep, session.id, "Rosa's plan", base_version=0)
    assert (caught.value.theirs, caught.value.by, caught.value.version) == (
        "Maya's plan",
        "Maya Okafor",
        1,
    )
    assert (await CoachingSession.get(id=session.id)).shared_notes == "Maya's plan"
    merged = await sessions.save_shared_notes(rep, session.id, "Both plans", base_version=1)
    assert (merged.shared_notes, merged.shared_notes_version) == ("Both plans", 2)
    _, history = await sessions.notes_history(rep, session.id)
    assert [(r.version, r.body) for r in history] == [(2, "Both plans"), (1, "Maya's plan")]


async def test_saving_the_same_text_from_an_old_version_is_not_a_conflict(db):
    coach, rep = await make_user("manager"), await make_user("rep")
    session = await make_session(await make_pairing(coach, rep))
    await sessions.save_shared_notes(coach, session.id, "Agreed text", base_version=0)
    await sessions.save_shared_notes(rep, session.id, "Agreed text", base_version=0)
    assert await SharedNotesRevision.filter(session_id=session.id).count() == 1


async def test_outsiders_read_no_history(db):
    coach, rep = await make_user("manager"), await make_user("rep")
    session = await make_session(await make_pairing(coach, rep))
    await sessions.save_shared_notes(coach, session.id, "Private to the pair")
    with pytest.raises(NotFound):
        await sessions.notes_history(await make_user("manager"), session.id)


async def test_two_saves_at_the_same_moment_from_one_version_keep_one_and_show_the_other_both(app):
    """Guards the session row lock and the version check in `save_shared_notes`. Without
    the lock, both PostgreSQL transactions read version 0 and the later write silently
    erased the earlier one; 4 rounds of 2 saves at once."""
    coach, rep = await make_user("manager"), await make_user("rep")
    pairing = await make_pairing(coach, rep)
    async with open_browser(app) as coach_browser, open_browser(app) as rep_browser:
        await coach_browser.login(coach)
        await rep_browser.login(rep)
        for n in range(ROUNDS):
            session = await make_session(pairing)
            url = f"/sessions/{session.id}/shared-notes"
            forms = [
                {"shared_notes": f"{who} round {n}", "notes_version": "0"}
                for who in ("coach", "rep")
            ]
            responses = await post_at_once(
                (coach_browser, url, forms[0]), (rep_browser, url, forms[1])
            )
            assert_no_server_error(responses)
            assert sorted(r.status_code for r in responses) == [303, 409]
            loser = next(r for r in responses if r.status_code == 409)
            stored = await CoachingSession.get(id=session.id)
            assert stored.shared_notes_version == 1
            assert stored.shared_notes in text_of(loser.text)  # the winner's text is shown

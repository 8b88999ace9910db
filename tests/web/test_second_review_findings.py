"""What a hostile and a new user found in the playbook, commitment and session-change
pages, each proved mended."""

from datetime import timedelta

import pytest

from coaching import commitments, sessions
from coaching.clock import now
from coaching.errors import Invalid, PermissionDenied
from coaching.home import home_for
from coaching.models import CoachingSession
from coaching.text import MAX_BRACKETS, MAX_RENDERED, render_markdown
from playbooks import diff, library, reader
from tests.factories import make_pairing, make_session, make_user


def test_many_brackets_are_shown_as_text_instead_of_parsed_at_quadratic_cost():
    rendered = render_markdown("[a](https://example.com) " + "[" * (MAX_BRACKETS + 1))
    assert "<a " not in rendered and rendered.count("[") == MAX_BRACKETS + 2


def test_text_longer_than_any_field_is_escaped_not_rendered():
    rendered = render_markdown("# Title\n" + "x" * MAX_RENDERED)
    assert rendered.startswith("<p># Title") and "<h1" not in rendered


async def test_a_too_long_journal_entry_is_refused_without_being_rendered(browser):
    rep = await make_user("rep")
    await browser.login(rep)
    page = await browser.post("/journal", {"body": "[" * 30_000})
    assert page.status_code == 400 and "at most" in page.text


def test_a_diff_too_large_to_match_word_by_word_shows_the_passages_whole():
    old = " ".join(f"w{i % 50}" for i in range(3000))
    new = " ".join(f"w{(i * 7) % 50}" for i in range(3000))
    marked = str(diff.word_diff(old, new))
    assert marked.startswith("<del>w0 w1") and "</del><ins>w0 w7" in marked


async def test_a_session_that_has_started_cannot_be_moved_or_cancelled(db):
    coach, rep = await make_user("manager"), await make_user("rep")
    past = await make_session(await make_pairing(coach, rep), days_ahead=-1)
    with pytest.raises(PermissionDenied, match="already started"):
        await sessions.cancel_session(coach, past.id)
    day = (now() + timedelta(days=5)).date().isoformat()
    form = sessions.parse_schedule({"title": "x", "date": day, "time": "10:00", "duration": "30"})
    with pytest.raises(PermissionDenied, match="already started"):
        await sessions.change_session(coach, past.id, form)
    assert not (await CoachingSession.get(id=past.id)).is_cancelled


async def test_saving_a_move_that_changes_nothing_is_refused(db):
    coach, rep = await make_user("manager"), await make_user("rep")
    session = await make_session(await make_pairing(coach, rep), days_ahead=5)
    day = (now() + timedelta(days=6)).date().isoformat()
    form = sessions.parse_schedule(
        {"title": "Same", "date": day, "time": "10:00", "duration": "30"}
    )
    await sessions.change_session(coach, session.id, form)
    with pytest.raises(Invalid, match="Nothing changed"):
        await sessions.change_session(coach, session.id, form)
    assert (await CoachingSession.get(id=session.id)).calendar_sequence == 1


async def test_a_cancelled_sessions_points_leave_the_home_pages(db):
    coach, rep = await make_user("manager"), await make_user("rep")
    session = await make_session(await make_pairing(coach, rep), days_ahead=3)
    await sessions.add_agenda_item(rep, session.id, "Pricing practice")
    await sessions.cancel_session(rep, session.id)
    assert (await home_for(coach)).reps_topics == []
    assert (await home_for(rep)).open_agenda == []


async def test_a_malformed_return_address_never_answers_500(browser):
    coach, rep = await make_user("manager"), await make_user("rep")
    session = await make_session(await make_pairing(coach, rep))
    made = await commitments.add_commitment(
        coach, session.id, {"text": "Call", "owner_id": str(rep.id)}
    )
    await browser.login(rep)
    done = await browser.post(f"/commitments/{made.id}/done", {"done": "1", "next": "²"})
    assert done.status_code == 303 and done.headers["location"].endswith(f"/sessions/{session.id}")


async def test_the_author_is_not_counted_in_how_their_playbook_was_received(db):
    trainer = await make_user("trainer")
    managers = [await make_user("manager") for _ in range(4)]
    playbook = await library.write_playbook(trainer, {"title": "Ask", "body": "Ask first."})
    await library.publish_playbook(trainer, playbook.id)
    for person in (trainer, *managers):
        await reader.mark_read(person, playbook.id)
        await reader.rate(person, playbook.id, "5")
    figures = await reader.reception(trainer, playbook.id, threshold=5)
    assert (figures.readers, figures.ratings) == (None, None)


async def test_a_rating_left_unchosen_is_named_on_the_playbook_page(browser):
    trainer, manager = await make_user("trainer"), await make_user("manager")
    playbook = await library.write_playbook(trainer, {"title": "Ask", "body": "Ask first."})
    await library.publish_playbook(trainer, playbook.id)
    await browser.login(manager)
    page = await browser.post(f"/playbooks/{playbook.id}/rating", {})
    assert page.status_code == 400
    assert "Choose how useful it was" in page.text and "Ask first." in page.text


async def test_a_search_without_words_asks_for_one(browser):
    await browser.login(await make_user("manager"))
    page = await browser.get("/playbooks", params={"q": '"'})
    assert "Type a word to search for" in page.text and "Nothing matches" not in page.text

"""Moving and cancelling a session: the same calendar event, a higher SEQUENCE, both
people mailed, the reason kept for the other person; a cancelled session stays readable."""

import email
import email.policy
from datetime import timedelta

import pytest

from coaching import commitments, pairings, sessions
from coaching.calendars import CalendarSite, feed
from coaching.clock import now
from coaching.errors import Conflict, Invalid, NotFound, PermissionDenied
from coaching.invitations import Invitations
from coaching.mail.models import OutboxMessage
from coaching.models import CoachingSession
from tests.calendar_parsing import parse_calendar
from tests.factories import make_pairing, make_session, make_user

SITE = CalendarSite("https://tandem.example.com")
INVITES = Invitations(SITE, "Tandem <tandem@example.com>")


def _form(days: int = 12, at: str = "11:00", title: str = "Moved coaching"):
    day = (now() + timedelta(days=days)).date()
    return sessions.parse_schedule(
        {"title": title, "date": day.isoformat(), "time": at, "duration": "45"}
    )


async def _calendars() -> list:
    found = []
    for row in await OutboxMessage.all().order_by("id"):
        message = email.message_from_bytes(row.message, policy=email.policy.default)
        part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
        body = next(p for p in message.walk() if p.get_content_type() == "text/plain")
        found.append(
            (
                row.recipient,
                part.get_param("method"),
                parse_calendar(part.get_content()),
                body.get_content(),
            )
        )
    return found


async def test_moving_a_session_updates_the_same_event_for_both_with_the_reason(db):
    coach, rep = await make_user("manager", name="Maya Okafor"), await make_user("rep")
    session = await make_session(await make_pairing(coach, rep))
    moved = await sessions.change_session(
        coach, session.id, _form(), "The Acme call moved.", INVITES
    )
    assert moved.calendar_sequence == 1 and moved.duration_minutes == 45
    sent = await _calendars()
    assert sorted(r for r, *_ in sent) == sorted([coach.email, rep.email])
    for _, method, parsed, text in sent:
        (event,) = parsed.events()
        assert method == "REQUEST" and event["SEQUENCE"] == 1
        assert str(event["UID"]) == f"session-{session.id}@tandem.example.com"
        assert "Maya Okafor: The Acme call moved." in text and "has changed" in text
    page = await sessions.get_session_page(rep, session.id)
    assert (
        page.session.change_reason == "The Acme call moved."
        and page.session.changed_by.id == coach.id
    )


async def test_cancelling_sends_a_cancel_and_leaves_the_session_readable_not_writable(db):
    coach, rep = await make_user("manager"), await make_user("rep")
    session = await make_session(await make_pairing(coach, rep))
    await sessions.change_session(coach, session.id, _form(), "", INVITES)
    await sessions.cancel_session(rep, session.id, "Out sick.", INVITES)
    cancels = [c for c in await _calendars() if c[1] == "CANCEL"]
    assert len(cancels) == 2
    for _, _, parsed, _ in cancels:
        (event,) = parsed.events()
        assert parsed.by_icalendar["METHOD"] == "CANCEL"
        assert event["SEQUENCE"] == 2 and event["STATUS"] == "CANCELLED"
        assert parsed.vevents()[0].status.value == "CANCELLED"
    page = await sessions.get_session_page(coach, session.id)
    assert page.session.is_cancelled and not page.can_write
    with pytest.raises(PermissionDenied):
        await sessions.add_agenda_item(coach, session.id, "Too late")
    with pytest.raises(PermissionDenied):
        await commitments.add_commitment(
            coach, session.id, {"text": "x", "owner_id": str(coach.id)}
        )
    with pytest.raises(PermissionDenied):
        await sessions.change_session(coach, session.id, _form())
    stored = await CoachingSession.filter(id=session.id).select_related(
        "pairing__coach", "pairing__rep"
    )
    (event,) = parse_calendar(feed(stored, SITE)).events()
    assert event["STATUS"] == "CANCELLED"


async def test_a_change_into_the_past_is_refused_and_changes_nothing(db):
    coach, rep = await make_user("manager"), await make_user("rep")
    session = await make_session(await make_pairing(coach, rep))
    with pytest.raises(Invalid):
        await sessions.change_session(coach, session.id, _form(days=-3), "", INVITES)
    stored = await CoachingSession.get(id=session.id)
    assert stored.calendar_sequence == 0 and stored.starts_at == session.starts_at
    assert not await OutboxMessage.exists()


async def test_outsiders_and_ended_pairings_cannot_move_or_cancel(db):
    coach, rep = await make_user("manager"), await make_user("rep")
    pairing = await make_pairing(coach, rep)
    session = await make_session(pairing)
    with pytest.raises(NotFound):
        await sessions.cancel_session(await make_user("manager"), session.id)
    await pairings.end_pairing(rep, pairing.id)
    with pytest.raises((PermissionDenied, NotFound)):
        await sessions.cancel_session(rep, session.id, "Mine now")
    stored = await CoachingSession.get(id=session.id)
    assert stored.change_reason == "The pairing has ended."  # ending it cancelled it


async def test_a_reason_longer_than_300_characters_is_refused(db):
    coach, rep = await make_user("manager"), await make_user("rep")
    session = await make_session(await make_pairing(coach, rep))
    with pytest.raises(Invalid) as caught:
        await sessions.cancel_session(coach, session.id, "x" * 301)
    assert set(caught.value.errors) == {"reason"}


async def test_cancelling_twice_is_refused(db):
    coach, rep = await make_user("manager"), await make_user("rep")
    session = await make_session(await make_pairing(coach, rep))
    await sessions.cancel_session(coach, session.id)
    with pytest.raises((Conflict, PermissionDenied)):
        await sessions.cancel_session(rep, session.id)


async def test_ending_a_pairing_cancels_its_sessions_to_come_for_both_calendars(db):
    coach, rep = await make_user("manager"), await make_user("rep")
    pairing = await make_pairing(coach, rep)
    past = await make_session(pairing, days_ahead=-3)
    soon, later = (
        await make_session(pairing, days_ahead=2),
        await make_session(pairing, days_ahead=9),
    )
    await pairings.end_pairing(rep, pairing.id, INVITES)
    for session in (soon, later):
        stored = await CoachingSession.get(id=session.id)
        assert stored.is_cancelled and stored.calendar_sequence == 1
        assert stored.change_reason == "The pairing has ended."
    assert not (await CoachingSession.get(id=past.id)).is_cancelled
    cancels = await _calendars()
    assert len(cancels) == 4 and {method for _, method, *_ in cancels} == {"CANCEL"}
    page = await sessions.get_session_page(rep, soon.id)
    assert page.session.is_cancelled and not page.can_write

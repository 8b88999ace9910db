"""Invitations (RFC 5545 + RFC 6047) and the private feed, read back with two parsers."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from coaching import calendars, sessions
from coaching.calendars import CalendarSite, invitation, next_sequence
from coaching.identity import calendar_feeds
from coaching.identity.models import CalendarFeed
from coaching.models import CoachingSession, PairingStatus, User
from tests.calendar_parsing import (
    as_received,
    calendar_part,
    parse_calendar,
    parsed_invitation,
    utc_instant,
)
from tests.factories import make_pairing, make_session, make_user, reload

SITE = CalendarSite("https://tandem.example.com")
SENDER = "Tandem <tandem@example.com>"
STARTS = datetime(2027, 3, 2, 14, 30, tzinfo=UTC)


async def pair_and_session(
    coach_name: str = "Maya Okafor", rep_name: str = "Rosa Díaz", title: str = "Weekly coaching"
) -> tuple[User, User, CoachingSession]:
    coach = await make_user("manager", name=coach_name, timezone="Europe/London")
    rep = await make_user("rep", name=rep_name, timezone="America/New_York")
    session = await make_session(await make_pairing(coach, rep))
    session.title, session.starts_at, session.duration_minutes = title, STARTS, 45
    await session.save()
    return coach, rep, session


def invite(session, coach, rep, method: str = "REQUEST", to=None):  # type: ignore[no-untyped-def]
    return invitation(session, coach, rep, method=method, to=to or rep, sender=SENDER, site=SITE)


# --- the message --------------------------------------------------------------------------


async def test_invitation_is_text_then_html_then_calendar_in_one_alternative(db) -> None:
    coach, rep, session = await pair_and_session()
    message = as_received(invite(session, coach, rep))

    assert message.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in message.iter_parts()]
    assert parts == ["text/plain", "text/html", "text/calendar"]
    assert message["Subject"] == "Coaching session: Weekly coaching, Tue 02 Mar 09:30"
    assert message["From"] == SENDER
    assert message["To"].addresses[0].addr_spec == rep.email
    assert message["To"].addresses[0].display_name == "Rosa Díaz"
    text = next(message.iter_parts()).get_content()
    # In the recipient's own zone (New York), with the link to the session page.
    assert "Tuesday 02 March 2027, 09:30–10:15 (America/New_York)" in text
    assert f"https://tandem.example.com/sessions/{session.id}" in text


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL"])
async def test_calendar_method_matches_the_mime_method_parameter(db, method: str) -> None:
    coach, rep, session = await pair_and_session()
    part = calendar_part(as_received(invite(session, coach, rep, method)))
    parsed = parse_calendar(part.get_content())

    assert part.get_content_type() == "text/calendar"
    assert part.get_param("method") == method
    assert part.get_content_charset() == "utf-8"
    assert str(parsed.by_icalendar["METHOD"]) == method
    assert parsed.by_vobject.method.value == method


async def test_event_names_the_session_its_times_in_utc_and_its_people(db) -> None:
    coach, rep, session = await pair_and_session()
    parsed = parsed_invitation(invite(session, coach, rep))
    [event], [vevent] = parsed.events(), parsed.vevents()

    uid = f"session-{session.id}@tandem.example.com"
    assert str(event["UID"]) == vevent.uid.value == uid
    assert utc_instant(event.decoded("DTSTART")) == utc_instant(vevent.dtstart.value) == STARTS
    end = STARTS + timedelta(minutes=45)
    assert utc_instant(event.decoded("DTEND")) == utc_instant(vevent.dtend.value) == end
    assert "DTSTART:20270302T143000Z" in parsed.by_icalendar.to_ical().decode()
    assert utc_instant(vevent.dtstamp.value) and "DTSTAMP" in event
    assert str(event["SUMMARY"]) == vevent.summary.value == "Weekly coaching"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert f"https://tandem.example.com/sessions/{session.id}" in vevent.description.value
    assert "LOCATION" not in event  # sessions have no place yet

    assert vevent.organizer.value == f"mailto:{coach.email}"
    assert vevent.organizer.params["CN"] == ["Maya Okafor"]
    attendees = {a.value: a.params for a in vevent.attendee_list}
    assert attendees[f"mailto:{rep.email}"] == {
        "CN": ["Rosa Díaz"],
        "ROLE": ["REQ-PARTICIPANT"],
        "PARTSTAT": ["NEEDS-ACTION"],
        "RSVP": ["TRUE"],
    }
    # The organiser is listed too, as having accepted: their calendar asks them nothing.
    assert attendees[f"mailto:{coach.email}"]["PARTSTAT"] == ["ACCEPTED"]
    by_icalendar = {str(a): a.params for a in event["ATTENDEE"]}
    assert by_icalendar[f"mailto:{rep.email}"]["RSVP"] == "TRUE"


async def test_uid_stays_and_sequence_rises_through_a_change_and_a_cancel(db) -> None:
    coach, rep, session = await pair_and_session()
    first = parsed_invitation(invite(session, coach, rep)).events()[0]

    await next_sequence(session)
    session.starts_at += timedelta(days=1)
    changed = parsed_invitation(invite(session, coach, rep)).vevents()[0]

    await next_sequence(session)
    cancel = parsed_invitation(invite(session, coach, rep, "CANCEL"))
    [cancelled] = cancel.vevents()

    assert str(first["UID"]) == changed.uid.value == cancelled.uid.value
    sequences = [int(first["SEQUENCE"]), int(changed.sequence.value), int(cancelled.sequence.value)]
    assert sequences == [0, 1, 2]
    assert cancelled.status.value == "CANCELLED"
    assert str(cancel.by_icalendar["METHOD"]) == "CANCEL"
    assert (await CoachingSession.get(id=session.id)).calendar_sequence == 2


async def test_next_sequence_counts_in_the_database_not_in_memory(db) -> None:
    _, _, session = await pair_and_session()
    stale = await CoachingSession.get(id=session.id)
    assert await next_sequence(session) == 1
    assert await next_sequence(stale) == 2  # an older copy still gets a higher number
    assert session.calendar_sequence == 1 and stale.calendar_sequence == 2


async def test_names_and_titles_with_ical_specials_survive_both_parsers(db) -> None:
    coach, rep, session = await pair_and_session(
        coach_name='Maya "Mo" Okafor; Jr.',
        rep_name="Zoë, O'Brien: 東京",
        title="Q3; plan, deals\\x",
    )
    message = invite(session, coach, rep, to=coach)
    parsed = parsed_invitation(message)
    [vevent] = parsed.vevents()

    assert vevent.summary.value == str(parsed.events()[0]["SUMMARY"]) == "Q3; plan, deals\\x"
    names = {a.value: a.params["CN"][0] for a in vevent.attendee_list}
    assert names[f"mailto:{rep.email}"] == "Zoë, O'Brien: 東京"
    assert names[f"mailto:{coach.email}"] == "Maya 'Mo' Okafor; Jr."  # no " in a parameter
    html = list(as_received(message).iter_parts())[1].get_content()
    assert "Q3; plan, deals" in html and "<script" not in html
    # Every line of the calendar part is plain ASCII on the wire (quoted-printable).
    assert calendar_part(message)["Content-Transfer-Encoding"] == "quoted-printable"


async def test_title_is_escaped_in_the_html_part(db) -> None:
    coach, rep, session = await pair_and_session(title="<b>Deals</b> & <script>x()</script>")
    html = list(as_received(invite(session, coach, rep)).iter_parts())[1].get_content()
    assert "&lt;script&gt;x()&lt;/script&gt;" in html and "<script>" not in html


@pytest.mark.parametrize(
    ("zone", "day", "utc_hour"),
    [
        ("Europe/London", date(2026, 10, 24), 8),  # BST, the day before the clocks go back
        ("Europe/London", date(2026, 10, 25), 9),  # GMT from 02:00 that morning
        ("America/New_York", date(2026, 10, 31), 13),  # EDT
        ("America/New_York", date(2026, 11, 1), 14),  # EST from 02:00 that morning
    ],
)
async def test_a_session_across_a_clock_change_has_the_right_utc_instant(
    db, monkeypatch: pytest.MonkeyPatch, zone: str, day: date, utc_hour: int
) -> None:
    monkeypatch.setattr(sessions, "now", lambda: datetime(2026, 10, 1, tzinfo=UTC))
    coach = await reload(await make_user("manager", timezone=zone))
    rep = await make_user("rep", timezone="Asia/Tokyo")
    pairing = await make_pairing(coach, rep)
    form = sessions.parse_schedule(
        {"title": "Pipeline review", "date": day.isoformat(), "time": "09:00", "duration": "30"}
    )
    session = await sessions.schedule_session(coach, pairing.id, form)

    parsed = parsed_invitation(invite(session, coach, rep, to=coach))
    expected = datetime.combine(day, datetime.min.time(), UTC).replace(hour=utc_hour)
    assert utc_instant(parsed.events()[0].decoded("DTSTART")) == expected
    assert utc_instant(parsed.vevents()[0].dtstart.value) == expected
    # The coach's own copy of the email says 09:00 in the coach's zone.
    text = next(as_received(invite(session, coach, rep, to=coach)).iter_parts()).get_content()
    assert f", 09:00–09:30 ({zone})" in text


# --- the feed ------------------------------------------------------------------------------


async def test_feed_holds_the_persons_sessions_on_both_sides_and_nobody_elses(db) -> None:
    coach, rep, session = await pair_and_session()
    own_coach_session = await make_session(await make_pairing(rep, await make_user("rep")))
    others = await make_session(await make_pairing(await make_user("manager"), await make_user()))
    long_ago = await make_session(await make_pairing(await make_user("manager"), rep), -60)
    too_far = await make_session(await make_pairing(await make_user("manager"), rep), 400)

    found = await calendars.list_feed_sessions(await reload(rep))
    ids = {s.id for s in found}

    assert session.id in ids and own_coach_session.id in ids  # as rep, and as coach
    assert not ids & {others.id, long_ago.id, too_far.id}
    coach_ids = {s.id for s in await calendars.list_feed_sessions(await reload(coach))}
    assert coach_ids == {session.id}


async def test_a_coach_whose_pairing_ended_no_longer_has_its_sessions(db) -> None:
    coach, rep, session = await pair_and_session()
    pairing = await session.pairing
    pairing.status = PairingStatus.ENDED
    await pairing.save()
    assert await calendars.list_feed_sessions(await reload(coach)) == []
    assert [s.id for s in await calendars.list_feed_sessions(await reload(rep))] == [session.id]


async def test_feed_is_a_calendar_of_events_without_email_addresses(db) -> None:
    coach, rep, session = await pair_and_session()
    body = calendars.feed(await calendars.list_feed_sessions(await reload(rep)), SITE)
    parsed = parse_calendar(body)
    [event], [vevent] = parsed.events(), parsed.vevents()

    assert str(event["UID"]) == vevent.uid.value == f"session-{session.id}@tandem.example.com"
    assert utc_instant(vevent.dtstart.value) == STARTS
    assert "Maya Okafor" in vevent.description.value
    assert "METHOD" not in parsed.by_icalendar
    assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in body
    assert b"\r\nX-PUBLISHED-TTL:PT1H\r\n" in body
    assert not re.search(rb"mailto:|@example\.com", body.replace(b"@tandem.example.com", b""))


# --- the feed's token ----------------------------------------------------------------------


async def test_a_feed_token_is_kept_only_as_its_hash_and_finds_its_owner(db) -> None:
    rep = await make_user("rep")
    token = await calendar_feeds.make_feed_token(rep)
    row = await CalendarFeed.get(user_id=rep.id)
    assert token not in (row.token_hash, str(row.created_at)) and len(token) > 40
    assert (await calendar_feeds.feed_owner(token)).id == rep.id  # type: ignore[union-attr]


async def test_a_new_token_replaces_the_old_and_turning_off_ends_both(db) -> None:
    rep = await make_user("rep")
    old = await calendar_feeds.make_feed_token(rep)
    new = await calendar_feeds.make_feed_token(rep)
    assert await calendar_feeds.feed_owner(old) is None
    assert await calendar_feeds.feed_owner(new) is not None
    assert await CalendarFeed.filter(user_id=rep.id).count() == 1
    assert await calendar_feeds.turn_off_feed(rep) is True
    assert await calendar_feeds.feed_owner(new) is None
    assert await calendar_feeds.turn_off_feed(rep) is False


@pytest.mark.parametrize("token", ["", "cal_", "cal_nope", "tdm_abc", "cal_" + "x" * 300])
async def test_a_wrong_token_finds_nobody(db, token: str) -> None:
    await calendar_feeds.make_feed_token(await make_user("rep"))
    assert await calendar_feeds.feed_owner(token) is None


async def test_a_deactivated_persons_token_finds_nobody(db) -> None:
    rep = await make_user("rep")
    token = await calendar_feeds.make_feed_token(rep)
    rep.is_active = False
    await rep.save()
    assert await calendar_feeds.feed_owner(token) is None

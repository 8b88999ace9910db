"""Coaching sessions as iCalendar: invitations by email and each person's private feed.

An invitation is an email (RFC 6047, iMIP) whose text/calendar part carries an iTIP method
(RFC 5546): REQUEST to add or update the session in a calendar, CANCEL to remove it. A
calendar recognises the session by its UID, which never changes, and keeps the copy with
the highest SEQUENCE: `next_sequence()` must be called on every change and on the cancel.

Nothing here sends mail or knows HTTP: the outbox sends the EmailMessage, and the web
layer gives the public address (TANDEM_BASE_URL, never a request's Host header).
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from enum import StrEnum
from urllib.parse import urlsplit

from icalendar import Calendar, Event, vCalAddress, vDuration
from tortoise.expressions import F
from tortoise.queryset import QuerySet

from coaching.clock import now
from coaching.compiled import Shape
from coaching.models import CoachingSession, User
from coaching.policy import Action
from coaching.policy.reveal import scoped
from coaching.timezones import to_local

PRODID = "-//Tandem//Coaching sessions//EN"
FEED_NAME = "Tandem coaching sessions"
FEED_PAST = timedelta(days=30)
FEED_AHEAD = timedelta(days=366)
FEED_LIMIT = 1000  # sessions in one feed: more than a year of daily sessions
FEED_REFRESH = timedelta(hours=1)  # how often a calendar app should read the feed again


class Method(StrEnum):
    """The iTIP method of an invitation (RFC 5546)."""

    REQUEST = "REQUEST"
    CANCEL = "CANCEL"


class EventStatus(StrEnum):
    CONFIRMED = "CONFIRMED"
    CANCELLED = "CANCELLED"


@dataclass(frozen=True)
class CalendarSite:
    """Where Tandem is served (TANDEM_BASE_URL): the host of every UID and the links."""

    base_url: str

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or "tandem.invalid"

    def session_url(self, session_id: int) -> str:
        """The session page (the `sessions:detail` route; a web test checks they agree)."""
        return f"{self.base_url.rstrip('/')}/sessions/{session_id}"


def session_uid(session: CoachingSession, site: CalendarSite) -> str:
    """The one UID of a session, for its whole life: every invitation and feed uses it."""
    return f"session-{session.id}@{site.host}"


def session_event(
    session: CoachingSession,
    coach: User,
    rep: User,
    *,
    sequence: int,
    status: EventStatus,
    site: CalendarSite,
    stamp: datetime | None = None,
    with_people: bool = True,
) -> Event:
    """The session as a VEVENT, times in UTC. `with_people` adds the ORGANIZER (the coach)
    and the ATTENDEEs with their email addresses; the feed leaves them out."""
    event = Event()
    event.add("uid", session_uid(session, site))
    event.add("sequence", sequence)
    event.add("dtstamp", stamp or now())
    event.add("dtstart", session.starts_at.astimezone(UTC))
    event.add("dtend", ends_at(session).astimezone(UTC))
    event.add("summary", session.title)
    event.add("description", _description(session, coach, rep, site))
    event.add("url", site.session_url(session.id))
    event.add("status", status.value)
    event.add("transp", "OPAQUE")
    # CoachingSession has no location yet: LOCATION goes here when it gets one.
    if with_people:
        _add_people(event, coach, rep)
    return event


def ends_at(session: CoachingSession) -> datetime:
    return session.starts_at + timedelta(minutes=session.duration_minutes)


def _description(session: CoachingSession, coach: User, rep: User, site: CalendarSite) -> str:
    return (
        f"Coaching session of {coach.name} (coach) and {rep.name}.\n"
        f"The agenda, shared notes and what each of you brings: {site.session_url(session.id)}"
    )


def _add_people(event: Event, coach: User, rep: User) -> None:
    organizer = _address(coach)
    event.add("organizer", organizer, encode=False)
    # The coach is asked nothing: they organise it. The rep is asked to answer.
    chair = _address(coach, ROLE="CHAIR", PARTSTAT="ACCEPTED", RSVP="FALSE")
    invited = _address(rep, ROLE="REQ-PARTICIPANT", PARTSTAT="NEEDS-ACTION", RSVP="TRUE")
    event.add("attendee", chair, encode=False)
    event.add("attendee", invited, encode=False)


def _address(person: User, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email}")
    # A parameter value can't hold a double quote (RFC 5545 3.1); RFC 6868's ^' escape for
    # it is unknown to many calendars, which would show the escape itself.
    address.params["CN"] = person.name.replace('"', "'")
    for name, value in params.items():
        address.params[name] = value
    return address


def calendar(events: Iterable[Event], *, method: Method | None = None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method is not None:
        cal.add("method", method.value)
    for event in events:
        cal.add_component(event)
    return cal


# --- invitations -------------------------------------------------------------------------


def invitation(
    session: CoachingSession,
    coach: User,
    rep: User,
    *,
    method: Method | str,
    to: User,
    sender: str,
    site: CalendarSite,
    sequence: int | None = None,
    stamp: datetime | None = None,
    note: str = "",
) -> EmailMessage:
    """The email inviting `to` (the coach or the rep) to the session, or telling them it is
    cancelled: multipart/alternative of text/plain, text/html and text/calendar, in that
    order, the METHOD of the calendar repeated as the `method` parameter of its MIME type
    (RFC 6047 2.4; Outlook ignores an invitation where they differ). The sequence is the
    session's `calendar_sequence` unless given: call `next_sequence()` before a change or
    a cancel."""
    method = Method(method)
    status = EventStatus.CANCELLED if method == Method.CANCEL else EventStatus.CONFIRMED
    seq = session.calendar_sequence if sequence is None else sequence
    event = session_event(session, coach, rep, sequence=seq, status=status, site=site, stamp=stamp)
    ics = calendar([event], method=method).to_ical().decode()
    words = _InvitationWords(session, coach, rep, to, method, site, note)
    message = EmailMessage()
    message["Subject"] = words.subject()
    message["From"] = sender
    message["To"] = Address(display_name=to.name, addr_spec=to.email)
    message.set_content(words.text(), cte=_transfer_encoding(words.text()))
    message.add_alternative(words.html(), subtype="html", cte=_transfer_encoding(words.html()))
    message.add_alternative(
        ics, subtype="calendar", params={"method": method.value}, cte=_transfer_encoding(ics)
    )
    return message


def _transfer_encoding(text: str) -> str:
    """7bit when it is plain ASCII, else quoted-printable: the message then passes any mail
    relay, 8BITMIME or not."""
    return "7bit" if text.isascii() else "quoted-printable"


@dataclass(frozen=True)
class _InvitationWords:
    """What the invitation says, in the recipient's own time zone."""

    session: CoachingSession
    coach: User
    rep: User
    to: User
    method: Method
    site: CalendarSite
    note: str = ""  # why it changed or was cancelled, in the words of who did it

    @property
    def cancelled(self) -> bool:
        return self.method == Method.CANCEL

    @property
    def other(self) -> User:
        return self.rep if self.to.id == self.coach.id else self.coach

    def when(self) -> str:
        start = to_local(self.session.starts_at, self.to.timezone)
        end = to_local(ends_at(self.session), self.to.timezone)
        return f"{start:%A %d %B %Y, %H:%M}–{end:%H:%M} ({self.to.timezone})"

    def subject(self) -> str:
        start = to_local(self.session.starts_at, self.to.timezone)
        prefix = "Cancelled" if self.cancelled else "Coaching session"
        return f"{prefix}: {self.session.title}, {start:%a %d %b %H:%M}"

    def lead(self) -> str:
        if self.cancelled:
            return f"Your coaching session with {self.other.name} is cancelled."
        if self.session.calendar_sequence:
            return f"Your coaching session with {self.other.name} has changed."
        return f"Your coaching session with {self.other.name}."

    def text(self) -> str:
        url = self.site.session_url(self.session.id)
        note = f"\n\n{self.note}" if self.note else ""
        return (
            f"{self.lead()}{note}\n\n{self.session.title}\n{self.when()}\n\n"
            f"The session page: {url}\n"
        )

    def html(self) -> str:
        url = html.escape(self.site.session_url(self.session.id))
        note = f"<p>{html.escape(self.note)}</p>\n" if self.note else ""
        return (
            f"<!doctype html>\n<html><body>\n<p>{html.escape(self.lead())}</p>\n{note}"
            f"<p><strong>{html.escape(self.session.title)}</strong><br>\n"
            f"{html.escape(self.when())}</p>\n"
            f'<p><a href="{url}">The session page</a></p>\n</body></html>\n'
        )


async def next_sequence(session: CoachingSession) -> int:
    """Raise the session's SEQUENCE by one and return it (also set on `session`). Call it
    with every change of time, length or title, and before the cancel. It is raised in
    the database, so two changes at once each get their own number."""
    rows = CoachingSession.filter(id=session.id)
    await rows.update(calendar_sequence=F("calendar_sequence") + 1)
    raised = await CoachingSession.get(id=session.id).only("id", "calendar_sequence")
    session.calendar_sequence = raised.calendar_sequence
    return raised.calendar_sequence


# --- the private feed --------------------------------------------------------------------


def _feed_sessions(start: datetime, end: datetime) -> QuerySet[CoachingSession]:
    return (
        CoachingSession.filter(starts_at__gte=start, starts_at__lt=end)
        .select_related("pairing__coach", "pairing__rep")
        .order_by("starts_at", "id")
        .limit(FEED_LIMIT)
    )


FEED_SESSIONS = Shape(_feed_sessions)


async def list_feed_sessions(owner: User) -> list[CoachingSession]:
    """The owner's sessions from a month ago to a year ahead: as the rep, or as the coach of
    an active pairing (the session policy's READ, as the sessions list). Not logged as a
    read: like the sessions list, it shows only the owner's own sessions' titles and
    times, to the owner's own calendar."""
    moment = now()
    shape = scoped(FEED_SESSIONS, owner, Action.READ)
    return await shape.all(moment - FEED_PAST, moment + FEED_AHEAD, owner.id)


def feed(sessions: Iterable[CoachingSession], site: CalendarSite) -> bytes:
    """The VCALENDAR a calendar app subscribes to. Events carry no email addresses: the
    description names the two people."""
    stamp = now()
    events = [
        session_event(
            session,
            session.pairing.coach,
            session.pairing.rep,
            sequence=session.calendar_sequence,
            status=EventStatus.CANCELLED if session.is_cancelled else EventStatus.CONFIRMED,
            site=site,
            stamp=stamp,
            with_people=False,
        )
        for session in sessions
    ]
    cal = calendar(events)
    cal.add("x-wr-calname", FEED_NAME)
    cal.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(FEED_REFRESH))  # an X- name: not typed for us
    return cal.to_ical()

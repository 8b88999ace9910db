"""Reading invitations and feeds back as a mail client and a calendar app would: every
calendar is parsed by two unrelated parsers, icalendar (which wrote it) and vobject."""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import icalendar
import vobject


@dataclass
class Parsed:
    """One calendar as both parsers read it."""

    by_icalendar: icalendar.Calendar
    by_vobject: Any

    def events(self) -> list[icalendar.Event]:
        return list(self.by_icalendar.walk("VEVENT"))

    def vevents(self) -> list[Any]:
        return list(getattr(self.by_vobject, "vevent_list", []))


def parse_calendar(data: bytes | str) -> Parsed:
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    return Parsed(icalendar.Calendar.from_ical(text), vobject.readOne(text))


def as_received(message: EmailMessage) -> EmailMessage:
    """The message after a trip through SMTP: serialised with CRLF and parsed again."""
    raw = message.as_bytes(policy=email.policy.SMTP)
    received = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(received, EmailMessage)
    return received


def calendar_part(message: EmailMessage) -> EmailMessage:
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1, [p.get_content_type() for p in message.walk()]
    return parts[0]


def parsed_invitation(message: EmailMessage) -> Parsed:
    return parse_calendar(calendar_part(as_received(message)).get_content())


def utc_instant(value: Any) -> datetime:
    """A DTSTART/DTEND value of either parser: aware and in UTC, or the test fails."""
    assert isinstance(value, datetime) and value.tzinfo is not None, value
    assert value.utcoffset().total_seconds() == 0, value  # type: ignore[union-attr]
    return value.astimezone(UTC)

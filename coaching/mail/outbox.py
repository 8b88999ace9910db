"""Writing mail: `enqueue` stores a message in the caller's transaction, so a change and
the mail it causes commit together or not at all. The sender (sender.py) delivers it.

    message = EmailMessage()
    message["To"] = "Rosa Rep <rosa@example.com>"
    message["Subject"] = "Coaching session on Tuesday"
    message.set_content("Plain text, always.")
    async with transaction():
        ...  # the change
        await enqueue(message, MailKind.INVITATION)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, getaddresses, make_msgid, parseaddr

from coaching import clock
from coaching.db import transaction
from coaching.errors import Invalid
from coaching.identity.models import User
from coaching.mail.models import (
    RECIPIENT_MAX,
    SUBJECT_MAX,
    MailKind,
    MailState,
    OutboxMessage,
)
from coaching.policy import Action, require

RECIPIENT_HEADERS = ("To", "Cc", "Bcc")
FALLBACK_DOMAIN = "tandem.localhost"
PAGE_SIZE = 20


async def enqueue(message: EmailMessage, kind: MailKind | str) -> OutboxMessage:
    """Store `message` for sending, inside the caller's transaction when there is one.

    The message needs a recipient and a subject. It gets a Message-ID (stable: a resend
    after a crash carries the same one, so mail clients drop the duplicate) and a Date
    when it has none; a missing From is filled in when it is sent (TANDEM_MAIL_FROM).
    """
    recipients = envelope_recipients(message)
    if not recipients:
        raise ValueError("A message to enqueue needs a To, Cc or Bcc address.")
    if "Subject" not in message:
        raise ValueError("A message to enqueue needs a Subject.")
    stamp(message, clock.now())
    async with transaction():
        return await OutboxMessage.create(
            recipient=", ".join(recipients)[:RECIPIENT_MAX],
            subject=str(message["Subject"])[:SUBJECT_MAX],
            message=message.as_bytes(policy=policy.SMTP),
            kind=MailKind(kind),
            next_attempt_at=clock.now(),
        )


def envelope_recipients(message: EmailMessage) -> list[str]:
    headers = [str(value) for name in RECIPIENT_HEADERS for value in message.get_all(name, [])]
    return [address for _, address in getaddresses(headers) if address]


def stamp(message: EmailMessage, moment: datetime) -> None:
    """Add the Message-ID and Date a message lacks."""
    if "Message-ID" not in message:
        message["Message-ID"] = make_msgid(domain=_domain_of(message))
    if "Date" not in message:
        message["Date"] = format_datetime(moment)


def _domain_of(message: EmailMessage) -> str:
    _, address = parseaddr(str(message.get("From", "")))
    domain = address.rpartition("@")[2]
    return domain or FALLBACK_DOMAIN


def parse(raw: bytes) -> EmailMessage:
    """A stored message back as an EmailMessage."""
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(parsed, EmailMessage)
    return parsed


def plain_text_of(raw: bytes) -> str:
    body = parse(raw).get_body(preferencelist=("plain",))
    if body is None:
        return ""
    content = body.get_content()
    return content.replace("\r\n", "\n") if isinstance(content, str) else ""


# --- reading the outbox (the development page /dev/mail) ---------------------------------


@dataclass(frozen=True)
class OutboxEntry:
    id: int
    recipient: str
    subject: str
    kind: MailKind
    state: MailState
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime | None
    last_error: str | None
    plain_text: str


async def list_outbox(actor: User, page: int = 1) -> tuple[list[OutboxEntry], bool]:
    """The outbox, newest first, a page at a time, for an admin; and whether more follow."""
    await require(actor, Action.MANAGE, "person")
    if page < 1:
        raise Invalid({"page": "Page numbers start at 1."})
    query = OutboxMessage.all().order_by("-id").offset((page - 1) * PAGE_SIZE)
    rows = await query.limit(PAGE_SIZE + 1)
    return [_entry(row) for row in rows[:PAGE_SIZE]], len(rows) > PAGE_SIZE


def _entry(row: OutboxMessage) -> OutboxEntry:
    return OutboxEntry(
        id=row.id,
        recipient=row.recipient,
        subject=row.subject,
        kind=row.kind,
        state=row.state,
        attempts=row.attempts,
        created_at=row.created_at,
        sent_at=row.sent_at,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
        plain_text=plain_text_of(bytes(row.message)),
    )

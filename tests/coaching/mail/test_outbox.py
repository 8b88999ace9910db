"""Mail that is never lost: enqueued with the change it belongs to, delivered over real SMTP
(aiosmtpd), retried with backoff while the server refuses or is down, sent again when a
sender dies holding a lease. Time is driven with the `now` argument, never slept."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage

import pytest

from coaching.clock import now
from coaching.db import transaction
from coaching.mail.models import MailKind, MailState, OutboxMessage
from coaching.mail.outbox import enqueue, parse
from coaching.mail.sender import LEASE, MAX_ATTEMPTS, claim_due, retry_delay, send_due
from tests.coaching.mail.smtp_server import (
    Inbox,
    port_nobody_listens_on,
    settings_for,
    smtp_server,
)


def invitation(to: str = "Rosa Rep <rosa@example.com>", subject: str = "Session on Tuesday"):
    message = EmailMessage()
    message["To"] = to
    message["Subject"] = subject
    message.set_content("Maya invites you to a coaching session on Tuesday at 10:00.")
    message.add_alternative("<p>Maya invites you to a coaching session.</p>", subtype="html")
    return message


class Boom(Exception):
    pass


async def test_a_message_is_delivered_with_its_headers_and_parts(db) -> None:
    async with transaction():
        row = await enqueue(invitation(subject="Séance de coaching mardi"), MailKind.INVITATION)
    inbox = Inbox()
    with smtp_server(inbox) as mail:
        assert await send_due(mail) == 1

    [received] = inbox.received
    assert received.recipients == ["rosa@example.com"]
    assert received.sender == "tandem@example.com"
    message = received.message
    assert message["To"] == "Rosa Rep <rosa@example.com>"
    assert message["From"] == "Tandem <tandem@example.com>"
    assert message["Subject"] == "Séance de coaching mardi"
    assert message["Message-ID"] == parse(bytes(row.message))["Message-ID"]
    assert message["Date"]
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert plain is not None and "Tuesday at 10:00" in plain.get_content()
    assert html is not None and "<p>Maya invites you" in html.get_content()
    row = await OutboxMessage.get(id=row.id)
    assert row.state == MailState.SENT
    assert row.sent_at is not None and row.next_attempt_at is None and row.attempts == 0


async def test_enqueue_keeps_an_existing_message_id_and_date(db) -> None:
    message = invitation()
    message["Message-ID"] = "<session-42-invite@tandem.example.com>"
    message["Date"] = "Tue, 03 Nov 2026 09:00:00 +0000"
    row = await enqueue(message, "reminder")
    stored = parse(bytes(row.message))
    assert stored["Message-ID"] == "<session-42-invite@tandem.example.com>"
    assert stored["Date"] == "Tue, 03 Nov 2026 09:00:00 +0000"
    assert row.kind == MailKind.REMINDER and row.recipient == "rosa@example.com"


async def test_a_transaction_that_fails_after_enqueue_leaves_no_mail(db) -> None:
    with pytest.raises(Boom):
        async with transaction():
            await enqueue(invitation(), MailKind.INVITATION)
            raise Boom
    assert not await OutboxMessage.exists()

    async with transaction():
        await enqueue(invitation(), MailKind.INVITATION)
    assert await OutboxMessage.all().count() == 1


async def test_a_message_without_a_recipient_is_refused(db) -> None:
    message = EmailMessage()
    message["Subject"] = "To nobody"
    with pytest.raises(ValueError, match="To, Cc or Bcc"):
        await enqueue(message, MailKind.DIGEST)


async def test_a_refusing_server_loses_nothing_and_backs_off_until_it_accepts(db) -> None:
    row = await enqueue(invitation(), MailKind.INVITATION)
    inbox = Inbox(refuse_first=3)
    moment = now()
    with smtp_server(inbox) as mail:
        for attempt in (1, 2, 3):
            assert await send_due(mail, now=moment) == 0
            row = await OutboxMessage.get(id=row.id)
            assert row.attempts == attempt and row.state == MailState.WAITING
            assert "451" in (row.last_error or "")
            assert row.next_attempt_at == moment + retry_delay(attempt)
            # Not due a second before its time: nothing is tried.
            assert await send_due(mail, now=row.next_attempt_at - timedelta(seconds=1)) == 0
            assert inbox.refused == attempt
            moment = row.next_attempt_at
        assert await send_due(mail, now=moment) == 1

    assert len(inbox.received) == 1
    row = await OutboxMessage.get(id=row.id)
    assert row.state == MailState.SENT and row.attempts == 3 and row.last_error is None


def test_backoff_doubles_from_a_minute_up_to_an_hour() -> None:
    minutes = [retry_delay(n) / timedelta(minutes=1) for n in range(1, 10)]
    assert minutes == [1, 2, 4, 8, 16, 32, 60, 60, 60]


async def test_mail_waits_while_the_server_is_down_and_goes_out_once_it_is_up(db) -> None:
    rows = [await enqueue(invitation(f"rep{n}@example.com"), MailKind.REMINDER) for n in range(3)]
    port = port_nobody_listens_on()
    moment = now()
    assert await send_due(settings_for(port), now=moment) == 0
    for row in await OutboxMessage.filter(id__in=[r.id for r in rows]):
        assert row.attempts == 1 and row.state == MailState.WAITING
        assert row.next_attempt_at == moment + timedelta(minutes=1)
        assert row.last_error

    inbox = Inbox()
    with smtp_server(inbox, port=port) as mail:
        assert await send_due(mail, now=moment + timedelta(minutes=1)) == 3
    assert sorted(r.recipients[0] for r in inbox.received) == [
        "rep0@example.com",
        "rep1@example.com",
        "rep2@example.com",
    ]


async def test_a_sender_that_dies_holding_a_lease_is_replaced_after_the_lease(db) -> None:
    row = await enqueue(invitation(), MailKind.INVITATION)
    moment = now()
    [claimed] = await claim_due(10, moment)  # ...and the sender is killed here
    assert claimed.id == row.id
    inbox = Inbox()
    with smtp_server(inbox) as mail:
        assert await send_due(mail, now=moment + LEASE - timedelta(seconds=1)) == 0
        assert await send_due(mail, now=moment + LEASE) == 1
    assert inbox.message_ids() == [parse(bytes(row.message))["Message-ID"]]


async def test_a_message_fails_for_good_after_the_last_attempt(db) -> None:
    row = await enqueue(invitation(), MailKind.PAIRING)
    inbox = Inbox(refuse_first=MAX_ATTEMPTS, refusal="550 5.1.1 No such user here")
    moment = now()
    with smtp_server(inbox) as mail:
        for _ in range(MAX_ATTEMPTS):
            assert await send_due(mail, now=moment) == 0
            row = await OutboxMessage.get(id=row.id)
            moment = row.next_attempt_at or moment
        assert await send_due(mail, now=moment + timedelta(days=30)) == 0

    assert inbox.refused == MAX_ATTEMPTS and not inbox.received
    assert row.state == MailState.FAILED and row.attempts == MAX_ATTEMPTS
    assert row.failed_at is not None and row.next_attempt_at is None
    assert "550 5.1.1 No such user here" in (row.last_error or "")


async def test_without_an_smtp_host_mail_stays_in_the_outbox(db) -> None:
    await enqueue(invitation(), MailKind.DIGEST)
    assert await send_due(settings_for(0).__class__(), now=now() + timedelta(days=1)) == 0
    [row] = await OutboxMessage.all()
    assert row.state == MailState.WAITING and row.attempts == 0 and row.claimed_until is None

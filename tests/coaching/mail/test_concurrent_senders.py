"""Senders running at the same moment on PostgreSQL send each message exactly once.

Each `send_due` claims in its own transaction, which takes its own pooled asyncpg
connection, so the claims of concurrent senders truly overlap and only `FOR UPDATE SKIP
LOCKED` keeps them apart. Without the locking clause this failed in the first round of
every run tried (two senders took the same rows); hence a few rounds, for margin. On SQLite
Tortoise runs one transaction at a time, so the same test checks that serialised claims
give the same answer.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from email.message import EmailMessage

from tortoise import connections

from coaching.clock import now
from coaching.mail.config import MailSettings
from coaching.mail.models import MailKind, MailState, OutboxMessage
from coaching.mail.outbox import enqueue
from coaching.mail.sender import send_due
from tests.coaching.mail.smtp_server import Inbox, smtp_server

ROUNDS = 4
MESSAGES = 60
SENDERS = 4
BATCH = 5


async def send_until_empty(mail: MailSettings) -> int:
    total = 0
    while sent := await send_due(mail, limit=BATCH, now=now()):
        total += sent
    return total


async def test_concurrent_senders_send_each_message_exactly_once(db) -> None:
    postgres = connections.get("default").capabilities.dialect == "postgres"
    for round_ in range(ROUNDS):
        await OutboxMessage.all().delete()
        for n in range(MESSAGES):
            message = EmailMessage()
            message["To"] = f"rep{n}@example.com"
            message["Subject"] = f"Round {round_} message {n}"
            message.set_content("Your session starts soon.")
            await enqueue(message, MailKind.REMINDER)
        inbox = Inbox()
        with smtp_server(inbox) as mail:
            counts = await asyncio.gather(*(send_until_empty(mail) for _ in range(SENDERS)))

        duplicates = [m for m, seen in Counter(inbox.message_ids()).items() if seen > 1]
        assert not duplicates, f"round {round_}: sent more than once: {duplicates[:5]}"
        assert len(inbox.received) == MESSAGES and sum(counts) == MESSAGES
        assert await OutboxMessage.filter(sent_at__isnull=True).count() == 0
        assert all(row.state == MailState.SENT for row in await OutboxMessage.all())
        if postgres:  # the senders really overlapped
            assert sum(1 for c in counts if c) > 1, f"round {round_}: one did all: {counts}"

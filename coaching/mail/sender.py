"""Delivering the outbox: claim due messages with a lease, send each over SMTP, record
the outcome. At least once: a sender killed mid-send leaves its lease to expire, and the
message goes out again later with the same Message-ID.

Claiming is a short transaction of its own. On PostgreSQL, `SELECT ... FOR UPDATE SKIP
LOCKED` lets concurrent senders take disjoint rows without waiting for each other; on
SQLite (one writer at a time) a single `UPDATE ... WHERE id IN (SELECT ...)` takes the
write lock first, so two processes on one file cannot claim the same row either.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

import aiosmtplib
from tortoise import connections
from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from coaching import clock
from coaching.db import transaction
from coaching.mail.config import MailSettings, SmtpSecurity
from coaching.mail.models import ERROR_MAX, OutboxMessage
from coaching.mail.outbox import parse

log = logging.getLogger("tandem.mail")

LEASE = timedelta(minutes=10)  # longer than a batch can take: BATCH × the SMTP timeout
BATCH = 15
MAX_ATTEMPTS = 12
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=1)


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the attempts-th failure: 1 min, 2, 4, ... at most 1 h."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


async def send_due(mail: MailSettings, limit: int = BATCH, now: datetime | None = None) -> int:
    """Send up to `limit` due messages; returns how many were delivered. Without an SMTP
    host nothing is claimed: the mail waits in the outbox."""
    if not mail.sends:
        return 0
    moment = now or clock.now()
    delivered = 0
    for row in await claim_due(limit, moment):
        delivered += await _attempt(row, mail, moment)
    return delivered


async def claim_due(limit: int, now: datetime, lease: timedelta = LEASE) -> list[OutboxMessage]:
    """Take a lease on up to `limit` due messages, oldest due first, and return them."""
    token = secrets.token_hex(16)
    claim = {"claimed_until": now + lease, "claim_token": token}
    async with transaction():
        if _dialect() == "postgres":
            locked = await _due(now).limit(limit).select_for_update(skip_locked=True).only("id")
            await OutboxMessage.filter(id__in=[row.id for row in locked]).update(**claim)
        else:
            due_ids = Subquery(_due(now).limit(limit).values("id"))
            await OutboxMessage.filter(id__in=due_ids).update(**claim)
    return await OutboxMessage.filter(claim_token=token).order_by("next_attempt_at", "id")


def _due(now: datetime) -> QuerySet[OutboxMessage]:
    not_leased = Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)
    return OutboxMessage.filter(not_leased, next_attempt_at__lte=now).order_by(
        "next_attempt_at", "id"
    )


def _dialect() -> str:
    return str(connections.get("default").capabilities.dialect)


async def _attempt(row: OutboxMessage, mail: MailSettings, now: datetime) -> int:
    try:
        await deliver(bytes(row.message), mail)
    except Exception as exc:  # anything: a message that can't be sent must not stay leased
        log.warning("Mail %s (%s) not sent: %s", row.id, row.kind, _describe(exc))
        await record_failure(row, _describe(exc), now)
        return 0
    await record_sent(row, now)
    log.info("Mail %s (%s) sent", row.id, row.kind)
    return 1


async def deliver(raw: bytes, mail: MailSettings) -> None:
    message = parse(raw)
    if "From" not in message:
        message["From"] = mail.mail_from
    await aiosmtplib.send(
        message,
        hostname=mail.host,
        port=mail.port,
        username=mail.username or None,
        password=mail.password or None,
        use_tls=mail.security == SmtpSecurity.TLS,
        start_tls=mail.security == SmtpSecurity.STARTTLS,
        timeout=mail.timeout_seconds,
    )


async def record_sent(row: OutboxMessage, now: datetime) -> None:
    await OutboxMessage.filter(id=row.id).update(
        sent_at=now, next_attempt_at=None, claimed_until=None, claim_token=None, last_error=None
    )


async def record_failure(row: OutboxMessage, error: str, now: datetime) -> None:
    """One more failed attempt: retry later with a longer wait, or give up for good. Only
    the holder of the lease records it (a sender whose lease ran out and was taken over
    leaves the row to the new holder)."""
    attempts = row.attempts + 1
    given_up = attempts >= MAX_ATTEMPTS
    await OutboxMessage.filter(id=row.id, claim_token=row.claim_token, sent_at__isnull=True).update(
        attempts=attempts,
        last_error=error[:ERROR_MAX],
        next_attempt_at=None if given_up else now + retry_delay(attempts),
        failed_at=now if given_up else None,
        claimed_until=None,
        claim_token=None,
    )
    if given_up:
        log.error("Mail %s (%s) failed %s times: given up", row.id, row.kind, attempts)


def _describe(exc: BaseException) -> str:
    """One line for the outbox row and the log: the server's answer when it gave one."""
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        text = f"{exc.code} {exc.message}"
    else:
        text = str(exc) or "no details"
    return f"{type(exc).__name__}: {' '.join(text.split())}"

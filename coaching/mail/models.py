"""Tortoise models of the outbox (Tortoise app "mail"). Times are stored in UTC."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

RECIPIENT_MAX = 998  # a header line's limit in RFC 5322; the addresses are clipped to it
SUBJECT_MAX = 255
ERROR_MAX = 500


class MailKind(StrEnum):
    INVITATION = "invitation"
    REMINDER = "reminder"
    DIGEST = "digest"
    PAIRING = "pairing"


class MailState(StrEnum):
    WAITING = "waiting"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(Model):
    """One message to send. `next_attempt_at` is set while there is something to do and
    cleared once it is sent or has failed for good, so the sender's query is one indexed
    range: `next_attempt_at <= now`, minus the rows another sender holds a lease on."""

    id = fields.IntField(primary_key=True)
    recipient = fields.CharField(max_length=RECIPIENT_MAX)
    subject = fields.CharField(max_length=SUBJECT_MAX)
    message = fields.BinaryField(description="the whole RFC 5322 message, as sent")
    kind = fields.CharEnumField(MailKind, max_length=16)
    created_at = fields.DatetimeField(auto_now_add=True)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True, db_index=True)
    claimed_until = fields.DatetimeField(null=True)
    claim_token = fields.CharField(max_length=32, null=True)
    sent_at = fields.DatetimeField(null=True)
    last_error = fields.CharField(max_length=ERROR_MAX, null=True)
    failed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "mail_outbox"
        table_description = "Mail written with the change it belongs to, sent at least once."

    @property
    def state(self) -> MailState:
        if self.sent_at is not None:
            return MailState.SENT
        if self.failed_at is not None:
            return MailState.FAILED
        return MailState.WAITING


class WorkerHeartbeat(Model):
    """A running `tandem worker` says so every few seconds; the web server sends mail
    itself only while no worker has spoken lately."""

    worker = fields.CharField(max_length=200, primary_key=True)
    beat_at = fields.DatetimeField()

    class Meta:
        table = "mail_worker_heartbeats"
        table_description = "When each running `tandem worker` last said it was alive."

"""Tortoise models of pipeline snapshots (app "coaching"). Money in minor units."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from coaching.identity.models import User
from coaching.pipeline.deals import DealRecord, DealStatus

if TYPE_CHECKING:
    from coaching.models import CoachingSession


class PipelineSnapshot(Model):
    """A rep's pipeline as the CRM exported it on one day. Only the rep sees it, until they
    bring it to a session."""

    id = fields.IntField(primary_key=True)
    owner: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="snapshots", on_delete=fields.CASCADE
    )
    owner_id: int
    taken_on = fields.DateField()
    format = fields.CharField(max_length=24)
    source = fields.CharField(max_length=80)  # "Upload", "Command line", "API: <token>"
    file_name = fields.CharField(max_length=200, default="")
    # The same file (or the same deals) for the same rep and day is one snapshot.
    content_hash = fields.CharField(max_length=64)
    deal_count = fields.IntField(default=0)
    skipped_lines = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    deals: fields.ReverseRelation[SnapshotDeal]
    broughts: fields.ReverseRelation[BroughtSnapshot]

    class Meta:
        table = "pipeline_snapshots"
        unique_together = (("owner", "taken_on", "content_hash"),)
        ordering = ["-taken_on", "-id"]


class SnapshotDeal(Model):
    id = fields.IntField(primary_key=True)
    snapshot: fields.ForeignKeyRelation[PipelineSnapshot] = fields.ForeignKeyField(
        "coaching.PipelineSnapshot", related_name="deals", on_delete=fields.CASCADE
    )
    snapshot_id: int
    key = fields.CharField(max_length=420)  # deal_key(): the CRM id, else account + name
    crm_id = fields.CharField(max_length=100, null=True)
    name = fields.CharField(max_length=200)
    account = fields.CharField(max_length=200, default="")
    stage = fields.CharField(max_length=80)
    status = fields.CharEnumField(DealStatus, max_length=8, default=DealStatus.OPEN)
    amount_minor = fields.BigIntField(null=True)  # NULL: the file left it empty
    currency = fields.CharField(max_length=3)
    close_date = fields.DateField(null=True)
    probability = fields.SmallIntField(null=True)
    next_step = fields.CharField(max_length=500, default="")
    line = fields.IntField(default=0)

    class Meta:
        table = "snapshot_deals"
        unique_together = (("snapshot", "key"),)
        ordering = ["close_date", "id"]

    def record(self) -> DealRecord:
        return DealRecord(
            key=self.key,
            crm_id=self.crm_id,
            name=self.name,
            account=self.account,
            stage=self.stage,
            status=DealStatus(self.status),
            amount_minor=self.amount_minor,
            currency=self.currency,
            close_date=self.close_date,
            probability=self.probability,
            next_step=self.next_step,
            line=self.line,
        )


class BroughtSnapshot(Model):
    """A snapshot the rep brought to one session: whole, or only the deals they picked.
    Deleting the row takes it back; the coach loses sight of it on the next request."""

    id = fields.IntField(primary_key=True)
    snapshot: fields.ForeignKeyRelation[PipelineSnapshot] = fields.ForeignKeyField(
        "coaching.PipelineSnapshot", related_name="broughts", on_delete=fields.CASCADE
    )
    snapshot_id: int
    session: fields.ForeignKeyRelation[CoachingSession] = fields.ForeignKeyField(
        "coaching.CoachingSession", related_name="broughts", on_delete=fields.CASCADE
    )
    session_id: int
    whole = fields.BooleanField(default=True)
    automatic = fields.BooleanField(default=False)  # brought by the pairing's agreement
    brought_at = fields.DatetimeField(auto_now_add=True)

    picks: fields.ReverseRelation[BroughtDeal]

    class Meta:
        table = "brought_snapshots"
        unique_together = (("session", "snapshot"),)  # session first: pages look up by it


class BroughtDeal(Model):
    """One deal the rep picked when bringing only part of a snapshot."""

    id = fields.IntField(primary_key=True)
    brought: fields.ForeignKeyRelation[BroughtSnapshot] = fields.ForeignKeyField(
        "coaching.BroughtSnapshot", related_name="picks", on_delete=fields.CASCADE
    )
    brought_id: int
    deal: fields.ForeignKeyRelation[SnapshotDeal] = fields.ForeignKeyField(
        "coaching.SnapshotDeal", related_name="picks", on_delete=fields.CASCADE
    )
    deal_id: int

    class Meta:
        table = "brought_deals"
        unique_together = (("brought", "deal"),)


class DealContext(Model):
    """The rep's own words on a deal ("why it moved", "what I need") and whether they want
    help with it. Keyed by the deal's identity, so it follows the deal across snapshots."""

    id = fields.IntField(primary_key=True)
    owner: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="deal_contexts", on_delete=fields.CASCADE
    )
    owner_id: int
    key = fields.CharField(max_length=420)
    note = fields.TextField(default="")
    wants_help = fields.BooleanField(default=False)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "deal_contexts"
        unique_together = (("owner", "key"),)


class ColumnMapping(Model):
    """A generic file's columns as a person mapped them once, reused for files with the same
    header row."""

    id = fields.IntField(primary_key=True)
    owner: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="column_mappings", on_delete=fields.CASCADE
    )
    owner_id: int
    name = fields.CharField(max_length=80)
    headers = fields.CharField(max_length=64)  # a hash of the header row it fits
    mapping: fields.Field[dict] = fields.JSONField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "column_mappings"
        unique_together = (("owner", "headers"),)


class PendingImport(Model):
    """An uploaded file between its preview and the person's "Import": nothing of it is a
    snapshot yet. Removed when imported, and a day after upload at the latest."""

    id = fields.IntField(primary_key=True)
    owner: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="pending_imports", on_delete=fields.CASCADE
    )
    owner_id: int
    token = fields.CharField(max_length=64, unique=True)
    file_name = fields.CharField(max_length=200, default="")
    data = fields.BinaryField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "pending_imports"


class PipelineSettings(Model):
    """The organisation's pipeline vocabulary: one row."""

    id = fields.IntField(primary_key=True)
    default_currency = fields.CharField(max_length=3, default="USD")
    stage_order = fields.TextField(default="")  # one stage a line, earliest first
    won_stages = fields.TextField(default="")  # extra names for won, one a line
    lost_stages = fields.TextField(default="")
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "pipeline_settings"


__models__ = [
    PipelineSnapshot,
    SnapshotDeal,
    BroughtSnapshot,
    BroughtDeal,
    DealContext,
    ColumnMapping,
    PendingImport,
    PipelineSettings,
]

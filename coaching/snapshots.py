"""Pipeline snapshots: the rep's CRM pipeline at a moment, brought to a session to talk about."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from coaching import access, privacy
from coaching.db import transaction
from coaching.errors import Invalid, NotFound
from coaching.models import ObjectKind, PipelineSnapshot, SnapshotDeal, User
from coaching.privacy import Action
from coaching.sessions import load_session


@dataclass(frozen=True)
class DealRow:
    name: str
    stage: str
    amount_minor: int
    currency: str
    close_date: date | None


async def create_snapshot(
    owner: User, taken_at: datetime, deals: list[DealRow], source: str = "CSV import"
) -> PipelineSnapshot:
    """All or nothing: the snapshot and every deal, or none of them."""
    if not deals:
        raise Invalid({"deals": "A snapshot needs at least one deal."})
    async with transaction():
        snapshot = await PipelineSnapshot.create(owner=owner, taken_at=taken_at, source=source)
        await SnapshotDeal.bulk_create(
            [SnapshotDeal(snapshot=snapshot, **deal.__dict__) for deal in deals]
        )
    return snapshot


async def get_snapshot(actor: User, snapshot_id: int) -> PipelineSnapshot:
    snapshot = await PipelineSnapshot.get_or_none(id=snapshot_id).prefetch_related("deals")
    if snapshot is None or not await privacy.may(actor, Action.READ, snapshot):
        raise NotFound("No such snapshot.")
    await access.record_reads(actor, snapshot.owner_id, ObjectKind.SNAPSHOT, [snapshot])
    return snapshot


async def bring_to_session(
    actor: User, snapshot_id: int, session_id: int | None
) -> PipelineSnapshot:
    """The rep attaches their snapshot to one of their sessions (or takes it back: None)."""
    snapshot = await PipelineSnapshot.get_or_none(id=snapshot_id)
    if snapshot is None or not await privacy.may(actor, Action.WRITE, snapshot):
        raise NotFound("No such snapshot.")
    if session_id is not None:
        session = await load_session(actor, session_id)
        if session.pairing.rep_id != actor.id:
            raise Invalid({"session_id": "Bring a snapshot only to your own sessions."})
    snapshot.session_id = session_id
    await snapshot.save(update_fields=["session_id"])
    return snapshot


async def list_my_snapshots(actor: User) -> list[PipelineSnapshot]:
    return (
        await PipelineSnapshot.filter(owner_id=actor.id)
        .order_by("-taken_at")
        .prefetch_related("deals")
    )

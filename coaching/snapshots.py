"""Pipeline snapshots: the rep's CRM pipeline at a moment, brought to a session to talk about."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from coaching.db import transaction
from coaching.errors import Invalid
from coaching.models import CoachingSession, PipelineSnapshot, SnapshotDeal, User
from coaching.policy import Action
from coaching.policy.reveal import fetch, reveal_one


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
    """The snapshot, for its rep or the coach it was brought to; a coach's read is logged."""
    query = PipelineSnapshot.filter(id=snapshot_id).prefetch_related("deals")
    return await reveal_one(actor, query, "No such snapshot.")


async def bring_to_session(
    actor: User, snapshot_id: int, session_id: int | None
) -> PipelineSnapshot:
    """The rep attaches their snapshot to one of their sessions (or takes it back: None)."""
    query = PipelineSnapshot.filter(id=snapshot_id)
    snapshot = await fetch(actor, Action.WRITE, query, "No such snapshot.")
    if session_id is not None:
        own = CoachingSession.filter(id=session_id, pairing__rep_id=actor.id)
        await fetch(actor, Action.WRITE, own, "Bring a snapshot only to your own sessions.")
    snapshot.session_id = session_id
    await snapshot.save(update_fields=["session_id"])
    return snapshot


async def list_my_snapshots(actor: User) -> list[PipelineSnapshot]:
    return (
        await PipelineSnapshot.filter(owner_id=actor.id)
        .order_by("-taken_at")
        .prefetch_related("deals")
    )

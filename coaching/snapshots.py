"""Pipeline snapshots: import one (all or nothing, once per file and day), bring it to a
session (whole or some deals), take it back, and read it as its rep or their coach."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache

from coaching.access import logged_together
from coaching.clock import now
from coaching.compiled import Shape
from coaching.db import lock, transaction
from coaching.errors import Conflict, Invalid, NotFound
from coaching.identity import audit
from coaching.identity.models import AuditAction, Role, User
from coaching.models import CoachingSession, Pairing, PairingStatus
from coaching.pipeline.deals import DealRecord, DealStatus
from coaching.pipeline.memo import Memo
from coaching.pipeline.models import (
    BroughtDeal,
    BroughtSnapshot,
    DealContext,
    PipelineSnapshot,
    SnapshotDeal,
)
from coaching.policy import Action
from coaching.policy.reveal import fetch, reveal, reveal_one
from coaching.text import clean_text

NO_SNAPSHOT = "No such snapshot."
MAX_CONTEXT = 1000
DEAL_COLUMNS = (
    "snapshot_id", "key", "crm_id", "name", "account", "stage", "status", "amount_minor",
    "currency", "close_date", "probability", "next_step", "line",
)  # fmt: skip


@dataclass(frozen=True)
class ImportOrigin:
    """Where a snapshot came from and who brought it in (the rep, an admin, a token)."""

    source: str
    format: str
    taken_on: date
    file_name: str = ""
    by: User | None = None  # None: an integration token, named in `source`
    skipped_lines: int = 0  # footer and blank lines the file had


@dataclass(frozen=True)
class Imported:
    snapshot: PipelineSnapshot
    created: bool  # False: the same file for the same rep and day was imported before


EARLIEST_SNAPSHOT = date(2000, 1, 1)


def check_taken_on(day: date) -> None:
    """A snapshot's day is today or before, and not before 2000 (a typo, not an export)."""
    if day > date.today():
        raise Invalid({"taken_on": "A snapshot can't be from a day still to come."})
    if day < EARLIEST_SNAPSHOT:
        raise Invalid({"taken_on": "A snapshot can't be from before the year 2000."})


def content_hash_of_file(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def content_hash_of_deals(deals: Sequence[DealRecord]) -> str:
    """The same deals sent twice (through the API) hash the same, whatever their order."""
    rows = sorted(json.dumps(_row(deal)[1:], default=str) for deal in deals)
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()


async def import_snapshot(
    owner: User, deals: Sequence[DealRecord], origin: ImportOrigin, content_hash: str
) -> Imported:
    """Store the snapshot and every deal, or nothing. Importing the same content for the
    same rep and day again returns the first snapshot."""
    if not owner.is_active or not owner.has_role(Role.REP):
        raise Invalid({"rep": f"{owner.email} is not an active rep: snapshots belong to reps."})
    if not deals:
        raise Invalid({"file": "The file has no deals to import."})
    check_taken_on(origin.taken_on)
    existing = await _same_import(owner, origin.taken_on, content_hash)
    if existing is not None:
        return Imported(existing, created=False)
    try:
        async with transaction() as tx:
            snapshot = await PipelineSnapshot.create(
                owner=owner,
                taken_on=origin.taken_on,
                format=origin.format,
                source=origin.source[:80],
                file_name=origin.file_name[:200],
                content_hash=content_hash,
                deal_count=len(deals),
                skipped_lines=origin.skipped_lines,
            )
            await _insert_deals(tx.connection, snapshot.id, deals)
            await _bring_automatically(owner, snapshot)
            if origin.by is None or origin.by.id != owner.id:
                await _audit_import(owner, origin, snapshot, len(deals))
    except Conflict:  # the same import, committed by a parallel request a moment ago
        existing = await _same_import(owner, origin.taken_on, content_hash)
        if existing is None:
            raise
        return Imported(existing, created=False)
    return Imported(snapshot, created=True)


async def _same_import(owner: User, taken_on: date, content_hash: str) -> PipelineSnapshot | None:
    return await PipelineSnapshot.filter(
        owner_id=owner.id, taken_on=taken_on, content_hash=content_hash
    ).first()


def _row(deal: DealRecord) -> tuple[object, ...]:
    return (
        deal.key, deal.crm_id, deal.name, deal.account, deal.stage, deal.status.value,
        deal.amount_minor, deal.currency, deal.close_date, deal.probability, deal.next_step,
        deal.line,
    )  # fmt: skip


async def _insert_deals(connection: object, snapshot_id: int, deals: Sequence[DealRecord]) -> None:
    """One statement for all the deals: a 10,000-deal file is a single round of inserts,
    not 10,000 model saves."""
    rows = [(snapshot_id, *_row(deal)) for deal in deals]
    dialect = connection.capabilities.dialect  # type: ignore[attr-defined]
    columns = ", ".join(DEAL_COLUMNS)
    if dialect == "postgres":
        raw = connection._connection  # type: ignore[attr-defined]  # asyncpg, in this transaction
        await raw.copy_records_to_table("snapshot_deals", records=rows, columns=DEAL_COLUMNS)
        return
    marks = ", ".join("?" for _ in DEAL_COLUMNS)
    sql = f"INSERT INTO snapshot_deals ({columns}) VALUES ({marks})"
    await connection.execute_many(sql, rows)  # type: ignore[attr-defined]


async def _audit_import(
    owner: User, origin: ImportOrigin, snapshot: PipelineSnapshot, deals: int
) -> None:
    count = "1 deal" if deals == 1 else f"{deals} deals"
    detail = f"Snapshot of {origin.taken_on:%d %b %Y} ({count}) from {origin.source}"
    await audit.record(origin.by, AuditAction.SNAPSHOT_IMPORTED, owner, detail)


# --- bringing to a session -------------------------------------------------------------


async def _bring_automatically(owner: User, snapshot: PipelineSnapshot) -> None:
    """Where the agreement says so, the newest snapshot goes to the pairing's next session,
    in place of one brought there automatically before (what the rep brought by hand
    stays)."""
    pairings = await Pairing.filter(
        rep_id=owner.id, status=PairingStatus.ACTIVE, auto_bring_snapshot=True
    )
    for pairing in pairings:
        session = await _next_session(pairing.id)
        if session is not None:
            await BroughtSnapshot.filter(session_id=session.id, automatic=True).delete()
            await BroughtSnapshot.create(
                snapshot=snapshot, session=session, whole=True, automatic=True
            )


async def _next_session(pairing_id: int) -> CoachingSession | None:
    upcoming = CoachingSession.filter(pairing_id=pairing_id, starts_at__gte=now())
    return await upcoming.order_by("starts_at", "id").first()


async def bring_latest_to(session: CoachingSession, pairing: Pairing) -> None:
    """A newly scheduled session of an agreement that says so gets the latest snapshot."""
    if not pairing.auto_bring_snapshot or pairing.status != PairingStatus.ACTIVE:
        return
    latest = await PipelineSnapshot.filter(owner_id=pairing.rep_id).first()
    if latest is not None:
        await BroughtSnapshot.create(snapshot=latest, session=session, whole=True, automatic=True)


async def bring_to_session(
    actor: User, snapshot_id: int, session_id: int, deal_ids: Sequence[int] | None = None
) -> BroughtSnapshot:
    """The rep brings their snapshot to one of their sessions: whole (`deal_ids` None) or
    only the deals picked. Bringing it again replaces the choice."""
    snapshot = await fetch(
        actor, Action.WRITE, PipelineSnapshot.filter(id=snapshot_id), NO_SNAPSHOT
    )
    async with transaction():
        # The pairing row is locked so that bringing and ending the pairing cannot
        # interleave: a share never outlives the pairing it was made in.
        session = await _own_active_session(actor, session_id)
        picked = await _picked_deals(snapshot, deal_ids)
        await BroughtSnapshot.filter(snapshot_id=snapshot.id, session_id=session.id).delete()
        brought = await BroughtSnapshot.create(
            snapshot=snapshot, session=session, whole=deal_ids is None
        )
        if picked:
            await BroughtDeal.bulk_create([BroughtDeal(brought=brought, deal_id=i) for i in picked])
    return brought


async def _own_active_session(actor: User, session_id: int) -> CoachingSession:
    session = await CoachingSession.filter(id=session_id, pairing__rep_id=actor.id).first()
    if session is None:
        raise Invalid({"session_id": "Bring a snapshot only to one of your own sessions."})
    pairing = await lock(Pairing.filter(id=session.pairing_id)).first()
    if pairing is None or pairing.status != PairingStatus.ACTIVE:
        raise Invalid({"session_id": "That session's pairing has ended."})
    return session


async def _picked_deals(snapshot: PipelineSnapshot, deal_ids: Sequence[int] | None) -> list[int]:
    if deal_ids is None:
        return []
    wanted = set(deal_ids)
    if not wanted:
        raise Invalid({"deal_ids": "Pick at least one deal, or bring the whole snapshot."})
    found = await SnapshotDeal.filter(snapshot_id=snapshot.id, id__in=list(wanted)).values_list(
        "id", flat=True
    )
    if len(found) != len(wanted):
        raise Invalid({"deal_ids": "Pick deals from this snapshot only."})
    return sorted(found)  # type: ignore[arg-type]


async def take_back(actor: User, snapshot_id: int, session_id: int) -> None:
    """The rep takes a snapshot back from a session: the coach no longer sees it."""
    query = BroughtSnapshot.filter(snapshot_id=snapshot_id, session_id=session_id)
    brought = await fetch(actor, Action.DELETE, query, "That snapshot isn't brought there.")
    await brought.delete()


async def set_auto_bring(actor: User, pairing_id: int, on: bool) -> Pairing:
    """The rep switches the agreement's "bring my latest snapshot" on or off."""
    pairing = await Pairing.filter(id=pairing_id, rep_id=actor.id).first()
    if pairing is None:
        raise NotFound("No such pairing.")
    if pairing.status != PairingStatus.ACTIVE:
        raise Invalid({"on": "That pairing is not active: nothing goes to its sessions."})
    pairing.auto_bring_snapshot = on
    await pairing.save(update_fields=["auto_bring_snapshot"])
    return pairing


# --- reading -----------------------------------------------------------------------------

_STATUSES = {status.value: status for status in DealStatus}


async def deal_records(snapshot_ids: Sequence[int]) -> dict[int, list[DealRecord]]:
    """The deals of snapshots whose reading was already decided (and logged), in one query
    and in the order `SnapshotDeal` lists them (close date, then id)."""
    return await _deal_rows("snapshot_id", snapshot_ids)


async def picked_deal_records(deal_ids: Sequence[int]) -> dict[int, list[DealRecord]]:
    """Deals by id (the picks of a partial bringing), grouped by snapshot."""
    return await _deal_rows("id", deal_ids)


async def _deal_rows(column: str, ids: Sequence[int]) -> dict[int, list[DealRecord]]:
    """Records straight from the rows, without model objects in between: for a 10,000-deal
    snapshot several times faster than `SnapshotDeal.filter(...)` and `record()`."""
    found: dict[int, list[DealRecord]] = defaultdict(list)
    if not ids:
        return found
    db = SnapshotDeal._choose_db()
    postgres = db.capabilities.dialect == "postgres"
    marks = ", ".join(f"${i}" if postgres else "?" for i in range(1, len(ids) + 1))
    columns = ", ".join(f'"{name}"' for name in DEAL_COLUMNS)
    sql = (
        f'SELECT {columns} FROM "snapshot_deals" WHERE "{column}" IN ({marks}) '
        'ORDER BY "close_date" ASC, "id" ASC'
    )
    _, rows = await db.execute_query(sql, list(ids))
    statuses, as_date = _STATUSES, _stored_date
    for (snapshot_id, key, crm_id, name, account, stage, status, amount_minor, currency,
         close_date, probability, next_step, line) in rows:  # fmt: skip
        if close_date is not None and not isinstance(close_date, date):
            close_date = as_date(close_date)  # SQLite gives the text it stored
        found[snapshot_id].append(
            DealRecord(
                key,
                crm_id,
                name,
                account,
                stage,
                statuses[status],
                amount_minor,
                currency,
                close_date,
                probability,
                next_step,
                line,
            )  # fmt: skip
        )
    return found


@lru_cache(maxsize=4096)  # a pipeline has few distinct close dates
def _stored_date(text: str) -> date:
    return date.fromisoformat(text[:10])


@dataclass
class SnapshotView:
    """A snapshot as one person may see it: the deals they may see, the rep's own context
    on them, deals the rep wants help with first."""

    snapshot: PipelineSnapshot
    # The rep's own page has the models (ids for its forms); the session page has records.
    deals: Sequence[SnapshotDeal] | Sequence[DealRecord]
    contexts: dict[str, DealContext] = field(default_factory=dict)
    whole: bool = True
    # What identifies the deals shown for good (see coaching/pipeline/memo.py); None for a
    # selection not saved yet (the rep's preview).
    content_key: tuple[object, ...] | None = None

    @cached_property
    def records(self) -> list[DealRecord]:
        return [d if isinstance(d, DealRecord) else d.record() for d in self.deals]

    @cached_property
    def keys(self) -> set[str]:
        return {deal.key for deal in self.deals}

    def context(self, deal: SnapshotDeal | DealRecord) -> DealContext | None:
        return self.contexts.get(deal.key)

    @cached_property
    def wanted_first(self) -> list[SnapshotDeal | DealRecord]:
        """Deals the rep asked for help with, then those with their words, then the rest."""
        if not self.contexts:
            return list(self.deals)

        def order(deal: SnapshotDeal | DealRecord) -> tuple[int, int]:
            ctx = self.contexts.get(deal.key)
            return (0 if ctx and ctx.wants_help else 1, 0 if ctx and ctx.note else 1)

        return sorted(self.deals, key=order)


async def get_snapshot(actor: User, snapshot_id: int) -> SnapshotView:
    """The rep's own snapshot, whole. A coach reads snapshots on the session page."""
    async with logged_together():
        query = PipelineSnapshot.filter(id=snapshot_id, owner_id=actor.id)
        snapshot = await reveal_one(actor, query, NO_SNAPSHOT)
        deals = await SnapshotDeal.filter(snapshot_id=snapshot.id)
    return SnapshotView(snapshot, deals, await _contexts(snapshot.owner_id, deals))


async def _contexts(
    owner_id: int, deals: Sequence[SnapshotDeal] | Sequence[DealRecord]
) -> dict[str, DealContext]:
    """The rep's words on these deals. A rep writes on few deals, so all of theirs are read
    (one small query) rather than a thousand keys sent to the database."""
    if not deals:
        return {}
    keys = {deal.key for deal in deals}
    found = await CONTEXTS_OF.all(owner_id)
    return {ctx.key: ctx for ctx in found if ctx.key in keys}


# The session page's queries, compiled once (coaching/compiled.py).
BROUGHT_TO = Shape(
    lambda session_id: BroughtSnapshot.filter(session_id=session_id).select_related("snapshot")
)
SNAPSHOTS_BROUGHT_TO = Shape(
    lambda session_id: PipelineSnapshot.filter(broughts__session_id=session_id)
)
CONTEXTS_OF = Shape(lambda owner_id: DealContext.filter(owner_id=owner_id))


async def brought_to_session(
    actor: User, session_id: int, *, with_contexts: bool = True
) -> list[SnapshotView]:
    """What is brought to the session, as the actor may see it (the coach: only the deals
    brought); every read by the coach is logged. The bringings are revealed through their
    policy, then their deals read: all of a whole snapshot, the picks of a partial one."""
    async with logged_together():
        broughts = await reveal(actor, BROUGHT_TO, session_id)
        if not broughts:
            return []
        snapshots = await reveal(actor, SNAPSHOTS_BROUGHT_TO, session_id)
    visible = {s.id for s in snapshots}
    shown = sorted(
        (b for b in broughts if b.snapshot_id in visible),
        key=lambda b: (b.snapshot.taken_on, b.snapshot_id),
    )
    deals = await _deals_brought(shown)
    everything = [d for b in shown for d in deals[b.id]]
    owner_id = broughts[0].snapshot.owner_id
    contexts = await _contexts(owner_id, everything) if with_contexts else {}
    return [
        SnapshotView(b.snapshot, deals[b.id], contexts, b.whole, _content_key(b)) for b in shown
    ]


async def view_of_brought(actor: User, brought: BroughtSnapshot) -> SnapshotView | None:
    """One bringing the actor was shown, without the rep's words: its snapshot's read is
    checked and logged, its deals read once per process."""
    async with logged_together():
        snapshots = await reveal(actor, SNAPSHOTS_BROUGHT_TO, brought.session_id)
    snapshot = next((s for s in snapshots if s.id == brought.snapshot_id), None)
    if snapshot is None:
        return None
    brought.snapshot = snapshot
    deals = await _deals_brought([brought])
    return SnapshotView(
        brought.snapshot, deals[brought.id], {}, brought.whole, _content_key(brought)
    )


def _content_key(brought: BroughtSnapshot) -> tuple[object, ...]:
    snapshot = brought.snapshot
    return (brought.id, brought.brought_at, snapshot.id, snapshot.content_hash)


_BROUGHT_DEALS: Memo[list[DealRecord]] = Memo(size=64)


async def _deals_brought(broughts: Sequence[BroughtSnapshot]) -> dict[int, list[DealRecord]]:
    """Deals per bringing (every deal of a whole snapshot, else the picked ones), read once
    per bringing: they cannot change."""
    result: dict[int, list[DealRecord]] = {}
    missing = []
    for brought in broughts:
        found = _BROUGHT_DEALS.find(_content_key(brought))
        if found is None:
            missing.append(brought)
        else:
            result[brought.id] = found
    read = await _read_deals_brought(missing)
    for brought in missing:
        _BROUGHT_DEALS.keep(_content_key(brought), read[brought.id])
    return result | read


async def _read_deals_brought(
    broughts: Sequence[BroughtSnapshot],
) -> dict[int, list[DealRecord]]:
    result: dict[int, list[DealRecord]] = {b.id: [] for b in broughts}
    whole = {b.snapshot_id: b.id for b in broughts if b.whole}
    for snapshot_id, records in (await deal_records(list(whole))).items():
        result[whole[snapshot_id]] = records
    partial = {b.snapshot_id: b.id for b in broughts if not b.whole}
    if partial:
        picks: list[int] = await BroughtDeal.filter(  # type: ignore[assignment]
            brought_id__in=list(partial.values())
        ).values_list("deal_id", flat=True)
        for snapshot_id, records in (await picked_deal_records(picks)).items():
            result[partial[snapshot_id]] = records
    return result


async def list_my_snapshots(actor: User) -> list[PipelineSnapshot]:
    return await PipelineSnapshot.filter(owner_id=actor.id).order_by("-taken_on", "-id")


async def save_deal_context(
    actor: User, snapshot_id: int, deal_id: int, note: str, wants_help: bool
) -> DealContext:
    """The rep's words on a deal and whether they want help with it; they follow the deal
    into later snapshots."""
    query = SnapshotDeal.filter(id=deal_id, snapshot_id=snapshot_id)
    deal = await fetch(actor, Action.WRITE, query, "No such deal in this snapshot.")
    errors: dict[str, str] = {}
    text = clean_text(
        note, field="note", label="Context", max_length=MAX_CONTEXT, errors=errors, required=False
    )
    if errors:
        raise Invalid(errors)
    async with transaction():
        found = await lock(DealContext.filter(owner_id=actor.id, key=deal.key)).first()
        if found is None:
            return await DealContext.create(
                owner=actor, key=deal.key, note=text, wants_help=wants_help
            )
        found.note, found.wants_help = text, wants_help
        await found.save(update_fields=["note", "wants_help", "updated_at"])
        return found


async def delete_snapshot(actor: User, snapshot_id: int) -> PipelineSnapshot:
    query = PipelineSnapshot.filter(id=snapshot_id)
    snapshot = await fetch(actor, Action.DELETE, query, NO_SNAPSHOT)
    await snapshot.delete()
    return snapshot

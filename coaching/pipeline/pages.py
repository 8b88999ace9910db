"""What the pipeline pages show, loaded in a fixed number of queries however many deals a
snapshot holds: a snapshot with its pictures and questions, two compared, the preview of
what a coach will see, and the snapshots brought to a session with what changed since the
pairing's last session."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from coaching.access import logged_together
from coaching.clock import now
from coaching.compiled import Shape
from coaching.errors import Invalid, NotFound
from coaching.imports import pipeline_rules
from coaching.models import CoachingSession, Pairing, PairingStatus, User
from coaching.pipeline.charts import (
    Chart,
    close_dates_by_month,
    pipeline_by_stage,
    pipeline_waterfall,
)
from coaching.pipeline.deals import DealRecord, DealStatus, from_minor
from coaching.pipeline.diff import SnapshotDiff, diff_snapshots, waterfall
from coaching.pipeline.memo import Memo
from coaching.pipeline.models import BroughtSnapshot, PipelineSnapshot, SnapshotDeal
from coaching.pipeline.signals import Signal, find_signals
from coaching.policy.reveal import reveal, reveal_one
from coaching.snapshots import (
    NO_SNAPSHOT,
    SnapshotView,
    brought_to_session,
    deal_records,
    get_snapshot,
    list_my_snapshots,
    view_of_brought,
)

HISTORY = 6  # older snapshots looked at for "pushed out again" and "same stage"
DEALS_ON_SESSION_PAGE = 25
DEALS_PER_PAGE = 100


def main_currency(records: Sequence[DealRecord], default: str) -> str:
    """The currency most of the open amount is in (charts draw one currency at a time)."""
    totals: Counter[str] = Counter()
    for deal in records:
        if deal.status == DealStatus.OPEN and deal.amount_minor is not None:
            totals[deal.currency] += abs(deal.amount_minor)
    return totals.most_common(1)[0][0] if totals else default


def open_totals(records: Sequence[DealRecord]) -> dict[str, str]:
    """Open deals with an amount, per currency, as decimal strings ("453250.00")."""
    totals: dict[str, int] = defaultdict(int)
    for deal in records:
        if deal.status == DealStatus.OPEN and deal.amount_minor is not None:
            totals[deal.currency] += deal.amount_minor
    return {cur: str(from_minor(total, cur)) for cur, total in sorted(totals.items())}


@dataclass
class Pictures:
    currency: str
    by_stage: Chart
    by_month: Chart
    other_currencies: list[str] = field(default_factory=list)


def pictures(
    records: Sequence[DealRecord], default: str, stage_order: Sequence[str], tag: str
) -> Pictures:
    currency = main_currency(records, default)
    others = sorted({d.currency for d in records if d.currency != currency})
    return Pictures(
        currency,
        pipeline_by_stage(
            records, currency=currency, stage_order=stage_order, id_prefix=f"{tag}-stage"
        ),
        close_dates_by_month(
            records, currency=currency, today=date.today(), id_prefix=f"{tag}-month"
        ),
        others,
    )


# --- the rep's own pages --------------------------------------------------------------------


@dataclass
class MyPipeline:
    snapshots: list[PipelineSnapshot]
    brought: dict[int, list[BroughtSnapshot]]
    pairings: list[Pairing]  # the rep's active pairings, for "bring my latest automatically"


async def my_pipeline(actor: User) -> MyPipeline:
    mine = await list_my_snapshots(actor)
    brought: dict[int, list[BroughtSnapshot]] = defaultdict(list)
    query = BroughtSnapshot.filter(snapshot__owner_id=actor.id).select_related(
        "session__pairing__coach"
    )
    for row in await query.order_by("session__starts_at"):
        brought[row.snapshot_id].append(row)
    pairings = await Pairing.filter(rep_id=actor.id, status=PairingStatus.ACTIVE).select_related(
        "coach"
    )
    return MyPipeline(mine, dict(brought), pairings)


@dataclass
class SnapshotPage:
    view: SnapshotView
    pictures: Pictures
    signals: list[Signal]
    totals: dict[str, str]
    previous: PipelineSnapshot | None
    changes: SnapshotDiff | None
    brought: list[BroughtSnapshot]
    sessions: list[CoachingSession]  # the rep's upcoming sessions, to bring it to


async def snapshot_page(actor: User, snapshot_id: int) -> SnapshotPage:
    view = await get_snapshot(actor, snapshot_id)
    rules = await pipeline_rules()
    snapshot = view.snapshot
    earlier = (
        await PipelineSnapshot.filter(
            owner_id=actor.id, taken_on__lte=snapshot.taken_on, id__not=snapshot.id
        )
        .order_by("-taken_on", "-id")
        .limit(HISTORY)
    )
    history = await deal_records([s.id for s in earlier])
    chain = [history.get(s.id, []) for s in reversed(earlier)]
    records = view.records
    previous = earlier[0] if earlier else None
    changes = None
    if previous is not None:
        changes = diff_snapshots(
            chain[-1], records, stage_order=rules.stage_order, history=chain[:-1]
        )
    return SnapshotPage(
        view=view,
        pictures=pictures(records, rules.default_currency, rules.stage_order, f"s{snapshot.id}"),
        signals=find_signals(records, today=date.today(), history=chain),
        totals=open_totals(records),
        previous=previous,
        changes=changes,
        brought=await BroughtSnapshot.filter(snapshot_id=snapshot.id).select_related(
            "session__pairing__coach"
        ),
        sessions=await _upcoming_sessions_of(actor),
    )


async def _upcoming_sessions_of(rep: User) -> list[CoachingSession]:
    return (
        await CoachingSession.filter(
            pairing__rep_id=rep.id,
            pairing__status=PairingStatus.ACTIVE,
            starts_at__gte=now().replace(hour=0, minute=0, second=0, microsecond=0),
        )
        .select_related("pairing__coach")
        .order_by("starts_at")
        .limit(20)
    )


@dataclass
class ComparePage:
    old: PipelineSnapshot
    new: PipelineSnapshot
    changes: SnapshotDiff
    currency: str
    waterfall: Chart


async def compare_page(actor: User, old_id: int, new_id: int) -> ComparePage:
    """Two of the rep's own snapshots: what changed from the older to the newer."""
    if old_id == new_id:
        raise Invalid({"__all__": "Choose two different snapshots to compare."})
    old_snapshot = await _own_snapshot(actor, old_id)
    new_snapshot = await _own_snapshot(actor, new_id)
    if (old_snapshot.taken_on, old_id) > (new_snapshot.taken_on, new_id):
        old_snapshot, new_snapshot = new_snapshot, old_snapshot
    rules = await pipeline_rules()
    records = await deal_records([old_snapshot.id, new_snapshot.id])
    old, new = records.get(old_snapshot.id, []), records.get(new_snapshot.id, [])
    currency = main_currency(new or old, rules.default_currency)
    steps = waterfall(old, new, currency=currency)
    return ComparePage(
        old_snapshot,
        new_snapshot,
        diff_snapshots(old, new, stage_order=rules.stage_order),
        currency,
        pipeline_waterfall(steps, currency=currency, id_prefix="compare"),
    )


async def _own_snapshot(actor: User, snapshot_id: int) -> PipelineSnapshot:
    """One of the actor's own snapshots, checked as `get_snapshot` checks it (its deals are
    read separately, as records)."""
    async with logged_together():
        query = PipelineSnapshot.filter(id=snapshot_id, owner_id=actor.id)
        return await reveal_one(actor, query, NO_SNAPSHOT)


# --- what the coach sees -------------------------------------------------------------------


@dataclass
class BroughtView:
    """One snapshot on the session page, as the viewer may see it."""

    view: SnapshotView
    pictures: Pictures
    signals: list[Signal]
    totals: dict[str, str]
    since: PipelineSnapshot | None = None  # the snapshot of the pairing's last session
    changes: SnapshotDiff | None = None
    waterfall: Chart | None = None

    @property
    def first_deals(self) -> list[SnapshotDeal | DealRecord]:
        """The deals the page lists: those the rep wants help with first; the rest are a
        click away (a thousand rows help nobody in a conversation)."""
        return self.view.wanted_first[:DEALS_ON_SESSION_PAGE]

    @property
    def more_deals(self) -> int:
        return max(len(self.view.deals) - DEALS_ON_SESSION_PAGE, 0)


async def session_snapshots(actor: User, session: CoachingSession) -> list[BroughtView]:
    """The snapshots brought to the session, with what changed since the snapshot brought
    to the pairing's previous session; the coach sees only what the rep brought."""
    async with logged_together():
        views = await brought_to_session(actor, session.id)
        if not views:
            return []
        earlier = await _brought_before(actor, session)
    rules = await pipeline_rules()
    return [_brought_view(v, earlier, rules.default_currency, rules.stage_order) for v in views]


BROUGHT_BEFORE = Shape(
    lambda pairing_id, starts_at: (
        BroughtSnapshot.filter(session__pairing_id=pairing_id, session__starts_at__lt=starts_at)
        .select_related("session")
        .order_by("-session__starts_at", "-id")
        .limit(1)
    )
)


async def _brought_before(actor: User, session: CoachingSession) -> SnapshotView | None:
    """What was brought last to the pairing's sessions before this one, as the actor saw
    it (its read logged like any other)."""
    found = await reveal(actor, BROUGHT_BEFORE, session.pairing_id, session.starts_at)
    if not found:
        return None
    return await view_of_brought(actor, found[0])


@dataclass(frozen=True)
class _Analysis:
    """What the session page works out from the deals: the same for the same deals."""

    pictures: Pictures
    signals: list[Signal]
    totals: dict[str, str]
    since: PipelineSnapshot | None = None
    changes: SnapshotDiff | None = None
    waterfall: Chart | None = None


_ANALYSES: Memo[_Analysis] = Memo(size=64)


def _brought_view(
    view: SnapshotView, earlier: SnapshotView | None, default: str, stage_order: Sequence[str]
) -> BroughtView:
    def analyse() -> _Analysis:
        return _analyse(view, earlier, default, stage_order)

    if view.content_key is None or (earlier is not None and earlier.content_key is None):
        found = analyse()  # a preview of a choice not saved: nothing to keep
    else:
        key = (
            view.content_key,
            earlier.content_key if earlier else None,
            date.today(),  # "close date passed" moves with the calendar
            default,
            tuple(stage_order),
        )
        found = _ANALYSES.get(key, analyse)
    return BroughtView(view, found.pictures, found.signals, found.totals, found.since,
                       found.changes, found.waterfall)  # fmt: skip


def _analyse(
    view: SnapshotView, earlier: SnapshotView | None, default: str, stage_order: Sequence[str]
) -> _Analysis:
    records = view.records  # each view's records made once: a snapshot can hold 10,000 deals
    earlier_records = earlier.records if earlier is not None else None
    tag = f"b{view.snapshot.id}"
    drawn = pictures(records, default, stage_order, tag)
    signals = find_signals(records, today=date.today(), previous=earlier_records)
    if earlier is None or earlier_records is None or not _is_before(earlier, view):
        return _Analysis(drawn, signals, open_totals(records))
    keys = None if view.whole else view.keys
    # Brought in part: told against the same deals only (a deal left out is not "gone").
    old = earlier_records if keys is None else [r for r in earlier_records if r.key in keys]
    steps = waterfall(old, records, currency=drawn.currency)
    return _Analysis(
        drawn,
        signals,
        open_totals(records),
        since=earlier.snapshot,
        changes=diff_snapshots(old, records, stage_order=stage_order),
        waterfall=pipeline_waterfall(steps, currency=drawn.currency, id_prefix=f"{tag}-moved"),
    )


def _is_before(earlier: SnapshotView, view: SnapshotView) -> bool:
    """Changes are told forward in time only: an older snapshot brought to a later session
    is shown as it is."""
    return (earlier.snapshot.taken_on, earlier.snapshot.id) < (
        view.snapshot.taken_on,
        view.snapshot.id,
    )


# --- the rep's preview before bringing -----------------------------------------------------


@dataclass
class BringPreview:
    session: CoachingSession
    shown: BroughtView
    whole: bool


async def bring_preview(
    actor: User, snapshot_id: int, session_id: int, deal_ids: Sequence[int] | None
) -> BringPreview:
    """Exactly what the coach will see if the rep brings this (nothing is saved)."""
    view = await get_snapshot(actor, snapshot_id)
    session = (
        await CoachingSession.filter(
            id=session_id, pairing__rep_id=actor.id, pairing__status=PairingStatus.ACTIVE
        )
        .select_related("pairing__coach")
        .first()
    )
    if session is None:
        raise NotFound("No such session of yours.")
    if deal_ids is not None:
        wanted = set(deal_ids)
        if not wanted:
            raise Invalid({"deal_ids": "Pick at least one deal, or bring the whole snapshot."})
        picked = [d for d in view.deals if isinstance(d, SnapshotDeal) and d.id in wanted]
        if len(picked) != len(wanted):  # judged as bringing it would be
            raise Invalid({"deal_ids": "Pick deals from this snapshot only."})
        view = SnapshotView(view.snapshot, picked, view.contexts, whole=False)
    earlier = await _brought_before(actor, session)
    rules = await pipeline_rules()
    shown = _brought_view(view, earlier, rules.default_currency, rules.stage_order)
    return BringPreview(session, shown, deal_ids is None)


@dataclass
class BroughtDealsPage:
    session: CoachingSession
    shown: BroughtView
    deals: list[SnapshotDeal | DealRecord]
    page: int
    has_next: bool

    @property
    def view(self) -> SnapshotView:
        return self.shown.view


async def brought_deals_page(
    actor: User, session: CoachingSession, snapshot_id: int | None, page: int
) -> BroughtDealsPage:
    """Everything about one snapshot brought to the session (None: the newest brought):
    every change and question, and its deals a page at a time."""
    shown = await session_snapshots(actor, session)
    wanted = [b for b in shown if snapshot_id is None or b.view.snapshot.id == snapshot_id]
    if not wanted:
        raise NotFound("That snapshot isn't brought to this session.")
    brought = wanted[-1]
    start = (page - 1) * DEALS_PER_PAGE
    deals = brought.view.wanted_first[start : start + DEALS_PER_PAGE]
    more = len(brought.view.deals) > start + DEALS_PER_PAGE
    return BroughtDealsPage(session, brought, deals, page, more)

"""What changed between two snapshots of one rep's pipeline, and how the open amount moved.

Rules, in the order a deal meets them:

* Identity is `DealRecord.key`. If a snapshot lists a key twice, the later line wins.
* In `new` only: NEW, whatever its status (a deal first seen already won is NEW, and its
  status is on `after`); it is not also WON or LOST, since nothing changed that we saw.
* In `old` only: DISAPPEARED when it was open. A closed deal dropping out of an export is
  routine (many exports list only open and recently closed deals), so it is not reported.
* Status changed: WON or LOST when the new status is won or lost, REOPENED when a closed deal
  is open again. That is the whole story for the deal: stage, date and amount changes of a
  deal that closes are part of closing it, and `before`/`after` show them.
* Closed in both with the same status: nothing (a won deal is not won again).
* Open in both: any of the following, so one deal can be both PUSHED_OUT and AMOUNT_DOWN.
  - Stage: ranked by `stage_order` (compared case- and spacing-blind). When the order can't
    rank both stages (no order given, or a stage not in it), the probabilities decide if both
    are known and differ; otherwise the change is STAGE_CHANGED, with no direction claimed.
  - Close date later: PUSHED_OUT; earlier: PULLED_IN (`days` is how far, always positive).
    `pushes_in_history` counts the pushes across `history`, `old`, `new`: each consecutive
    pair of snapshots, both listing the deal with a close date, where the date moved later.
  - Amount: AMOUNT_UP or AMOUNT_DOWN when both are known and in the same currency.

`waterfall` is the money view of the same two snapshots, for one currency: the open amount
before, what each kind of movement added or took away, and the open amount now.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple

from .deals import DealRecord, DealStatus
from .wording import n_deals


class ChangeKind(StrEnum):
    NEW = "new"
    WON = "won"
    LOST = "lost"
    REOPENED = "reopened"
    ADVANCED = "advanced"
    MOVED_BACK = "moved_back"
    STAGE_CHANGED = "stage_changed"
    PUSHED_OUT = "pushed_out"
    PULLED_IN = "pulled_in"
    AMOUNT_UP = "amount_up"
    AMOUNT_DOWN = "amount_down"
    DISAPPEARED = "disappeared"


KIND_ORDER = {kind: index for index, kind in enumerate(ChangeKind)}


class DealChange(NamedTuple):  # a tuple: a diff of 10,000 deals makes thousands of these
    kind: ChangeKind
    key: str
    name: str
    account: str
    before: DealRecord | None
    after: DealRecord | None
    days: int | None = None  # pushed out / pulled in: by how many days
    pushes_in_history: int | None = None  # pushed out: how often, this time included
    amount_delta_minor: int | None = None  # amount up / down: new minus old
    currency: str = ""


@dataclass(frozen=True)
class SnapshotDiff:
    changes: list[DealChange]  # by kind (in ChangeKind order), then deal name, then key

    def of(self, kind: ChangeKind) -> list[DealChange]:
        return [change for change in self.changes if change.kind is kind]

    def by_kind(self) -> dict[str, list[DealChange]]:
        """The changes of each kind that has some, keyed by the kind's value, in order."""
        groups: dict[str, list[DealChange]] = {}
        for change in self.changes:
            groups.setdefault(change.kind.value, []).append(change)
        return groups

    def names_by_kind(self) -> dict[str, list[str]]:
        """Every kind as a key, even when nothing is of that kind."""
        names: dict[str, list[str]] = {kind.value: [] for kind in ChangeKind}
        for change in self.changes:
            names[change.kind.value].append(change.name)
        return names

    @property
    def counts(self) -> dict[ChangeKind, int]:
        counted = Counter(change.kind for change in self.changes)
        return {kind: counted[kind] for kind in ChangeKind}

    @property
    def is_empty(self) -> bool:
        return not self.changes


def diff_snapshots(
    old: Sequence[DealRecord],
    new: Sequence[DealRecord],
    *,
    stage_order: Sequence[str] = (),
    history: Sequence[Sequence[DealRecord]] = (),
) -> SnapshotDiff:
    before, after = by_key(old), by_key(new)
    compare = _Comparison(stage_ranks(stage_order), _earlier_pushes(history, before, after))
    changes: list[DealChange] = []
    for key, deal in after.items():
        prior = before.get(key)
        if prior is None:
            changes.append(_change(ChangeKind.NEW, None, deal))
        else:
            changes.extend(compare.changes_between(prior, deal))
    changes.extend(
        _change(ChangeKind.DISAPPEARED, deal, None)
        for key, deal in before.items()
        if key not in after and deal.status is DealStatus.OPEN
    )
    changes.sort(key=lambda c: (KIND_ORDER[c.kind], c.name.casefold(), c.key))
    return SnapshotDiff(changes)


def by_key(deals: Iterable[DealRecord]) -> dict[str, DealRecord]:
    return {deal.key: deal for deal in deals}


@lru_cache(maxsize=1024)  # a pipeline has a handful of stages, spelt a few ways
def stage_name(stage: str) -> str:
    """A stage as compared: case and spacing ignored."""
    return " ".join(stage.casefold().split())


def stage_ranks(stage_order: Sequence[str]) -> dict[str, int]:
    ranks: dict[str, int] = {}
    for rank, stage in enumerate(stage_order):
        ranks.setdefault(stage_name(stage), rank)
    return ranks


def _change(
    kind: ChangeKind,
    before: DealRecord | None,
    after: DealRecord | None,
    days: int | None = None,
    pushes: int | None = None,
    amount_delta_minor: int | None = None,
) -> DealChange:
    deal = after or before
    assert deal is not None
    return DealChange(kind, deal.key, deal.name, deal.account, before, after, days, pushes,
                      amount_delta_minor, deal.currency)  # fmt: skip


_STATUS_CHANGE = {
    DealStatus.WON: ChangeKind.WON,
    DealStatus.LOST: ChangeKind.LOST,
    DealStatus.OPEN: ChangeKind.REOPENED,
}


@dataclass(frozen=True, slots=True)
class _Comparison:
    ranks: dict[str, int]  # stage name -> position in the stage order
    earlier_pushes: dict[str, int]  # key -> pushes before the old snapshot

    def changes_between(self, before: DealRecord, after: DealRecord) -> list[DealChange]:
        if before.status is not after.status:
            return [_change(_STATUS_CHANGE[after.status], before, after)]
        if before.status is not DealStatus.OPEN:
            return []
        # Most deals keep their stage, date and amount: equal values need no closer look.
        found = []
        if before.stage != after.stage and (change := self.stage_change(before, after)):
            found.append(change)
        if before.close_date != after.close_date and (
            change := self.close_date_change(before, after)
        ):
            found.append(change)
        if before.amount_minor != after.amount_minor and (change := _amount_change(before, after)):
            found.append(change)
        return found

    def stage_change(self, before: DealRecord, after: DealRecord) -> DealChange | None:
        old_stage, new_stage = stage_name(before.stage), stage_name(after.stage)
        if old_stage == new_stage:
            return None
        ranks = self.ranks
        if old_stage in ranks and new_stage in ranks:
            forward = ranks[new_stage] > ranks[old_stage]
        elif before.probability is not None and after.probability is not None:
            if before.probability == after.probability:
                return _change(ChangeKind.STAGE_CHANGED, before, after)
            forward = after.probability > before.probability
        else:
            return _change(ChangeKind.STAGE_CHANGED, before, after)
        return _change(ChangeKind.ADVANCED if forward else ChangeKind.MOVED_BACK, before, after)

    def close_date_change(self, before: DealRecord, after: DealRecord) -> DealChange | None:
        if before.close_date is None or after.close_date is None:
            return None
        moved = (after.close_date - before.close_date).days
        if moved < 0:
            return _change(ChangeKind.PULLED_IN, before, after, days=-moved)
        if moved > 0:
            pushes = self.earlier_pushes.get(after.key, 0) + 1
            return _change(ChangeKind.PUSHED_OUT, before, after, days=moved, pushes=pushes)
        return None


def _amount_change(before: DealRecord, after: DealRecord) -> DealChange | None:
    if before.amount_minor is None or after.amount_minor is None:
        return None
    if before.currency != after.currency or before.amount_minor == after.amount_minor:
        return None
    delta = after.amount_minor - before.amount_minor
    kind = ChangeKind.AMOUNT_UP if delta > 0 else ChangeKind.AMOUNT_DOWN
    return _change(kind, before, after, amount_delta_minor=delta)


def _earlier_pushes(
    history: Sequence[Sequence[DealRecord]],
    before: dict[str, DealRecord],
    after: dict[str, DealRecord],
) -> dict[str, int]:
    """Pushes before this one, counted only for deals pushed now: the history can be long."""
    if not history:
        return {}
    pushed_now = {
        key
        for key, deal in after.items()
        if (prior := before.get(key)) is not None
        and prior.close_date is not None
        and deal.close_date is not None
        and deal.close_date > prior.close_date
    }
    chain = [*history, before.values()]
    return {key: p.times for key, p in close_date_pushes(chain, pushed_now).items()}


@dataclass(frozen=True, slots=True)
class Pushes:
    times: int  # consecutive snapshot pairs in which the close date moved later
    days: int  # by how many days in all
    first_close_date: date  # the first close date the snapshots show for the deal


def close_date_pushes(
    snapshots: Sequence[Iterable[DealRecord]], keys: Collection[str] | None = None
) -> dict[str, Pushes]:
    """Deals whose close date moved later between consecutive snapshots (oldest first), for
    the given keys or all. A pair only counts when both snapshots list the deal with a date."""
    first: dict[str, date] = {}
    times: Counter[str] = Counter()
    total_days: Counter[str] = Counter()
    previous: dict[str, date] = {}
    for snapshot in snapshots:
        current = {
            d.key: d.close_date
            for d in snapshot
            if d.close_date is not None and (keys is None or d.key in keys)
        }
        for key, close_date in current.items():
            first.setdefault(key, close_date)
            earlier = previous.get(key)
            if earlier is not None and close_date > earlier:
                times[key] += 1
                total_days[key] += (close_date - earlier).days
        previous = current
    return {key: Pushes(times[key], total_days[key], first[key]) for key in times}


# --- the waterfall: how the open amount got from the old snapshot to the new one ---------


class StepKind(StrEnum):
    START = "start"
    NEW = "new"
    REOPENED = "reopened"
    WON = "won"
    LOST = "lost"
    MOVED_OUT = "moved_out"
    AMOUNT_UP = "amount_up"
    AMOUNT_DOWN = "amount_down"
    NOW_COUNTED = "now_counted"
    NO_LONGER_COUNTED = "no_longer_counted"
    END = "end"


# Always shown, even at zero, so two waterfalls read the same way; the others only when a
# deal needs them.
CORE_STEPS = frozenset(StepKind) - {
    StepKind.REOPENED,
    StepKind.NOW_COUNTED,
    StepKind.NO_LONGER_COUNTED,
}


def step_label(kind: StepKind, currency: str) -> str:
    return {
        StepKind.START: "Open pipeline before",
        StepKind.NEW: "New deals",
        StepKind.REOPENED: "Reopened deals",
        StepKind.WON: "Won",
        StepKind.LOST: "Lost",
        StepKind.MOVED_OUT: "No longer in the export",
        StepKind.AMOUNT_UP: "Amounts raised",
        StepKind.AMOUNT_DOWN: "Amounts lowered",
        StepKind.NOW_COUNTED: f"Amount now given in {currency}",
        StepKind.NO_LONGER_COUNTED: f"Amount no longer given in {currency}",
        StepKind.END: "Open pipeline now",
    }[kind]


@dataclass(frozen=True, slots=True)
class WaterfallStep:
    kind: StepKind
    label: str
    amount_minor: int  # start and end: the open amount; the steps between: the change, signed
    total_minor: int  # the open amount once this step is taken
    deals: int  # deals whose amount this step includes
    without_amount: int  # deals that belong here but have no amount, so are left out

    @property
    def is_total(self) -> bool:
        return self.kind in (StepKind.START, StepKind.END)

    @property
    def left_out_text(self) -> str:
        """E.g. "3 deals without an amount are not included" (empty when none are)."""
        if not self.without_amount:
            return ""
        verb = "is" if self.without_amount == 1 else "are"
        return f"{n_deals(self.without_amount)} without an amount {verb} not included"


def waterfall(
    old: Sequence[DealRecord], new: Sequence[DealRecord], *, currency: str
) -> list[WaterfallStep]:
    """Open pipeline in `currency` before, each movement, and open pipeline now. A deal counts
    when it is open, in `currency` and has an amount; the movements are exactly the deals whose
    counted amount differs, so start plus the movements is the end, to the minor unit."""
    before, after = by_key(old), by_key(new)
    tally = _StepTally()
    for key in before.keys() | after.keys():
        _tally_deal(tally, before.get(key), after.get(key), currency)
    steps = [_total_step(StepKind.START, old, currency)]
    running = steps[0].amount_minor
    for kind in StepKind:
        if kind in (StepKind.START, StepKind.END):
            continue
        amount, counted, missing = tally.amount[kind], tally.deals[kind], tally.missing[kind]
        if kind not in CORE_STEPS and not counted and not missing:
            continue
        running += amount
        steps.append(WaterfallStep(kind, step_label(kind, currency), amount, running,
                                   counted, missing))  # fmt: skip
    end = _total_step(StepKind.END, new, currency)
    assert end.amount_minor == running, "the waterfall steps must add up to the open pipeline"
    return [*steps, end]


class _StepTally:
    def __init__(self) -> None:
        self.amount: Counter[StepKind] = Counter()
        self.deals: Counter[StepKind] = Counter()
        self.missing: Counter[StepKind] = Counter()

    def add(self, kind: StepKind, amount_minor: int | None, *, sign: int) -> None:
        if amount_minor is None:
            self.missing[kind] += 1
        else:
            self.amount[kind] += sign * amount_minor
            self.deals[kind] += 1


def _in_pipeline(deal: DealRecord | None, currency: str) -> bool:
    return deal is not None and deal.status is DealStatus.OPEN and deal.currency == currency


def _tally_deal(
    tally: _StepTally, before: DealRecord | None, after: DealRecord | None, currency: str
) -> None:
    was_in, is_in = _in_pipeline(before, currency), _in_pipeline(after, currency)
    if was_in and is_in:
        assert before is not None and after is not None
        _tally_open_in_both(tally, before.amount_minor, after.amount_minor)
    elif was_in:
        assert before is not None
        tally.add(_why_it_left(after), before.amount_minor, sign=-1)
    elif is_in:
        assert after is not None
        tally.add(_why_it_came(before), after.amount_minor, sign=+1)


def _tally_open_in_both(tally: _StepTally, old: int | None, new: int | None) -> None:
    if old is not None and new is not None:
        if new != old:
            tally.add(StepKind.AMOUNT_UP if new > old else StepKind.AMOUNT_DOWN, new - old, sign=1)
    elif old is not None:
        tally.add(StepKind.NO_LONGER_COUNTED, old, sign=-1)
    elif new is not None:
        tally.add(StepKind.NOW_COUNTED, new, sign=+1)


def _why_it_left(after: DealRecord | None) -> StepKind:
    if after is None:
        return StepKind.MOVED_OUT
    if after.status is DealStatus.WON:
        return StepKind.WON
    if after.status is DealStatus.LOST:
        return StepKind.LOST
    return StepKind.NO_LONGER_COUNTED  # still open, in another currency now


def _why_it_came(before: DealRecord | None) -> StepKind:
    if before is None:
        return StepKind.NEW
    if before.status is not DealStatus.OPEN:
        return StepKind.REOPENED
    return StepKind.NOW_COUNTED  # was open in another currency


def _total_step(kind: StepKind, snapshot: Sequence[DealRecord], currency: str) -> WaterfallStep:
    open_deals = [d for d in by_key(snapshot).values() if _in_pipeline(d, currency)]
    amounts = [d.amount_minor for d in open_deals if d.amount_minor is not None]
    total = sum(amounts)
    return WaterfallStep(kind, step_label(kind, currency), total, total, len(amounts),
                         len(open_deals) - len(amounts))  # fmt: skip

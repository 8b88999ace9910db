"""Questions a rep and their coach might talk about, drawn from the open deals of a snapshot.

A signal is a prompt for the conversation, never a verdict: it names a plain fact about a deal
and asks an open question about the deal. Nothing here compares people or grades anyone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from .deals import DealRecord, DealStatus
from .diff import Pushes, by_key, close_date_pushes, stage_name
from .wording import day_month_year, days, format_money, percent, times


class SignalId(StrEnum):
    """Stable identifiers: playbooks are tagged with these strings, so never rename one."""

    CLOSE_DATE_PASSED = "close-date-passed"
    PUSHED_TWICE = "close-date-pushed-twice"
    NO_NEXT_STEP = "no-next-step"
    STAGE_UNCHANGED = "stage-unchanged"
    LARGE_SHARE = "large-share-of-pipeline"
    AMOUNT_SWING = "amount-changed-a-lot"


SIGNAL_TITLES: dict[SignalId, str] = {
    SignalId.CLOSE_DATE_PASSED: "Close date has gone by",
    SignalId.PUSHED_TWICE: "Close date moved out twice or more",
    SignalId.NO_NEXT_STEP: "No next step written down",
    SignalId.STAGE_UNCHANGED: "Same stage for several snapshots",
    SignalId.LARGE_SHARE: "Large part of the open pipeline",
    SignalId.AMOUNT_SWING: "Amount changed a lot",
}

PUSHES_WORTH_ASKING_ABOUT = 2
STAGE_UNCHANGED_SNAPSHOTS = 3  # the current snapshot included
LARGE_SHARE_PERCENT = 40  # of the open amount in the deal's currency
LARGE_SHARE_MIN_OPEN_DEALS = 3  # with fewer, every deal is a large share
AMOUNT_SWING_PERCENT = 30  # since the previous snapshot, either way

_SIGNAL_ORDER = {signal_id: index for index, signal_id in enumerate(SignalId)}


@dataclass(frozen=True, slots=True)
class Signal:
    id: SignalId
    key: str
    deal_name: str
    question: str  # an open question about the deal, for the conversation
    detail: str  # the plain fact behind it

    @property
    def title(self) -> str:
        return SIGNAL_TITLES[self.id]


def find_signals(
    current: Sequence[DealRecord],
    *,
    today: date,
    history: Sequence[Sequence[DealRecord]] = (),
    previous: Sequence[DealRecord] | None = None,
) -> list[Signal]:
    """Signals for the open deals of `current`. `history` is older snapshots, oldest first;
    `previous` is the one just before `current` (when left out: the newest of `history`)."""
    chain = [*history, *([previous] if previous is not None else []), current]
    open_deals = [d for d in by_key(current).values() if d.status is DealStatus.OPEN]
    keys = {d.key for d in open_deals}
    pushes = close_date_pushes(chain, keys)
    stage_runs = _same_stage_runs(chain, open_deals)
    shares = _large_shares(open_deals)
    before = by_key(chain[-2]) if len(chain) > 1 else {}
    found: list[Signal | None] = []
    for deal in open_deals:
        found += [
            _close_date_passed(deal, today),
            _pushed_repeatedly(deal, pushes.get(deal.key)),
            _no_next_step(deal),
            _stage_unchanged(deal, stage_runs[deal.key]),
            _large_share(deal, shares.get(deal.key)),
            _amount_swing(deal, before.get(deal.key)),
        ]
    signals = [signal for signal in found if signal is not None]
    signals.sort(key=lambda s: (s.deal_name.casefold(), s.deal_name, s.key, _SIGNAL_ORDER[s.id]))
    return signals


def _signal(signal_id: SignalId, deal: DealRecord, question: str, detail: str) -> Signal:
    return Signal(signal_id, deal.key, deal.name, question, detail)


def _close_date_passed(deal: DealRecord, today: date) -> Signal | None:
    if deal.close_date is None or deal.close_date >= today:
        return None
    gone = (today - deal.close_date).days
    return _signal(
        SignalId.CLOSE_DATE_PASSED,
        deal,
        "What would have to happen for this to close, and by when?",
        f"The close date in the CRM is {day_month_year(deal.close_date)}, {days(gone)} ago",
    )


def _pushed_repeatedly(deal: DealRecord, pushes: Pushes | None) -> Signal | None:
    if pushes is None or pushes.times < PUSHES_WORTH_ASKING_ABOUT:
        return None
    return _signal(
        SignalId.PUSHED_TWICE,
        deal,
        f"What has changed since the close date was first set for "
        f"{day_month_year(pushes.first_close_date)}?",
        f"Close date moved out {times(pushes.times)}, by {days(pushes.days)} in all",
    )


def _no_next_step(deal: DealRecord) -> Signal | None:
    if deal.next_step.strip():
        return None
    return _signal(
        SignalId.NO_NEXT_STEP,
        deal,
        "What is the next thing the buyer has agreed to do?",
        "No next step is written down in the CRM",
    )


def _stage_unchanged(deal: DealRecord, snapshots_in_stage: int) -> Signal | None:
    if snapshots_in_stage < STAGE_UNCHANGED_SNAPSHOTS:
        return None
    return _signal(
        SignalId.STAGE_UNCHANGED,
        deal,
        "What would the buyer need to see or do before the next stage?",
        f"In the stage {deal.stage.strip()} in each of the last {snapshots_in_stage} snapshots",
    )


def _large_share(deal: DealRecord, share: tuple[int, int] | None) -> Signal | None:
    if share is None or deal.amount_minor is None:
        return None
    amount, total = share
    return _signal(
        SignalId.LARGE_SHARE,
        deal,
        "Who else at the customer has a say in this decision, and what matters to them?",
        f"{percent(amount, total)}% of the open pipeline in {deal.currency}: "
        f"{format_money(amount, deal.currency)} of {format_money(total, deal.currency)}",
    )


def _amount_swing(deal: DealRecord, before: DealRecord | None) -> Signal | None:
    if before is None or before.amount_minor is None or deal.amount_minor is None:
        return None
    if before.currency != deal.currency or before.amount_minor == deal.amount_minor:
        return None
    old, new = before.amount_minor, deal.amount_minor
    if old != 0 and abs(new - old) * 100 < AMOUNT_SWING_PERCENT * abs(old):
        return None
    change = (
        f" ({'up' if new > old else 'down'} {percent(abs(new - old), abs(old))}%)" if old else ""
    )
    return _signal(
        SignalId.AMOUNT_SWING,
        deal,
        "What changed in the scope or in the buyer's plans to move the amount?",
        f"Amount went from {format_money(old, deal.currency)} to "
        f"{format_money(new, deal.currency)} since the previous snapshot{change}",
    )


def _same_stage_runs(
    chain: Sequence[Sequence[DealRecord]], open_deals: Iterable[DealRecord]
) -> dict[str, int]:
    """For each deal, in how many snapshots in a row, ending with the current one, its stage
    has been the same."""
    stage_now = {d.key: stage_name(d.stage) for d in open_deals}
    runs = dict.fromkeys(stage_now, 1)
    still_same = set(stage_now)
    for snapshot in reversed(chain[:-1]):
        if not still_same:
            break
        stages = {d.key: stage_name(d.stage) for d in snapshot if d.key in still_same}
        for key in list(still_same):
            if stages.get(key) == stage_now[key]:
                runs[key] += 1
            else:
                still_same.discard(key)
    return runs


def _large_shares(open_deals: Iterable[DealRecord]) -> dict[str, tuple[int, int]]:
    """Deals holding a large share of the open amount in their currency: key -> (amount,
    total). Only deals with an amount count, towards the total and towards the minimum."""
    by_currency: dict[str, list[DealRecord]] = defaultdict(list)
    for deal in open_deals:
        if deal.amount_minor is not None:
            by_currency[deal.currency].append(deal)
    shares: dict[str, tuple[int, int]] = {}
    for group in by_currency.values():
        total = sum(d.amount_minor or 0 for d in group)
        if len(group) < LARGE_SHARE_MIN_OPEN_DEALS or total <= 0:
            continue
        for deal in group:
            amount = deal.amount_minor or 0
            if amount > 0 and amount * 100 >= LARGE_SHARE_PERCENT * total:
                shares[deal.key] = (amount, total)
    return shares

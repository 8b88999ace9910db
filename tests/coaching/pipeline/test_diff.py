"""What changed between two snapshots, and the waterfall of the open amount."""

from __future__ import annotations

import random
import time
from datetime import date, timedelta

import pytest

from coaching.pipeline.deals import DealStatus
from coaching.pipeline.diff import (
    CORE_STEPS,
    ChangeKind,
    StepKind,
    diff_snapshots,
    waterfall,
)

from .sample_deals import STAGES, changed, deal, random_deal, random_snapshot

K = ChangeKind


def kinds(old, new, **options) -> list[tuple[str, ChangeKind]]:
    return [(c.name, c.kind) for c in diff_snapshots(old, new, **options).changes]


def test_the_same_snapshot_has_no_changes() -> None:
    deals = [deal("A"), deal("B", status=DealStatus.WON)]
    result = diff_snapshots(deals, list(deals))
    assert result.is_empty
    assert all(count == 0 for count in result.counts.values())


def test_a_deal_first_seen_is_new_whatever_its_status() -> None:
    won_already = deal("Signed", status=DealStatus.WON)
    result = diff_snapshots([], [deal("Fresh"), won_already])
    assert [(c.name, c.kind) for c in result.changes] == [("Fresh", K.NEW), ("Signed", K.NEW)]
    assert result.of(K.NEW)[1].after == won_already
    assert result.of(K.WON) == []


def test_identity_is_the_key_not_the_name() -> None:
    before = deal("Old name", crm_id="0061")
    after = changed(before, name="New name", account="Acme Group")
    assert diff_snapshots([before], [after]).is_empty


def test_a_key_listed_twice_counts_once_the_later_line_winning() -> None:
    first = deal("A", crm_id="7", amount_minor=100)
    again = changed(first, amount_minor=300)
    result = diff_snapshots([first], [first, again])
    assert [(c.kind, c.amount_delta_minor) for c in result.changes] == [(K.AMOUNT_UP, 200)]


def test_an_open_deal_missing_from_the_new_export_disappeared_a_closed_one_is_routine() -> None:
    old = [deal("Gone"), deal("Won earlier", status=DealStatus.WON)]
    result = diff_snapshots(old, [])
    assert [(c.name, c.kind, c.after) for c in result.changes] == [("Gone", K.DISAPPEARED, None)]


@pytest.mark.parametrize(("status", "kind"), [(DealStatus.WON, K.WON), (DealStatus.LOST, K.LOST)])
def test_closing_is_the_whole_story_for_a_deal_that_closes(status, kind) -> None:
    before = deal(stage="Discover", amount_minor=100_00, probability=20)
    after = changed(
        before, status=status, stage="Closed", amount_minor=80_00, probability=100,
        close_date=before.close_date + timedelta(days=20),
    )  # fmt: skip
    result = diff_snapshots([before], [after], stage_order=[*STAGES, "Closed"])
    assert [(c.kind, c.before, c.after) for c in result.changes] == [(kind, before, after)]


def test_a_deal_closed_in_both_is_not_won_again_but_a_status_correction_shows() -> None:
    won = deal("Signed", status=DealStatus.WON)
    assert diff_snapshots([won], [changed(won, amount_minor=5_00, stage="Done")]).is_empty
    assert kinds([won], [changed(won, status=DealStatus.LOST)]) == [("Signed", K.LOST)]
    assert kinds([won], [changed(won, status=DealStatus.OPEN)]) == [("Signed", K.REOPENED)]


def test_stage_moves_follow_the_stage_order_ignoring_case_and_spacing() -> None:
    before = deal("A", stage="discover")
    order = ["Qualify", "Discover", " Propose  Solution "]
    assert kinds([before], [changed(before, stage="PROPOSE solution")], stage_order=order) == [
        ("A", K.ADVANCED)
    ]
    assert kinds([before], [changed(before, stage="Qualify")], stage_order=order) == [
        ("A", K.MOVED_BACK)
    ]
    assert diff_snapshots(
        [before], [changed(before, stage="Discover ")], stage_order=order
    ).is_empty


def test_without_an_order_the_probability_decides_else_no_direction_is_claimed() -> None:
    before = deal("A", stage="Call booked", probability=20)
    up = changed(before, stage="Trial", probability=40)
    same = changed(before, stage="Trial")
    unknown = changed(before, stage="Trial", probability=None)
    assert kinds([before], [up]) == [("A", K.ADVANCED)]
    assert kinds([up], [before]) == [("A", K.MOVED_BACK)]
    assert kinds([before], [same]) == [("A", K.STAGE_CHANGED)]
    assert kinds([before], [unknown]) == [("A", K.STAGE_CHANGED)]
    # a stage outside the order falls back the same way
    assert kinds([before], [up], stage_order=["Call booked"]) == [("A", K.ADVANCED)]


def test_one_deal_can_be_pushed_out_and_lowered_at_once() -> None:
    before = deal("A", amount_minor=10_000_00, close_date=date(2025, 1, 31))
    after = changed(before, amount_minor=7_500_00, close_date=date(2025, 3, 3))
    result = diff_snapshots([before], [after])
    assert result.counts[K.PUSHED_OUT] == result.counts[K.AMOUNT_DOWN] == 1
    pushed, lowered = result.of(K.PUSHED_OUT)[0], result.of(K.AMOUNT_DOWN)[0]
    assert (pushed.days, pushed.pushes_in_history, pushed.amount_delta_minor) == (31, 1, None)
    assert (lowered.amount_delta_minor, lowered.currency, lowered.days) == (-2_500_00, "EUR", None)


def test_pulled_in_and_raised() -> None:
    before = deal("A", amount_minor=100, close_date=date(2025, 3, 10))
    after = changed(before, amount_minor=150, close_date=date(2025, 3, 1))
    result = diff_snapshots([before], [after])
    assert result.of(K.PULLED_IN)[0].days == 9
    assert result.of(K.AMOUNT_UP)[0].amount_delta_minor == 50


def test_amounts_compare_only_when_both_known_and_in_the_same_currency() -> None:
    before = deal("A", amount_minor=100)
    assert diff_snapshots([before], [changed(before, amount_minor=None)]).is_empty
    assert diff_snapshots([changed(before, amount_minor=None)], [before]).is_empty
    assert diff_snapshots([before], [changed(before, amount_minor=900, currency="USD")]).is_empty


def test_pushes_are_counted_over_consecutive_pairs_of_the_history() -> None:
    a = deal("A", close_date=date(2025, 1, 1))
    history = [
        [a],
        [changed(a, close_date=date(2025, 2, 1))],  # pushed (1)
        [changed(a, close_date=date(2025, 1, 15))],  # pulled in: not a push
        [],  # not in this export: the pairs around it don't count
        [changed(a, close_date=date(2025, 3, 1))],
        [changed(a, close_date=None)],
    ]
    old = [changed(a, close_date=date(2025, 3, 1))]
    new = [changed(a, close_date=date(2025, 4, 1))]  # pushed (2)
    pushed = diff_snapshots(old, new, history=history).of(K.PUSHED_OUT)
    assert [(c.pushes_in_history, c.days) for c in pushed] == [(2, 31)]
    history.append([changed(a, close_date=date(2025, 2, 1))])  # to old: pushed (3)
    pushed = diff_snapshots(old, new, history=history).of(K.PUSHED_OUT)
    assert pushed[0].pushes_in_history == 3


def test_names_by_kind_has_every_kind_even_when_empty() -> None:
    result = diff_snapshots([deal("B"), deal("a")], [deal("C")])
    names = result.names_by_kind()
    assert list(names) == [kind.value for kind in ChangeKind]
    assert names["new"] == ["C"]
    assert names["disappeared"] == ["a", "B"]  # by name, case aside
    assert names["stage_changed"] == []


def test_changes_come_in_a_stable_order() -> None:
    rng = random.Random(11)
    old, new = random_snapshot(rng, range(300)), random_snapshot(rng, range(100, 400))
    first = diff_snapshots(old, new, stage_order=STAGES)
    again = diff_snapshots(list(reversed(old)), list(reversed(new)), stage_order=STAGES)
    assert first == again


def test_ten_thousand_deals_diff_quickly() -> None:
    """Measured on a shared, busy two-core box: 13-18 ms when one deal in twenty changed,
    21-24 ms with ten older snapshots as history, 75-90 ms when every deal was re-rolled
    (15,000 changes). A quadratic step would take seconds; the bound is loose so a busy CI
    runner doesn't fail it."""
    rng = random.Random(3)
    old = [random_deal(rng, n) for n in range(10_000)]
    new = list(old)
    for index in rng.sample(range(10_000), 500):
        prior = old[index]
        when = (prior.close_date or date(2025, 1, 1)) + timedelta(days=14)
        new[index] = changed(prior, close_date=when, stage=rng.choice(STAGES))
    elapsed = min(_timed(lambda: diff_snapshots(old, new, stage_order=STAGES, history=[old] * 10))
                  for _ in range(3))  # fmt: skip
    assert elapsed < 0.5, f"diff of 10,000 deals took {elapsed * 1000:.0f} ms"


def _timed(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


# --- waterfall --------------------------------------------------------------------------


def steps_by_kind(steps):
    return {step.kind: step for step in steps}


def test_waterfall_of_a_small_pipeline() -> None:
    stays = deal("Stays", amount_minor=1_000_00)
    grows = deal("Grows", amount_minor=2_000_00)
    wins = deal("Wins", amount_minor=300_00)
    goes = deal("Goes", amount_minor=400_00)
    blank = deal("Blank", amount_minor=None)
    dollars = deal("Dollars", amount_minor=9_999_00, currency="USD")
    old = [stays, grows, wins, goes, blank, dollars]
    new = [
        stays,
        changed(grows, amount_minor=2_500_00),
        changed(wins, status=DealStatus.WON),
        blank,
        deal("Fresh", amount_minor=50_00),
        deal("Fresh blank", amount_minor=None),
    ]
    steps = waterfall(old, new, currency="EUR")
    assert [s.kind for s in steps] == [
        StepKind.START, StepKind.NEW, StepKind.WON, StepKind.LOST, StepKind.MOVED_OUT,
        StepKind.AMOUNT_UP, StepKind.AMOUNT_DOWN, StepKind.END,
    ]  # fmt: skip
    by_kind = steps_by_kind(steps)
    assert by_kind[StepKind.START].amount_minor == 3_700_00
    assert (by_kind[StepKind.NEW].amount_minor, by_kind[StepKind.NEW].without_amount) == (50_00, 1)
    assert by_kind[StepKind.WON].amount_minor == -300_00
    assert by_kind[StepKind.MOVED_OUT].amount_minor == -400_00
    assert by_kind[StepKind.AMOUNT_UP].amount_minor == 500_00
    assert by_kind[StepKind.END].amount_minor == 3_550_00
    assert by_kind[StepKind.END].left_out_text == "2 deals without an amount are not included"
    assert by_kind[StepKind.START].left_out_text == "1 deal without an amount is not included"
    assert by_kind[StepKind.LOST].left_out_text == ""


def test_waterfall_shows_the_rare_steps_only_when_a_deal_needs_them() -> None:
    reopened = deal("Back", status=DealStatus.LOST, amount_minor=70_00)
    cleared = deal("Cleared", amount_minor=20_00)
    switched = deal("Switched", amount_minor=30_00, currency="USD")
    old = [reopened, cleared, switched]
    new = [
        changed(reopened, status=DealStatus.OPEN),
        changed(cleared, amount_minor=None),
        changed(switched, currency="EUR"),
    ]
    by_kind = steps_by_kind(waterfall(old, new, currency="EUR"))
    assert by_kind[StepKind.REOPENED].amount_minor == 70_00
    assert by_kind[StepKind.NO_LONGER_COUNTED].amount_minor == -20_00
    assert by_kind[StepKind.NOW_COUNTED].amount_minor == 30_00
    assert by_kind[StepKind.END].amount_minor == 100_00
    plain = waterfall([deal("A")], [deal("A")], currency="EUR")
    assert {s.kind for s in plain} == CORE_STEPS


@pytest.mark.parametrize("seed", range(40))
def test_waterfall_steps_add_up_exactly(seed: int) -> None:
    rng = random.Random(seed)
    old = random_snapshot(rng, range(rng.randrange(60)))
    new = [rng.choice([d, random_deal(rng, int(d.key[3:]))]) for d in old if rng.random() < 0.85]
    new += random_snapshot(rng, range(1000, 1000 + rng.randrange(20)))
    for currency in ("EUR", "USD", "JPY", "GBP"):
        steps = waterfall(old, new, currency=currency)
        start, *moves, end = steps
        assert (start.kind, end.kind) == (StepKind.START, StepKind.END)
        assert start.amount_minor == _open_amount(old, currency)
        assert end.amount_minor == _open_amount(new, currency)
        assert start.amount_minor + sum(m.amount_minor for m in moves) == end.amount_minor
        running = start.amount_minor
        for move in moves:
            running += move.amount_minor
            assert move.total_minor == running
        assert {s.kind for s in steps} >= CORE_STEPS
        for move in moves:
            if move.kind is StepKind.AMOUNT_UP:
                assert move.amount_minor >= 0
            if move.kind is StepKind.AMOUNT_DOWN:
                assert move.amount_minor <= 0


def _open_amount(snapshot, currency: str) -> int:
    return sum(
        d.amount_minor
        for d in snapshot
        if d.status is DealStatus.OPEN and d.currency == currency and d.amount_minor is not None
    )

"""Signals: open questions about deals, never a verdict on the person."""

from __future__ import annotations

import random
import re
from datetime import date

from coaching.pipeline.deals import DealRecord, DealStatus
from coaching.pipeline.signals import SIGNAL_TITLES, Signal, SignalId, find_signals

from .sample_deals import changed, deal, random_snapshot

TODAY = date(2025, 2, 14)
S = SignalId


def ids(signals: list[Signal], name: str | None = None) -> list[SignalId]:
    return [s.id for s in signals if name is None or s.deal_name == name]


def quiet(name: str = "Quiet", **fields) -> DealRecord:
    """A deal no signal fires on by itself."""
    return deal(name, **{"close_date": date(2025, 6, 30), "next_step": "Pilot review", **fields})


def test_identifiers_never_change() -> None:
    assert [s.value for s in SignalId] == [
        "close-date-passed",
        "close-date-pushed-twice",
        "no-next-step",
        "stage-unchanged",
        "large-share-of-pipeline",
        "amount-changed-a-lot",
    ]
    assert set(SIGNAL_TITLES) == set(SignalId)


def test_a_quiet_pipeline_raises_nothing() -> None:
    assert find_signals([quiet("A"), quiet("B"), quiet("C")], today=TODAY) == []


def test_closed_deals_raise_nothing() -> None:
    closed = deal("Done", status=DealStatus.WON, close_date=date(2024, 1, 1), next_step="")
    assert find_signals([closed], today=TODAY) == []


def test_close_date_gone_by() -> None:
    passed = quiet("A", close_date=date(2025, 1, 31))
    today_is_fine = quiet("B", close_date=TODAY)
    signals = find_signals([passed, today_is_fine, quiet("C", close_date=None)], today=TODAY)
    assert [(s.deal_name, s.id) for s in signals] == [("A", S.CLOSE_DATE_PASSED)]
    assert signals[0].detail == "The close date in the CRM is 31 Jan 2025, 14 days ago"
    assert signals[0].question.endswith("?")


def test_pushed_twice_across_the_history() -> None:
    a = quiet("A", close_date=date(2025, 3, 1))
    history = [[changed(a, stage="Qualify")], [changed(a, close_date=date(2025, 3, 20))]]
    current = [changed(a, close_date=date(2025, 4, 11))]
    signals = find_signals(current, today=TODAY, history=history)
    assert ids(signals) == [S.PUSHED_TWICE]
    assert signals[0].detail == "Close date moved out twice, by 41 days in all"
    assert "1 Mar 2025" in signals[0].question
    assert find_signals(current, today=TODAY, history=history[1:]) == []


def test_previous_is_the_snapshot_just_before_current() -> None:
    a = quiet("A", close_date=date(2025, 3, 1))
    history = [[changed(a, stage="Qualify")]]
    previous = [changed(a, close_date=date(2025, 3, 20))]
    current = [changed(a, close_date=date(2025, 4, 11))]
    assert ids(find_signals(current, today=TODAY, history=history, previous=previous)) == [
        S.PUSHED_TWICE
    ]


def test_no_next_step() -> None:
    signals = find_signals([quiet("A", next_step="  ")], today=TODAY)
    assert ids(signals) == [S.NO_NEXT_STEP]
    assert signals[0].question == "What is the next thing the buyer has agreed to do?"


def test_same_stage_in_three_snapshots_in_a_row() -> None:
    a = quiet("A", stage="Propose")
    two = [[a]]
    assert find_signals([a], today=TODAY, history=two) == []
    three = [[a], [changed(a, stage="propose ")]]
    signals = find_signals([a], today=TODAY, history=three)
    assert ids(signals) == [S.STAGE_UNCHANGED]
    assert signals[0].detail == "In the stage Propose in each of the last 3 snapshots"
    broken = [[a], [changed(a, stage="Discover")], [a]]
    assert find_signals([a], today=TODAY, history=broken) == []


def test_large_share_needs_three_open_deals_with_an_amount() -> None:
    big = quiet("Big", amount_minor=400_00)
    small = [quiet(f"S{n}", amount_minor=300_00) for n in range(2)]
    signals = find_signals([big, *small], today=TODAY)
    assert [(s.deal_name, s.id) for s in signals] == [("Big", S.LARGE_SHARE)]
    assert signals[0].detail == "40% of the open pipeline in EUR: EUR 400 of EUR 1,000"
    assert find_signals([big, small[0], quiet("X", amount_minor=None)], today=TODAY) == []
    other_currency = [big, small[0], quiet("USD", amount_minor=1, currency="USD")]
    assert find_signals(other_currency, today=TODAY) == []
    just_under = [quiet("Big", amount_minor=399_99), *small]
    assert find_signals(just_under, today=TODAY) == []


def test_amount_swing_since_the_previous_snapshot() -> None:
    a = quiet("A", amount_minor=100_000_00)
    up = changed(a, amount_minor=130_000_00)
    signals = find_signals([up], today=TODAY, previous=[a])
    assert ids(signals) == [S.AMOUNT_SWING]
    assert signals[0].detail == (
        "Amount went from EUR 100,000 to EUR 130,000 since the previous snapshot (up 30%)"
    )
    assert find_signals([changed(a, amount_minor=71_000_00)], today=TODAY, previous=[a]) == []
    assert ids(find_signals([changed(a, amount_minor=70_000_00)], today=TODAY, previous=[a])) == [
        S.AMOUNT_SWING
    ]
    assert find_signals([changed(up, currency="USD")], today=TODAY, previous=[a]) == []
    assert find_signals([up], today=TODAY) == []


def test_signals_sort_by_deal_name_then_identifier() -> None:
    b = quiet("beta", next_step="", close_date=date(2025, 1, 1))
    a = quiet("Alpha", next_step="")
    signals = find_signals([b, a], today=TODAY)
    assert [(s.deal_name, s.id) for s in signals] == [
        ("Alpha", S.NO_NEXT_STEP),
        ("beta", S.CLOSE_DATE_PASSED),
        ("beta", S.NO_NEXT_STEP),
    ]


# Words that judge the person or grade the deal. Whole words and their forms.
JUDGING_WORDS = re.compile(
    r"\b(late|lateness|fail\w*|poor\w*|behind|slack\w*|underperform\w*|scor\w*|rank\w*|"
    r"red|amber|green|rag|overdue|stall\w*|stuck|bad|weak\w*|worst|risk\w*|warning|"
    r"miss\w*|lag\w*|lazy|should|must|blame\w*|grade\w*|rating)\b",
    re.IGNORECASE,
)


def every_kind_of_signal() -> list[Signal]:
    rng = random.Random(5)
    history = [random_snapshot(rng, range(80)) for _ in range(4)]
    current = random_snapshot(rng, range(80))
    current += [quiet("G1", currency="GBP", amount_minor=900), quiet("G2", currency="GBP")]
    current += [quiet("G3", currency="GBP")]
    return find_signals(current, today=date(2025, 6, 1), history=history)


def test_no_word_judges_anyone() -> None:
    signals = every_kind_of_signal()
    assert {s.id for s in signals} == set(SignalId), "the sample should raise every signal"
    texts = [*SIGNAL_TITLES.values()]
    for signal in signals:
        texts += [signal.question, signal.detail.replace(signal.deal_name, "")]
    offending = sorted({t for t in texts if JUDGING_WORDS.search(t)})
    assert not offending, offending


def test_questions_are_open_questions() -> None:
    signals = every_kind_of_signal()
    openers = ("What", "Who", "How", "Which", "When", "Where")
    assert all(s.question.startswith(openers) and s.question.endswith("?") for s in signals)
    assert not any(re.search(r"\byou(r)?\b", s.question, re.IGNORECASE) for s in signals)

"""Cells as CRMs and spreadsheets write them: amounts, dates, percentages, flags, text."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from coaching.pipeline.values import (
    ValueProblem,
    clean_text,
    column_is_day_first,
    column_uses_decimal_comma,
    parse_amount,
    parse_date,
    parse_flag,
    parse_probability,
)


@pytest.mark.parametrize(
    ("cell", "decimal_comma", "amount", "currency"),
    [
        ("$48,000.00", False, "48000.00", "USD"),
        ("EUR 25,000.00", False, "25000.00", "EUR"),
        ("USD 1,200", False, "1200", "USD"),
        ("25.000,00 €", True, "25000.00", "EUR"),
        ("1.250.000,00 €", False, "1250000.00", "EUR"),  # unambiguous whatever the column
        ("18750.5", False, "18750.5", None),
        ("1,250,000", False, "1250000", None),
        ("1.250", True, "1250", None),
        ("1.250", False, "1.250", None),
        ("1,250", True, "1.250", None),
        ("-500", False, "-500", None),
        ("(1,200.50)", False, "-1200.50", None),
        ("-$500", False, "-500", "USD"),
        ("1 250 000,50", False, "1250000.50", None),
        ("CHF 1'250.00", False, "1250.00", "CHF"),
        ("£3,000", False, "3000", "GBP"),
        ("¥1,500,000", False, "1500000", "JPY"),
        ("eur 10", False, "10", "EUR"),
        ("  ", False, None, None),
        ("", False, None, None),
    ],
)
def test_amounts(cell: str, decimal_comma: bool, amount: str | None, currency: str | None) -> None:
    expected = None if amount is None else Decimal(amount)
    assert parse_amount(cell, decimal_comma=decimal_comma) == (expected, currency)


@pytest.mark.parametrize("cell", ["abc", "12 apples", "--5", "1e5", "1,250.000,00", "USD 5 €"])
def test_amounts_that_are_not_numbers(cell: str) -> None:
    with pytest.raises(ValueProblem, match=f"Amount '{cell}' is not a number"):
        parse_amount(cell, decimal_comma=False)


def test_an_absurd_amount_is_too_large() -> None:
    with pytest.raises(ValueProblem, match="too large"):
        parse_amount("99999999999999", decimal_comma=False)


@pytest.mark.parametrize(
    ("cells", "delimiter", "expected"),
    [
        (["1.250", "25.000,00"], ",", True),  # a comma decimal elsewhere in the column
        (["1.250", "18750.5"], ";", False),  # a point decimal elsewhere wins over ';'
        (["1.250"], ";", True),  # nothing tells: European Excel
        (["1.250"], ",", False),
        (["$1,250.00", "18,5"], ";", True),  # both ways: the delimiter decides
        (["1.250.000"], ",", True),
    ],
)
def test_a_column_decides_its_decimal_mark(
    cells: list[str], delimiter: str, expected: bool
) -> None:
    assert column_uses_decimal_comma(cells, delimiter) is expected


@pytest.mark.parametrize(
    ("cell", "day_first", "expected"),
    [
        ("2026-12-15", False, date(2026, 12, 15)),
        ("12/15/2026", False, date(2026, 12, 15)),
        ("18.12.2026", False, date(2026, 12, 18)),
        ("2026-12-15T10:00:00Z", False, date(2026, 12, 15)),
        ("2026-12-15 10:00:00", False, date(2026, 12, 15)),
        ("03/04/2026", False, date(2026, 3, 4)),
        ("03/04/2026", True, date(2026, 4, 3)),
        ("12/15/26 10:00 AM", False, date(2026, 12, 15)),
        ("", False, None),
    ],
)
def test_dates(cell: str, day_first: bool, expected: date | None) -> None:
    assert parse_date(cell, day_first=day_first) == expected


@pytest.mark.parametrize("cell", ["13/15/2026", "31.02.2026", "2026-02-30", "1/1/1066"])
def test_impossible_dates(cell: str) -> None:
    with pytest.raises(ValueProblem, match=f"Impossible date '{cell}'"):
        parse_date(cell)


@pytest.mark.parametrize("cell", ["soon", "2026-1-5", "15 Dec 2026", "12/²/2026"])
def test_text_that_is_not_a_date(cell: str) -> None:
    with pytest.raises(ValueProblem, match="is not a date"):
        parse_date(cell)


def test_slash_dates_are_day_first_only_when_the_column_says_so() -> None:
    assert column_is_day_first(["18/12/2026", "03/04/2026"])
    assert not column_is_day_first(["03/04/2026"])
    assert not column_is_day_first(["12/18/2026", "18/12/2026"])  # both: month first


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("50", 50), ("50%", 50), ("75 %", 75), ("50.0", 50), ("12,5", 13), ("0.5", 1), ("", None)],
)
def test_probability_is_a_whole_percent(cell: str, expected: int | None) -> None:
    assert parse_probability(cell) == expected


@pytest.mark.parametrize(
    ("cell", "message"), [("150", "between"), ("-5", "between"), ("x", "number")]
)
def test_probability_problems(cell: str, message: str) -> None:
    with pytest.raises(ValueProblem, match=message):
        parse_probability(cell)


def test_flags() -> None:
    assert [parse_flag(cell) for cell in ["true", "FALSE", "1", "0", ""]] == [
        True,
        False,
        True,
        False,
        None,
    ]
    with pytest.raises(ValueProblem):
        parse_flag("maybe")


def test_text_is_trimmed_and_loses_control_and_direction_characters() -> None:
    assert clean_text("  Acme\u00a0Corp \u202e\u200b\x07") == "Acme Corp"
    assert clean_text("line one\r\nline two") == "line one line two"
    assert clean_text(" line one\r\nline two ", multiline=True) == "line one\nline two"
    assert clean_text("👩\u200d💻 team") == "👩\u200d💻 team"  # joiners are kept

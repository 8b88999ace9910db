"""How amounts, dates and counts read in the sentences and charts of the pipeline views."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from .deals import from_minor

MINUS = "\u2212"  # a real minus sign: screen readers say "minus", and it lines up with "+"


def whole_units(amount_minor: int, currency: str) -> int:
    """The amount in whole units of the currency (no cents), half a unit rounding away from 0."""
    return int(from_minor(amount_minor, currency).to_integral_value(rounding=ROUND_HALF_UP))


def format_units(units: int, currency: str, *, signed: bool = False) -> str:
    """`EUR 1,250,000`; with `signed`, `+EUR 1,250` or `−EUR 1,250` (zero has no sign)."""
    text = f"{currency} {abs(units):,}"
    if units < 0:
        return MINUS + text
    return "+" + text if signed and units > 0 else text


def format_money(amount_minor: int, currency: str, *, signed: bool = False) -> str:
    return format_units(whole_units(amount_minor, currency), currency, signed=signed)


def whole_units_adding_up(amounts_minor: Sequence[int], currency: str) -> list[int]:
    """Each amount in whole units, rounded so that the rounded amounts add up to the rounded
    total. Rounding each one on its own can leave a table whose rows miss its total by a unit
    or two; rounding the running total instead moves each amount by less than one unit."""
    rounded: list[int] = []
    running_minor = 0
    previous_units = 0
    for amount in amounts_minor:
        running_minor += amount
        running_units = whole_units(running_minor, currency)
        rounded.append(running_units - previous_units)
        previous_units = running_units
    return rounded


def percent(part: int, whole: int) -> int:
    """Whole percent, half rounding up; 0 when there is no whole."""
    if whole == 0:
        return 0
    value = Decimal(part * 100) / Decimal(whole)
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))


def day_month(value: date) -> str:
    return f"{value.day} {value:%b}"


def day_month_year(value: date) -> str:
    return f"{value.day} {value:%b %Y}"


def n_deals(count: int) -> str:
    return f"{count:,} deal" if count == 1 else f"{count:,} deals"


def times(count: int) -> str:
    return "once" if count == 1 else "twice" if count == 2 else f"{count:,} times"


def days(count: int) -> str:
    return f"{count:,} day" if count == 1 else f"{count:,} days"

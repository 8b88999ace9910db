"""Cells of a CRM export read into values: amounts, dates, percentages, flags and text.

Each reader raises `ValueProblem` with a sentence a person can act on; the caller knows the
line and the column. Two choices are made per column rather than per cell, so that one file
is never read two ways (`column_uses_decimal_comma`, `column_is_day_first`).
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import NoReturn

from coaching.text import BIDI_CONTROLS


class ValueProblem(ValueError):
    """A cell that can't be read; the message is shown to the person importing the file."""


# --- text ------------------------------------------------------------------------------------

_INVISIBLE = [0x200B, 0x2060, 0xFEFF, *BIDI_CONTROLS]  # zero-width space, word joiner, BOM
_CONTROLS = [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]
_ODD_SPACES = [0xA0, 0x1680, *range(0x2000, 0x200B), 0x2028, 0x2029, 0x202F, 0x205F, 0x3000]

_ONE_LINE: dict[int, str | None] = {
    **dict.fromkeys(_CONTROLS),
    **dict.fromkeys(_INVISIBLE),
    **dict.fromkeys(_ODD_SPACES, " "),
    **dict.fromkeys(map(ord, "\t\n\x0b\x0c\x85"), " "),
    ord("\r"): None,  # "\r\n" is one break
}
_MULTI_LINE: dict[int, str | None] = {**_ONE_LINE, ord("\n"): "\n"}


def clean_text(value: str, *, multiline: bool = False) -> str:
    """Trimmed, with control and text-direction characters removed; line breaks become
    spaces unless `multiline`. Inner spacing is kept as the CRM had it."""
    if value.isprintable():  # the common case: nothing to remove
        return value.strip()
    return value.translate(_MULTI_LINE if multiline else _ONE_LINE).strip()


def fold(label: str) -> str:
    """A header or stage name as compared: casefolded, runs of whitespace one space."""
    return " ".join(label.casefold().split())


# --- amounts -----------------------------------------------------------------------------------

CURRENCY_SIGNS = {
    "€": "EUR", "$": "USD", "US$": "USD", "£": "GBP", "¥": "JPY", "₹": "INR", "₩": "KRW",
    "C$": "CAD", "CA$": "CAD", "A$": "AUD", "AU$": "AUD", "R$": "BRL", "CHF": "CHF",
}  # fmt: skip

_DIGITS = frozenset("0123456789")
_NUMBER_CHARS = frozenset("0123456789.,")
_AROUND_DIGITS = " +-\u2212$€£¥₹₩" + string.ascii_letters  # \u2212: the typographic minus
_GROUPING_SPACES = dict.fromkeys(map(ord, " '\u00a0\u2009\u202f\u2019"))
_LARGEST_AMOUNT = Decimal(10) ** 13


def currency_code(mark: str) -> str | None:
    """EUR for "€", "eur" or "EUR"; None when the mark is not a currency."""
    mark = mark.strip()
    if mark in CURRENCY_SIGNS:
        return CURRENCY_SIGNS[mark]
    if len(mark) == 3 and mark.isascii() and mark.isalpha():
        return mark.upper()
    return None


def parse_amount(text: str, *, decimal_comma: bool) -> tuple[Decimal | None, str | None]:
    """The amount and the currency written with it (None if none), or (None, None) for an
    empty cell. `decimal_comma` settles "1.250" and "1,250": see `_decimal_mark`."""
    cell = text.strip()
    if not cell:
        return None, None
    negative, prefix, body, suffix = _split_amount(cell, text)
    currency = None
    if prefix or suffix:
        negative, currency = _sign_and_currency(negative, prefix + " " + suffix, text)
    amount = _read_number(body, decimal_comma, text)
    if amount >= _LARGEST_AMOUNT:
        raise ValueProblem(f"Amount '{cell}' is too large")
    return (-amount if negative else amount), currency


def _not_a_number(text: str) -> NoReturn:
    raise ValueProblem(f"Amount '{text.strip()}' is not a number")


def _split_amount(cell: str, text: str) -> tuple[bool, str, str, str]:
    """(negative by accounting parentheses, text before the digits, digits, text after)."""
    if cell.isascii() and cell.isdigit():
        return False, "", cell, ""
    negative = cell.startswith("(") and cell.endswith(")")
    if negative:
        cell = cell[1:-1].strip()
    # Most cells only have signs, symbols or codes around the digits: str methods find them.
    first, end = len(cell) - len(cell.lstrip(_AROUND_DIGITS)), len(cell.rstrip(_AROUND_DIGITS))
    if first < end and cell[first] in _DIGITS and cell[end - 1] in _DIGITS:
        return negative, cell[:first], cell[first:end], cell[end:]
    first = next((i for i, char in enumerate(cell) if char in _DIGITS), -1)
    if first < 0:
        _not_a_number(text)
    last = next(i for i in range(len(cell) - 1, -1, -1) if cell[i] in _DIGITS)
    if first and cell[first - 1] in ".,":  # ".5" and ",5"
        first -= 1
    return negative, cell[:first], cell[first : last + 1], cell[last + 1 :]


def _sign_and_currency(in_parentheses: bool, around: str, text: str) -> tuple[bool, str | None]:
    """Whether the amount is negative, and its currency, from the text around its digits
    ("-$", "EUR", " €"): one sign at most, one currency at most (written once or twice)."""
    sign = around.strip()
    if sign in CURRENCY_SIGNS:  # the usual "$" or "€", decided quickly
        return in_parentheses, CURRENCY_SIGNS[sign]
    minus_signs = around.count("-") + around.count("\u2212") + in_parentheses
    if minus_signs > 1:
        _not_a_number(text)
    marks = around.replace("-", " ").replace("+", " ").replace("\u2212", " ").split()
    codes = {currency_code(mark) for mark in marks}
    if None in codes or len(codes) > 1:
        _not_a_number(text)
    return minus_signs == 1, codes.pop() if codes else None


def _read_number(body: str, decimal_comma: bool, text: str) -> Decimal:
    if body.isascii() and body.isdigit():
        return Decimal(body)
    body = body.translate(_GROUPING_SPACES)
    mark = _decimal_mark(body, decimal_comma)
    whole, _, fraction = body.rpartition(mark) if mark and mark in body else (body, "", "")
    whole = whole.replace("," if mark == "." else ".", "")
    digits = whole + fraction  # a stray mark or grouping, or any other character, fails here
    if not (digits.isascii() and digits.isdigit()):
        _not_a_number(text)
    return Decimal(f"{whole or 0}.{fraction}" if fraction else whole)


def _decimal_mark(body: str, decimal_comma: bool | None) -> str:
    """Which of "." and "," is the decimal mark in `body` (digits and separators only).

    With both, the later one. One kind used more than once groups thousands, so the other
    is the mark. A single separator is the mark, except when exactly three digits follow it
    ("1.250", "1,250"): then the column decides, and with `decimal_comma` the dot groups
    thousands and the comma is the mark; without it, the reverse. "" when there is no
    separator, or with `decimal_comma` None when the body is ambiguous (used to learn a
    column's convention)."""
    dots, commas = body.count("."), body.count(",")
    if not (dots or commas):
        return ""
    if dots and commas:
        return "." if body.rfind(".") > body.rfind(",") else ","
    if dots > 1 or commas > 1:
        return "," if dots else "."
    separator = "." if dots else ","
    if len(body) - body.find(separator) - 1 != 3:
        return separator
    if decimal_comma is None:
        return ""
    return "," if decimal_comma else "."


def column_uses_decimal_comma(cells: Iterable[str], delimiter: str) -> bool:
    """Whether a column of amounts writes decimals with a comma: what its unambiguous cells
    show ("25.000,00", "18,5" versus "1,250.00", "18750.5"); when they show nothing or
    both, a semicolon-separated file (Excel in much of Europe) says yes."""
    seen: set[str] = set()
    for cell in cells:
        last = max(cell.rfind("."), cell.rfind(","))
        if last >= 0:
            seen.add(_cell_decimal_mark(cell, last))
            if "," in seen and "." in seen:
                break
    seen.discard("")
    if len(seen) == 1:
        return seen == {","}
    return delimiter == ";"


def _cell_decimal_mark(cell: str, last: int) -> str:
    """`_decimal_mark` without reading the whole amount: the last separator is at `last`."""
    if "." in cell and "," in cell:
        return cell[last]
    if cell.count(cell[last]) > 1:
        return "," if cell[last] == "." else "."
    after = cell[last + 1 :]
    digits_after = len(after) - len(after.lstrip("0123456789"))
    return "" if digits_after == 3 else cell[last]


# --- dates ---------------------------------------------------------------------------------


@lru_cache(maxsize=4096)  # a pipeline has few distinct dates
def parse_date(text: str, *, day_first: bool = False) -> date | None:
    """A date as CRMs write it: 2026-12-15 (with or without a time after it), 12/15/2026
    (month first unless `day_first`), 18.12.2026 (always day first). Two-digit years are
    this century's. Empty: None."""
    cell = text.strip()
    if not cell:
        return None
    if len(cell) >= 10 and cell[4] == "-" and cell[7] == "-" and cell[10:11] in ("", "T", " "):
        return _make_date(cell[:4], cell[5:7], cell[8:10], cell)
    first_word = cell.split(maxsplit=1)[0]
    if first_word.count("/") == 2:
        a, b, year = first_word.split("/")
        day, month = (a, b) if day_first else (b, a)
        return _make_date(year, month, day, cell)
    if first_word.count(".") in (2, 3):
        day, month, year = first_word.rstrip(".").split(".")[:3]
        return _make_date(year, month, day, cell)
    raise ValueProblem(f"Date '{cell}' is not a date; write it like 2026-12-15")


FIRST_YEAR, LAST_YEAR = 1900, 2199  # a close date outside these is a typo, not a plan


def plausible_date(day: date) -> bool:
    return FIRST_YEAR <= day.year <= LAST_YEAR


def _make_date(year: str, month: str, day: str, cell: str) -> date:
    digits = year + month + day
    if not (digits.isascii() and digits.isdigit() and month and day) or len(year) not in (2, 4):
        raise ValueProblem(f"Date '{cell}' is not a date; write it like 2026-12-15")
    full_year = int(year) + (2000 if len(year) == 2 else 0)
    try:
        if not FIRST_YEAR <= full_year <= LAST_YEAR:
            raise ValueError
        return date(full_year, int(month), int(day))
    except ValueError:
        raise ValueProblem(f"Impossible date '{cell}'") from None


def column_is_day_first(cells: Iterable[str]) -> bool:
    """Whether slash dates in a column put the day first: only when some date can be read
    no other way (18/12/2026) and none is plainly month first (12/18/2026)."""
    day_first = month_first = False
    for cell in cells:
        if cell.count("/") != 2:
            continue
        a, b, _ = cell.split("/", 2)
        if a.isascii() and a.isdigit() and b.isascii() and b.isdigit():
            day_first |= int(a) > 12 >= int(b)
            month_first |= int(b) > 12 >= int(a)
    return day_first and not month_first


# --- percentages and flags -------------------------------------------------------------------


def parse_probability(text: str, *, fraction: bool = False) -> int | None:
    """A whole percent 0-100 from "50", "50%", "50.0" or "12,5" (rounded half up). With
    `fraction` a bare number is a share of one (HubSpot: 0.2 is 20%); "%" always means
    percent."""
    cell = text.strip()
    if not cell:
        return None
    if not fraction and cell.isascii() and cell.isdigit() and int(cell) <= 100:
        return int(cell)
    number = cell.removesuffix("%").rstrip().replace(",", ".")
    if number.startswith("-") and number[1:].replace(".", "", 1).isdigit():
        raise ValueProblem(f"Probability '{cell}' is not between 0 and 100")
    if not number or not _NUMBER_CHARS.issuperset(number) or number.count(".") > 1:
        raise ValueProblem(f"Probability '{cell}' is not a number")
    value = Decimal(number) * (100 if fraction and not cell.endswith("%") else 1)
    if value > 100:
        raise ValueProblem(f"Probability '{cell}' is not between 0 and 100")
    return int(value.to_integral_value(rounding="ROUND_HALF_UP"))


_TRUE = frozenset(["true", "1", "yes", "y"])
_FALSE = frozenset(["false", "0", "no", "n"])


def parse_flag(text: str) -> bool | None:
    """A checkbox as exports write it ("true"/"false", "1"/"0"); empty: None."""
    cell = text.strip().casefold()
    if not cell:
        return None
    if cell in _TRUE:
        return True
    if cell in _FALSE:
        return False
    raise ValueProblem(f"'{text.strip()}' is not true or false")

"""The one shape a deal has between a CRM file and the database, and the rules that every
part of the pipeline shares: identity, status and money."""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple


class DealStatus(StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


# ISO 4217 currencies whose minor unit is not the cent; everything else has two decimals.
MINOR_DIGITS = {
    "BHD": 3, "CLP": 0, "ISK": 0, "JOD": 3, "JPY": 0, "KRW": 0, "KWD": 3, "OMR": 3,
    "PYG": 0, "TND": 3, "UGX": 0, "VND": 0, "XAF": 0, "XOF": 0,
}  # fmt: skip


def minor_digits(currency: str) -> int:
    return MINOR_DIGITS.get(currency, 2)


def to_minor(amount: Decimal, currency: str) -> int:
    """Whole minor units (cents); half a cent rounds away from zero like an invoice does."""
    scaled = amount.scaleb(minor_digits(currency))
    return int(scaled.to_integral_value(rounding="ROUND_HALF_UP"))


def from_minor(amount_minor: int, currency: str) -> Decimal:
    digits = minor_digits(currency)
    return Decimal(amount_minor).scaleb(-digits).quantize(Decimal(1).scaleb(-digits))


def _normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def deal_key(crm_id: str | None, account: str, name: str) -> str:
    """How a deal is recognised from one snapshot to the next: the CRM id when the file has
    one, else the account and deal name (case and spacing ignored)."""
    if crm_id and crm_id.strip():
        return "id:" + crm_id.strip()
    return "name:" + _normalise(account) + "\x1f" + _normalise(name)


class DealRecord(NamedTuple):
    """One deal as a CRM file or the API gives it, validated. A named tuple rather than a
    frozen dataclass: pages and the diff make tens of thousands of them, and a tuple is
    built several times faster."""

    key: str
    crm_id: str | None
    name: str
    account: str
    stage: str
    status: DealStatus
    amount_minor: int | None  # None: the file left it empty (unknown, not zero)
    currency: str
    close_date: date | None
    probability: int | None = None
    next_step: str = ""
    line: int = 0  # the line of the file it came from (0: not from a file)

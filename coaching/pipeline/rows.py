"""One row of a CRM export into a `DealRecord`, every unreadable cell an `ImportProblem`.

`RowReader` knows which column holds which field and how this file writes its amounts and
dates; `coaching.pipeline.formats` decides the columns and the order of the work.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import TypeVar

from coaching.pipeline.csvfile import Record
from coaching.pipeline.deals import DealRecord, DealStatus, deal_key, to_minor
from coaching.pipeline.values import (
    ValueProblem,
    clean_text,
    column_is_day_first,
    column_uses_decimal_comma,
    currency_code,
    fold,
    parse_amount,
    parse_date,
    parse_flag,
    parse_probability,
)

NAME_LIMIT = 200
STAGE_LIMIT = 80
ACCOUNT_LIMIT = 200
NEXT_STEP_LIMIT = 500
CRM_ID_LIMIT = 100

_FIELD_LABELS = {"name": "Deal name", "stage": "Stage", "account": "Account"}
_TEXT_LIMITS = {"name": NAME_LIMIT, "stage": STAGE_LIMIT, "account": ACCOUNT_LIMIT}

T = TypeVar("T")

FIELDS = (
    "crm_id", "name", "account", "stage", "amount", "currency", "close_date", "probability",
    "next_step", "status", "is_won", "is_closed",
)  # fmt: skip


@dataclass(frozen=True)
class ImportProblem:
    line: int  # physical line of the file, 1 for the header line
    column: str  # the header as the file writes it; "" for the whole file or line
    message: str


class _Row:
    """A row being read, and what is wrong with it so far."""

    __slots__ = ("line", "width", "cells", "problems")

    def __init__(self, record: Record, width: int) -> None:
        self.line = record.line
        self.width = len(record.cells)
        # At least one cell more than the header: fields the file lacks read that "".
        missing = width + 1 - len(record.cells)
        self.cells = record.cells + [""] * missing if missing > 0 else record.cells
        self.problems: list[ImportProblem] = []


class RowReader:
    """Turns the rows of one file into deals, with the column conventions of that file."""

    def __init__(
        self,
        *,
        columns: dict[str, int],
        headers: list[str],
        rows: list[Record],
        delimiter: str,
        status_of_stage: Callable[[str], DealStatus],
        default_currency: str,
        probability_is_fraction: bool = False,
    ) -> None:
        self.columns = columns  # field -> index of its cell
        self.index = {name: columns.get(name, len(headers)) for name in FIELDS}
        self.headers = headers
        self.delimiter = delimiter
        self.status_of_stage = lru_cache(maxsize=1024)(status_of_stage)
        self.default_currency = default_currency
        decimal_comma = column_uses_decimal_comma(self._column("amount", rows), delimiter)
        day_first = column_is_day_first(self._column("close_date", rows))
        self._amount = partial(parse_amount, decimal_comma=decimal_comma)
        self._date = partial(parse_date, day_first=day_first)
        self._probability = partial(parse_probability, fraction=probability_is_fraction)

    def _column(self, name: str, rows: list[Record]) -> list[str]:
        index = self.columns.get(name)
        if index is None:
            return []
        # Each distinct value once: a column of dates repeats a few hundred of them.
        return list(dict.fromkeys(row.cells[index] for row in rows if index < len(row.cells)))

    def header(self, name: str) -> str:
        return self.headers[self.columns[name]] if name in self.columns else ""

    def is_deleted(self, record: Record) -> bool:
        index = self.columns.get("status")
        if index is None or index >= len(record.cells):
            return False
        return fold(record.cells[index]) == "deleted"

    def duplicate(self, deal: DealRecord, first_line: int) -> ImportProblem:
        if deal.crm_id:
            what = f"the same CRM id '{deal.crm_id}'"
            column = self.header("crm_id")
        else:
            what = "the same account and deal name"
            column = self.header("name")
        return ImportProblem(deal.line, column, f"Duplicate deal: {what} is on line {first_line}.")

    def read(self, record: Record) -> tuple[DealRecord | None, list[ImportProblem]]:
        row = _Row(record, len(self.headers))
        if not self._fits_header(row):  # its values are out of place: reading them misleads
            return None, row.problems
        name = self._text(row, "name", required=True)
        stage = self._text(row, "stage", required=True)
        account = self._text(row, "account")
        next_step = self._next_step(row)
        crm_id = self._crm_id(row)
        amount, amount_currency = self._parsed(row, "amount", self._amount) or (None, None)
        currency = self._currency(row, amount_currency)
        close_date = self._parsed(row, "close_date", self._date)
        probability = self._parsed(row, "probability", self._probability)
        status = self._status(row, stage)
        if row.problems:
            return None, row.problems
        deal = DealRecord(
            key=deal_key(crm_id, account, name),
            crm_id=crm_id,
            name=name,
            account=account,
            stage=stage,
            status=status,
            amount_minor=None if amount is None else to_minor(amount, currency),
            currency=currency,
            close_date=close_date,
            probability=probability,
            next_step=next_step,
            line=row.line,
        )
        return deal, row.problems

    def _problem(self, row: _Row, name: str, message: str) -> None:
        row.problems.append(ImportProblem(row.line, self.header(name), message))

    def _fits_header(self, row: _Row) -> bool:
        if row.width <= len(self.headers) or not "".join(row.cells[len(self.headers) :]).strip():
            return True
        shown = "tab" if self.delimiter == "\t" else f"'{self.delimiter}'"
        message = (
            f"The line has {row.width} values but the header has {len(self.headers)}: "
            f"does a value with a {shown} in it miss its quote marks?"
        )
        row.problems.append(ImportProblem(row.line, "", message))
        return False

    def _text(self, row: _Row, name: str, *, required: bool = False) -> str:
        value = clean_text(row.cells[self.index[name]])
        label = _FIELD_LABELS[name]
        if required and not value:
            self._problem(row, name, f"{label} is empty.")
        elif len(value) > _TEXT_LIMITS[name]:
            self._problem(row, name, f"{label} is longer than {_TEXT_LIMITS[name]} characters.")
        return value

    def _next_step(self, row: _Row) -> str:
        value = clean_text(row.cells[self.index["next_step"]], multiline=True)
        if len(value) > NEXT_STEP_LIMIT:
            self._problem(
                row, "next_step", f"Next step is longer than {NEXT_STEP_LIMIT} characters."
            )
        return value

    def _crm_id(self, row: _Row) -> str | None:
        value = clean_text(row.cells[self.index["crm_id"]])
        if len(value) > CRM_ID_LIMIT:
            self._problem(row, "crm_id", f"CRM id is longer than {CRM_ID_LIMIT} characters.")
        return value or None

    def _parsed(self, row: _Row, name: str, parse: Callable[[str], T]) -> T | None:
        if name not in self.columns:
            return None
        try:
            return parse(row.cells[self.index[name]])
        except ValueProblem as problem:
            self._problem(row, name, str(problem))
            return None

    def _currency(self, row: _Row, amount_currency: str | None) -> str:
        """The currency column wins, then a symbol or code in the amount, then the default."""
        cell = clean_text(row.cells[self.index["currency"]])
        if cell:
            code = currency_code(cell)
            if code:
                return code
            self._problem(row, "currency", f"Currency '{cell}' is not a currency code like EUR.")
        return amount_currency or self.default_currency

    def _status(self, row: _Row, stage: str) -> DealStatus:
        if "status" in self.columns:
            return self._status_from_column(row, stage)
        if "is_won" in self.columns or "is_closed" in self.columns:
            return self._status_from_flags(row, stage)
        return self.status_of_stage(stage)

    def _status_from_column(self, row: _Row, stage: str) -> DealStatus:
        cell = clean_text(row.cells[self.index["status"]])
        if not cell:
            return self.status_of_stage(stage)
        if fold(cell) == "open":
            return DealStatus.OPEN
        status = self.status_of_stage(cell)
        if status is DealStatus.OPEN:
            self._problem(row, "status", f"Status '{cell}' is not open, won, lost or deleted.")
        return status

    def _status_from_flags(self, row: _Row, stage: str) -> DealStatus:
        won = self._parsed(row, "is_won", parse_flag)
        closed = self._parsed(row, "is_closed", parse_flag)
        if won:
            return DealStatus.WON
        if closed:
            return DealStatus.LOST
        if closed is False:
            return DealStatus.OPEN
        return self.status_of_stage(stage)

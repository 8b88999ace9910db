"""The API's payloads, validated by pydantic. The OpenAPI document is built from these
models (app/api/openapi.py), so what is documented is what is checked."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
    field_validator,
)

from coaching.imports import DealFields
from coaching.pipeline.deals import DealStatus
from coaching.pipeline.formats import MAX_ROWS, FileFormat
from coaching.pipeline.rows import (
    ACCOUNT_LIMIT,
    CRM_ID_LIMIT,
    NAME_LIMIT,
    NEXT_STEP_LIMIT,
    STAGE_LIMIT,
)

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
AMOUNT_PATTERN = r"^-?[0-9]{1,13}(\.[0-9]{1,6})?$"
_AMOUNT_TEXT = re.compile(AMOUNT_PATTERN)
LARGEST_AMOUNT = 10**13


def _amount(value: Any) -> Any:
    """A JSON number, or a string holding a plain decimal ("12500.00"): no grouping, symbol
    or exponent, which a CSV file may have but a program sending JSON doesn't need."""
    if isinstance(value, bool) or value is None or isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))  # as written in the JSON, not the float's binary value
    if isinstance(value, str) and _AMOUNT_TEXT.fullmatch(value):
        return Decimal(value)
    raise ValueError('write the amount as a number or a decimal string like "12500.00"')


Amount = Annotated[
    Decimal,
    BeforeValidator(_amount),
    Field(gt=-LARGEST_AMOUNT, lt=LARGEST_AMOUNT),
    WithJsonSchema(
        {
            "description": "A decimal amount, as a JSON number or a string; may be negative "
            "(a credit), as in a CRM file. Below 10^13 either way.",
            "anyOf": [
                {
                    "type": "number",
                    "exclusiveMinimum": -LARGEST_AMOUNT,
                    "exclusiveMaximum": LARGEST_AMOUNT,
                },
                {"type": "string", "pattern": AMOUNT_PATTERN},
            ],
        }
    ),
]


class SentStatus(StrEnum):
    OPEN = DealStatus.OPEN.value
    WON = DealStatus.WON.value
    LOST = DealStatus.LOST.value


class UploadFormat(StrEnum):
    """The CRM a CSV file comes from; left out, it is recognised from the header."""

    SALESFORCE_REPORT = FileFormat.SALESFORCE_REPORT.value
    SALESFORCE_EXPORT = FileFormat.SALESFORCE_EXPORT.value
    HUBSPOT = FileFormat.HUBSPOT.value
    PIPEDRIVE = FileFormat.PIPEDRIVE.value


class DealIn(BaseModel):
    """One open, won or lost deal of the rep's pipeline."""

    model_config = ConfigDict(extra="forbid", strict=True)

    crm_id: str | None = Field(
        default=None,
        max_length=CRM_ID_LIMIT,
        description="The CRM's id: recognises the deal from one snapshot to the next.",
    )
    name: str = Field(min_length=1, max_length=NAME_LIMIT)
    account: str = Field(default="", max_length=ACCOUNT_LIMIT)
    stage: str = Field(min_length=1, max_length=STAGE_LIMIT)
    status: SentStatus | None = Field(
        default=None,
        description="Left out: won or lost when the stage is one of the organisation's "
        "won or lost stages, else open.",
    )
    amount: Amount | None = None
    currency: str | None = Field(
        default=None,
        pattern=r"^[A-Z]{3}$",
        description="ISO 4217 code; left out, the organisation's currency.",
    )
    close_date: date | None = None
    probability: int | None = Field(default=None, ge=0, le=100, description="Percent.")
    next_step: str = Field(default="", max_length=NEXT_STEP_LIMIT)

    def fields(self) -> DealFields:
        return DealFields(
            name=self.name,
            stage=self.stage,
            crm_id=self.crm_id,
            account=self.account,
            status=DealStatus(self.status.value) if self.status else None,
            amount=self.amount,
            currency=self.currency,
            close_date=self.close_date,
            probability=self.probability,
            next_step=self.next_step,
        )


class SnapshotFields(BaseModel):
    """Whose snapshot, and of which day (the fields a CSV upload sends beside the file)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    rep_email: str = Field(
        max_length=254,
        pattern=EMAIL_PATTERN,
        description="The email of an active rep.",
        examples=["rosa@example.com"],
    )
    taken_on: date | None = Field(
        default=None,
        description="The day the CRM was exported (not later than today); left out, today.",
    )

    @field_validator("taken_on")
    @classmethod
    def not_in_the_future(cls, day: date | None) -> date | None:
        if day is not None and day > date.today():
            raise ValueError("a snapshot can't be from a day still to come")
        return day


class SnapshotIn(SnapshotFields):
    """A rep's pipeline as a list of deals."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "rep_email": "rosa@example.com",
                    "taken_on": "2026-11-20",
                    "deals": [
                        {"crm_id": "006A1", "name": "Acme renewal", "account": "Acme Inc.",
                         "stage": "Proposal", "amount": "48000.00", "currency": "EUR",
                         "close_date": "2026-12-15", "probability": 40},
                        {"name": "Globex pilot", "stage": "Closed Won", "amount": 12500},
                    ],
                }
            ]
        }
    )  # fmt: skip

    deals: list[DealIn] = Field(min_length=1, max_length=MAX_ROWS)


class SnapshotUpload(SnapshotFields):
    """The text fields of a CSV upload (multipart/form-data), beside `file`."""

    model_config = ConfigDict(extra="forbid", strict=False)  # form fields are all text

    format: UploadFormat | None = None


class SnapshotOut(BaseModel):
    snapshot_id: int
    created: bool = Field(description="False: the same content for that day was imported before.")
    format: str
    taken_on: date
    deals: int
    won: int
    lost: int
    skipped_lines: int
    open_totals: dict[str, str] = Field(
        description="Open deals' amounts per currency, as decimal strings."
    )


class Problem(BaseModel):
    line: int = Field(
        description="The line of the CSV file (1 is the header), or the position of the deal "
        "in `deals` (from 1); 0 for the request as a whole."
    )
    column: str = Field(description="The CSV column or the deal's field; may be empty.")
    message: str


class Problems(BaseModel):
    errors: list[Problem] = Field(min_length=1)


def problems_of(error: ValidationError) -> list[Problem]:
    """Pydantic's errors as the API reports them: a deal's by its position and field."""
    found = []
    for detail in error.errors(include_url=False, include_input=False):
        location = [str(part) for part in detail["loc"]]
        line, column = 0, ".".join(location)
        if len(location) >= 2 and location[0] == "deals" and location[1].isdigit():
            line, column = int(location[1]) + 1, ".".join(location[2:])
        found.append(Problem(line=line, column=column, message=detail["msg"]))
    return found

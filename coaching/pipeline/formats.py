"""CRM pipeline exports (Salesforce, HubSpot, Pipedrive, or any CSV with its columns mapped)
read into `DealRecord`s, with every problem as a line and column a person can fix.

Nothing here raises on a bad file: `parse_pipeline_file` returns the deals it could read and
the problems it found. A row with a problem gives no deal, so a file with problems must not
be stored as a snapshot (`ParsedFile.ok`).

How ambiguous cells are read (decided per column, so one file is never read two ways):
- "1.250" and "1,250" (one separator, three digits after it) are thousands when the column
  otherwise writes decimals the other way; when nothing in the column tells, a
  semicolon-separated file (European Excel) reads "1.250" as 1250 and "1,250" as 1.25, any
  other file reads "1,250" as 1250 and "1.250" as 1.25 (`values.column_uses_decimal_comma`).
- Slash dates are month first (12/15/2026, as Salesforce and HubSpot write them in the US)
  unless some date in the column can only be day first (18/12/2026) and none can only be
  month first; dotted dates (18.12.2026) are always day first.
- Probability is a whole percent 0-100 ("50", "50%", "50.0"); HubSpot's "Deal probability"
  is a share of one (0.2 is 20%).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import Decimal
from enum import StrEnum

from coaching.pipeline.csvfile import Record, UnreadableFile, decode, records, sniff_delimiter
from coaching.pipeline.deals import DealRecord, DealStatus, from_minor
from coaching.pipeline.rows import ImportProblem, RowReader
from coaching.pipeline.values import clean_text, fold

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "ColumnMapping",
    "Detection",
    "FileFormat",
    "ImportProblem",
    "ParsedFile",
    "PipelineRules",
    "detect_format",
    "parse_pipeline_file",
    "read_headers",
]

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000


class FileFormat(StrEnum):
    SALESFORCE_REPORT = "salesforce-report"
    SALESFORCE_EXPORT = "salesforce-export"
    HUBSPOT = "hubspot"
    PIPEDRIVE = "pipedrive"
    GENERIC = "generic"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    FileFormat.SALESFORCE_REPORT: "Salesforce report",
    FileFormat.SALESFORCE_EXPORT: "Salesforce Data Loader export",
    FileFormat.HUBSPOT: "HubSpot deals export",
    FileFormat.PIPEDRIVE: "Pipedrive deals export",
    FileFormat.GENERIC: "your own column mapping",
}


@dataclass(frozen=True)
class ColumnMapping:
    """For a GENERIC file: the header of the column that holds each field."""

    name: str
    stage: str
    amount: str | None = None
    currency: str | None = None
    close_date: str | None = None
    crm_id: str | None = None
    account: str | None = None
    probability: str | None = None
    next_step: str | None = None
    status: str | None = None

    def to_dict(self) -> dict[str, str]:
        return {f.name: value for f in fields(self) if (value := getattr(self, f.name))}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> ColumnMapping:
        """From `to_dict`'s shape (or a form); empty values are unmapped, unknown keys are
        ignored. ValueError when name or stage is missing or a value is not text."""
        known = {f.name for f in fields(cls)}
        values: dict[str, str] = {}
        for key, value in data.items():
            if key not in known or value is None:
                continue
            if not isinstance(value, str):
                raise ValueError(f"column for {key} must be text")
            if value.strip():
                values[key] = value.strip()
        if "name" not in values or "stage" not in values:
            raise ValueError("the columns for the deal name and the stage are required")
        return cls(**values)


_DEFAULT_WON = ("Closed Won", "Won", "ClosedWon", "Closed - Won", "Closed-Won", "Deal Won")
_DEFAULT_LOST = ("Closed Lost", "Lost", "ClosedLost", "Closed - Lost", "Closed-Lost", "Deal Lost")


@dataclass(frozen=True)
class PipelineRules:
    """One organisation's reading of its pipeline. Stage names are compared casefolded with
    spacing collapsed, whatever case they are given in."""

    default_currency: str = "USD"
    won_stages: frozenset[str] = frozenset(map(fold, _DEFAULT_WON))
    lost_stages: frozenset[str] = frozenset(map(fold, _DEFAULT_LOST))
    stage_order: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "default_currency", self.default_currency.strip().upper())
        object.__setattr__(self, "won_stages", frozenset(map(fold, self.won_stages)))
        object.__setattr__(self, "lost_stages", frozenset(map(fold, self.lost_stages)))

    def status_of_stage(self, stage: str) -> DealStatus:
        normalised = fold(stage)
        if normalised in self.won_stages:
            return DealStatus.WON
        if normalised in self.lost_stages:
            return DealStatus.LOST
        return DealStatus.OPEN


@dataclass(frozen=True)
class ParsedFile:
    format: FileFormat | None  # None: not given, and not detected with confidence
    deals: list[DealRecord]
    skipped_lines: int
    skipped: list[tuple[int, str]]  # (line, why): blank lines, report footers, deleted deals
    problems: list[ImportProblem]
    headers: list[str]
    encoding: str
    delimiter: str

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def won(self) -> int:
        return sum(1 for deal in self.deals if deal.status is DealStatus.WON)

    @property
    def lost(self) -> int:
        return sum(1 for deal in self.deals if deal.status is DealStatus.LOST)

    def open_totals(self) -> dict[str, Decimal]:
        """The amount of open deals per currency, for deals whose amount is known."""
        minor: dict[str, int] = {}
        for deal in self.deals:
            if deal.status is DealStatus.OPEN and deal.amount_minor is not None:
                minor[deal.currency] = minor.get(deal.currency, 0) + deal.amount_minor
        return {currency: from_minor(minor[currency], currency) for currency in sorted(minor)}


# --- the columns of each format --------------------------------------------------------------

# field -> the headers that hold it, the first one present wins; compared casefolded.
_Layout = dict[str, tuple[str, ...]]

LAYOUTS: dict[FileFormat, _Layout] = {
    FileFormat.SALESFORCE_REPORT: {
        "crm_id": ("Opportunity ID",),
        "name": ("Opportunity Name",),
        "account": ("Account Name",),
        "stage": ("Stage",),
        "amount": ("Amount",),
        "currency": ("Amount Currency", "Opportunity Currency", "Currency"),
        "close_date": ("Close Date",),
        "probability": ("Probability (%)", "Probability"),
        "next_step": ("Next Step",),
        "is_won": ("Won",),
        "is_closed": ("Closed",),
    },
    FileFormat.SALESFORCE_EXPORT: {
        "crm_id": ("ID",),
        "name": ("NAME",),
        "account": ("ACCOUNT.NAME", "ACCOUNTID"),
        "stage": ("STAGENAME",),
        "amount": ("AMOUNT",),
        "currency": ("CURRENCYISOCODE",),
        "close_date": ("CLOSEDATE",),
        "probability": ("PROBABILITY",),
        "next_step": ("NEXTSTEP",),
        "is_won": ("ISWON",),
        "is_closed": ("ISCLOSED",),
    },
    FileFormat.HUBSPOT: {
        "crm_id": ("Record ID", "Deal ID"),
        "name": ("Deal Name",),
        "account": ("Associated Company", "Company name", "Associated Company (Primary)"),
        "stage": ("Deal Stage",),
        "amount": ("Amount",),
        "currency": ("Currency", "Deal currency code"),
        "close_date": ("Close Date",),
        "probability": ("Deal probability",),
        "next_step": ("Next step",),
    },
    FileFormat.PIPEDRIVE: {
        "crm_id": ("Deal - ID",),
        "name": ("Deal - Title",),
        "account": ("Deal - Organization", "Deal - Organization name"),
        "stage": ("Deal - Stage",),
        "amount": ("Deal - Value",),
        "currency": ("Deal - Currency",),
        "close_date": ("Deal - Expected close date",),
        "probability": ("Deal - Probability",),
        "status": ("Deal - Status",),
    },
}

# Headers that point to one CRM; they count double when detecting the format.
SIGNATURES: dict[FileFormat, frozenset[str]] = {
    FileFormat.SALESFORCE_REPORT: frozenset(
        ["opportunity name", "opportunity owner", "opportunity id", "probability (%)",
         "account name", "amount currency", "fiscal period"]
    ),
    FileFormat.SALESFORCE_EXPORT: frozenset(
        ["stagename", "closedate", "iswon", "isclosed", "accountid", "account.name",
         "currencyisocode", "nextstep", "forecastcategoryname", "createddate", "ownerid"]
    ),
    FileFormat.HUBSPOT: frozenset(
        ["deal name", "deal stage", "record id", "deal owner", "pipeline", "create date",
         "associated company", "deal probability"]
    ),
    FileFormat.PIPEDRIVE: frozenset(
        ["deal - title", "deal - stage", "deal - value", "deal - status", "deal - id",
         "deal - currency", "deal - organization", "deal - expected close date",
         "deal - owner"]
    ),
}  # fmt: skip

# --- detection --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Detection:
    format: FileFormat | None  # the best guess, None on a tie or when nothing matched
    confident: bool  # safe to parse without asking
    candidates: list[FileFormat]  # every format the header resembles, likeliest first

    def message(self) -> str:
        """What to tell the person when the detection is not confident."""
        if self.candidates:
            names = " or ".join(candidate.label for candidate in self.candidates)
            guess = f"It could be a {names}. "
        else:
            guess = ""
        return (
            f"Could not tell from the header which CRM the file comes from. {guess}"
            "Choose the format, or map the columns yourself."
        )


def detect_format(headers: list[str]) -> Detection:
    present = {fold(header) for header in headers}
    scores = {fmt: _score(fmt, present) for fmt in LAYOUTS}
    candidates = sorted((fmt for fmt in scores if scores[fmt]), key=lambda fmt: -scores[fmt])
    if not candidates:
        return Detection(None, False, [])
    best = candidates[0]
    runner_up = scores[candidates[1]] if len(candidates) > 1 else 0
    if scores[best] == runner_up:
        return Detection(None, False, candidates)
    confident = bool(SIGNATURES[best] & present) and _has_required(best, present)
    return Detection(best, confident, candidates)


def _score(fmt: FileFormat, present: set[str]) -> int:
    aliases = {fold(alias) for names in LAYOUTS[fmt].values() for alias in names}
    signature = SIGNATURES[fmt]
    return 2 * len(signature & present) + len((aliases - signature) & present)


def _has_required(fmt: FileFormat, present: set[str]) -> bool:
    layout = LAYOUTS[fmt]
    return all(
        any(fold(alias) in present for alias in layout[required]) for required in ("name", "stage")
    )


# --- reading a file ---------------------------------------------------------------------------


def read_headers(data: bytes) -> list[str]:
    """The header row (the first non-empty line) as the file writes it; [] if the file can't
    be read. For the form that asks which column holds what."""
    try:
        text, _ = decode(data)
        delimiter = sniff_delimiter(text)
        for record in records(text, delimiter):
            headers = [clean_text(cell) for cell in record.cells]
            if any(headers):
                return headers
    except UnreadableFile:
        pass
    return []


def parse_pipeline_file(
    data: bytes,
    *,
    format: FileFormat | None = None,
    mapping: ColumnMapping | None = None,
    rules: PipelineRules = PipelineRules(),
    max_rows: int = MAX_ROWS,
) -> ParsedFile:
    """The deals of a CRM export. `format` None detects it from the header; a `mapping`
    means GENERIC, whatever `format` says."""
    builder = _FileBuilder(rules, max_rows)
    builder.read(data, FileFormat.GENERIC if mapping else format, mapping)
    return builder.result()


class _FileBuilder:
    """One parse: collects what `ParsedFile` will hold, step by step."""

    def __init__(self, rules: PipelineRules, max_rows: int) -> None:
        self.rules = rules
        self.max_rows = max_rows
        self.format: FileFormat | None = None
        self.deals: list[DealRecord] = []
        self.skipped: list[tuple[int, str]] = []
        self.problems: list[ImportProblem] = []
        self.headers: list[str] = []
        self.header_line = 1
        self.encoding = ""
        self.delimiter = ""

    def result(self) -> ParsedFile:
        return ParsedFile(
            format=self.format,
            deals=self.deals,
            skipped_lines=len(self.skipped),
            skipped=self.skipped,
            problems=self.problems,
            headers=self.headers,
            encoding=self.encoding,
            delimiter=self.delimiter,
        )

    def file_problem(self, message: str, column: str = "") -> None:
        self.problems.append(ImportProblem(self.header_line, column, message))

    def read(self, data: bytes, fmt: FileFormat | None, mapping: ColumnMapping | None) -> None:
        self.format = fmt
        body = self._read_table(data)
        if body is None:
            return
        fmt = self._settle_format(fmt, mapping)
        if fmt is None:
            return
        self.format = fmt
        columns = self._columns(fmt, mapping)
        if columns is None:
            return
        rows = self._data_rows(body, fmt)
        if not rows:
            self.file_problem("The file has no deals: there is nothing after the header line.")
            return
        if len(rows) > self.max_rows:
            limit = f"{self.max_rows:,}"
            self.file_problem(f"The file has more than {limit} deals; the limit is {limit}.")
            return
        reader = RowReader(
            columns=columns,
            headers=self.headers,
            rows=rows,
            delimiter=self.delimiter,
            status_of_stage=self.rules.status_of_stage,
            default_currency=self.rules.default_currency,
            probability_is_fraction=fmt is FileFormat.HUBSPOT,
        )
        self._read_deals(rows, reader)

    def _read_table(self, data: bytes) -> list[Record] | None:
        """The records after the header row, or None when the file is not a table."""
        if len(data) > MAX_FILE_BYTES:
            self.file_problem(f"The file is larger than {MAX_FILE_BYTES // 2**20} MB.")
            return None
        try:
            text, self.encoding = decode(data)
            self.delimiter = sniff_delimiter(text)
            table = list(records(text, self.delimiter))
        except UnreadableFile as unreadable:
            self.file_problem(str(unreadable))
            return None
        return self._take_header(table)

    def _take_header(self, table: list[Record]) -> list[Record] | None:
        for position, record in enumerate(table):
            headers = [clean_text(cell) for cell in record.cells]
            if not any(headers):
                self.skipped.append((record.line, "blank line"))
                continue
            self.headers, self.header_line = headers, record.line
            if sum(1 for header in headers if header) < 2:
                self.file_problem(
                    "The first line has a single column: this is not a CSV file with a "
                    "header row, or its columns are not separated by commas, semicolons or tabs."
                )
                return None
            return table[position + 1 :]
        self.file_problem("The file is empty." if not table else "The file has only blank lines.")
        return None

    def _settle_format(
        self, fmt: FileFormat | None, mapping: ColumnMapping | None
    ) -> FileFormat | None:
        if fmt is None:
            detection = detect_format(self.headers)
            if not detection.confident:
                self.file_problem(detection.message())
                return None
            fmt = detection.format
        if fmt is FileFormat.GENERIC and mapping is None:
            self.file_problem(
                "Map the columns: choose which column holds the deal name and which the stage."
            )
            return None
        return fmt

    def _columns(self, fmt: FileFormat, mapping: ColumnMapping | None) -> dict[str, int] | None:
        """Field -> column index; None (with problems) when a needed column is missing."""
        position: dict[str, int] = {}
        for at, header in enumerate(self.headers):
            position.setdefault(fold(header), at)
        layout = _mapping_layout(mapping) if mapping else LAYOUTS[fmt]
        columns: dict[str, int] = {}
        for name, aliases in layout.items():
            index = _find_column(position, aliases)
            if index is not None:
                columns[name] = index
            elif mapping:
                self.file_problem(f"Column '{aliases[0]}' is not in the file.", aliases[0])
            elif name in ("name", "stage"):
                self.file_problem(f"Missing required column '{aliases[0]}'.", aliases[0])
        return None if self.problems else columns

    def _data_rows(self, body: list[Record], fmt: FileFormat) -> list[Record]:
        footer_from = _footer_start(body) if fmt is FileFormat.SALESFORCE_REPORT else len(body)
        rows = []
        for position, record in enumerate(body):
            if _is_blank(record):
                self.skipped.append((record.line, "blank line"))
            elif position >= footer_from or _is_report_footer(record):
                self.skipped.append((record.line, "report footer"))
            else:
                rows.append(record)
        return rows

    def _read_deals(self, rows: list[Record], reader: RowReader) -> None:
        first_line_of: dict[str, int] = {}
        for record in rows:
            if reader.is_deleted(record):
                self.skipped.append((record.line, "deleted deal"))
                continue
            deal, problems = reader.read(record)
            if deal is not None and deal.key in first_line_of:
                problems.append(reader.duplicate(deal, first_line_of[deal.key]))
            if problems:
                self.problems += problems
            elif deal is not None:
                first_line_of[deal.key] = deal.line
                self.deals.append(deal)


def _find_column(position: dict[str, int], aliases: tuple[str, ...]) -> int | None:
    for alias in aliases:
        index = position.get(fold(alias))
        if index is not None:
            return index
    return None


def _mapping_layout(mapping: ColumnMapping) -> _Layout:
    return {name: (header,) for name, header in mapping.to_dict().items()}


# Salesforce ends a report export with a blank line and a few one-cell lines of notices.
_FOOTER_STARTS = (
    "confidential information",
    "copyright (c)",
    "copyright ©",
    "generated by:",
    "company name:",
    "grand totals",
)


def _is_blank(record: Record) -> bool:
    return not "".join(record.cells).strip()


def _filled_cells(record: Record) -> list[str]:
    return [cell for cell in record.cells if cell.strip()]


def _is_report_footer(record: Record) -> bool:
    if len(record.cells) - record.cells.count("") > 1:  # the usual row, decided quickly
        return False
    filled = _filled_cells(record)
    return len(filled) == 1 and filled[0].strip().casefold().startswith(_FOOTER_STARTS)


def _footer_start(body: list[Record]) -> int:
    """Where the trailing block of one-cell lines that follows a blank line begins (the
    footer of a Salesforce report in any language); len(body) when there is none."""
    start = len(body)
    while start and len(_filled_cells(body[start - 1])) <= 1:
        start -= 1
    blank = next((i for i in range(start, len(body)) if _is_blank(body[i])), None)
    return len(body) if blank is None else blank

"""Bringing a CRM export in: preview first, then all or nothing.

The web form, the command line and the API all come through `import_file` (or, for JSON
deals, `coaching.snapshots.import_snapshot`), so a file is judged by the same rules
whichever way it arrives."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from coaching.clock import now
from coaching.compiled import Shape
from coaching.errors import Invalid, NotFound
from coaching.identity.accounts import normalise_email, with_roles
from coaching.identity.models import Role, User
from coaching.pipeline.deals import DealRecord, DealStatus, deal_key, to_minor
from coaching.pipeline.formats import (
    MAX_FILE_BYTES,
    ColumnMapping,
    FileFormat,
    ImportProblem,
    ParsedFile,
    PipelineRules,
    parse_pipeline_file,
)
from coaching.pipeline.models import ColumnMapping as SavedMapping
from coaching.pipeline.models import PendingImport, PipelineSettings
from coaching.pipeline.rows import (
    ACCOUNT_LIMIT,
    CRM_ID_LIMIT,
    NAME_LIMIT,
    NEXT_STEP_LIMIT,
    STAGE_LIMIT,
)
from coaching.pipeline.values import clean_text, currency_code, plausible_date
from coaching.snapshots import (
    Imported,
    ImportOrigin,
    content_hash_of_deals,
    content_hash_of_file,
    import_snapshot,
)

PENDING_FOR = timedelta(days=1)
PENDING_PER_PERSON = 3


class ImportRefused(Invalid):
    """The file has problems; nothing was written. `problems` says each by line and column."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        super().__init__({"file": _summary(problems)})
        self.problems = problems


class FileTooLarge(Invalid):
    status_code = 413

    def __init__(self, message: str) -> None:
        super().__init__({"file": message})


def _summary(problems: list[ImportProblem]) -> str:
    first = problems[0]
    where = f"line {first.line}" + (f", column {first.column}" if first.column else "")
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"Nothing was imported: {where}: {first.message}{more}"


def too_large(size: int) -> ImportProblem | None:
    if size <= MAX_FILE_BYTES:
        return None
    limit = MAX_FILE_BYTES // (1024 * 1024)
    return ImportProblem(0, "", f"The file is too large: the limit is {limit} MB.")


SETTINGS = Shape(lambda: PipelineSettings.all().limit(1))


async def pipeline_rules() -> PipelineRules:
    """The organisation's stage vocabulary, with the defaults where it says nothing."""
    row = await SETTINGS.first()
    if row is None:
        return PipelineRules()
    defaults = PipelineRules()
    return PipelineRules(
        default_currency=row.default_currency,
        won_stages=defaults.won_stages | _lines(row.won_stages),
        lost_stages=defaults.lost_stages | _lines(row.lost_stages),
        stage_order=tuple(line.strip() for line in row.stage_order.splitlines() if line.strip()),
    )


def _lines(text: str) -> frozenset[str]:
    return frozenset(line.strip().casefold() for line in text.splitlines() if line.strip())


def headers_fingerprint(headers: list[str]) -> str:
    joined = "\x1f".join(h.strip().casefold() for h in headers)
    return hashlib.sha256(joined.encode()).hexdigest()


async def saved_mapping_for(owner: User, headers: list[str]) -> ColumnMapping | None:
    found = await SavedMapping.filter(
        owner_id=owner.id, headers=headers_fingerprint(headers)
    ).first()
    return ColumnMapping.from_dict(found.mapping) if found else None


async def save_mapping(owner: User, headers: list[str], mapping: ColumnMapping) -> None:
    """Remember how this person mapped a file with these columns, for next time."""
    fingerprint = headers_fingerprint(headers)
    await SavedMapping.update_or_create(
        defaults={"mapping": mapping.to_dict(), "name": mapping.name[:80]},
        owner_id=owner.id,
        headers=fingerprint,
    )


@dataclass(frozen=True)
class Preview:
    parsed: ParsedFile
    mapping: ColumnMapping | None  # the mapping used (chosen now, or saved before)


async def preview_file(
    owner: User,
    data: bytes,
    file_format: FileFormat | None = None,
    mapping: ColumnMapping | None = None,
) -> Preview:
    """What the file would import, and every problem in it; nothing is written."""
    rules = await pipeline_rules()
    parsed = parse_pipeline_file(data, format=file_format, mapping=mapping, rules=rules)
    if mapping is None and parsed.headers and _needs_mapping(parsed):
        saved = await saved_mapping_for(owner, parsed.headers)
        if saved is not None:
            mapping = saved
            parsed = parse_pipeline_file(
                data, format=FileFormat.GENERIC, mapping=saved, rules=rules
            )
    return Preview(parsed, mapping)


def _needs_mapping(parsed: ParsedFile) -> bool:
    return not parsed.deals and parsed.format in (FileFormat.GENERIC, None)


async def import_file(
    owner: User,
    data: bytes,
    *,
    taken_on: date,
    source: str,
    by: User | None,
    file_name: str = "",
    file_format: FileFormat | None = None,
    mapping: ColumnMapping | None = None,
) -> Imported:
    """Import the whole file as one snapshot, or nothing (ImportRefused) when any line has a
    problem."""
    size_problem = too_large(len(data))
    if size_problem:
        raise FileTooLarge(size_problem.message)
    preview = await preview_file(owner, data, file_format, mapping)
    parsed = preview.parsed
    if parsed.problems:
        raise ImportRefused(parsed.problems)
    kind = parsed.format.value if parsed.format else FileFormat.GENERIC.value
    origin = ImportOrigin(source, kind, taken_on, file_name, by, parsed.skipped_lines)
    return await import_snapshot(owner, parsed.deals, origin, content_hash_of_file(data))


# --- deals sent as data (the API's JSON) ------------------------------------------------

LARGEST_AMOUNT = Decimal(10) ** 13  # as for a file: amounts are below ten trillion


@dataclass(frozen=True)
class DealFields:
    """One deal as an integration sends it, its values already typed. `line` in a problem
    is the deal's position in the list, from 1."""

    name: str
    stage: str
    crm_id: str | None = None
    account: str = ""
    status: DealStatus | None = None  # None: from the stage, by the organisation's rules
    amount: Decimal | None = None  # may be negative (a credit), as in a file
    currency: str | None = None  # None: the organisation's currency
    close_date: date | None = None
    probability: int | None = None
    next_step: str = ""


async def rep_for_import(email: str) -> User:
    """The active rep with this email, for an import by someone else (the CLI, the API)."""
    wanted = normalise_email(email)
    if not wanted.isprintable():
        raise Invalid({"rep_email": "That is not an email address."})
    rep = await with_roles(User.filter(email=wanted)).first()
    if rep is None or not rep.is_active or not rep.has_role(Role.REP):
        raise Invalid({"rep_email": f"No active rep has the email {wanted}."})
    return rep


async def import_deals(
    owner: User,
    deals: Sequence[DealFields],
    *,
    taken_on: date,
    source: str,
    by: User | None = None,
) -> Imported:
    """Import deals sent as data as one snapshot, by the rules a file follows, or nothing
    (ImportRefused) when any deal has a problem. The same deals again (in any order) for
    the same day return the first snapshot."""
    records, problems = deal_records(deals, await pipeline_rules())
    if problems:
        raise ImportRefused(problems)
    origin = ImportOrigin(source, "json", taken_on, "", by)
    return await import_snapshot(owner, records, origin, content_hash_of_deals(records))


async def deals_of(imported: Imported) -> list[DealRecord]:
    """The deals of a snapshot just imported (or found already imported), for a summary."""
    return [deal.record() for deal in await imported.snapshot.deals.all()]


def deal_records(
    deals: Sequence[DealFields], rules: PipelineRules
) -> tuple[list[DealRecord], list[ImportProblem]]:
    records: list[DealRecord] = []
    problems: list[ImportProblem] = []
    first_of: dict[str, int] = {}
    for line, fields in enumerate(deals, start=1):
        record, found = _deal_record(line, fields, rules)
        if record is not None and record.key in first_of:
            column = "crm_id" if record.crm_id else "name"
            message = f"Duplicate deal: deal {first_of[record.key]} is the same deal."
            found.append(ImportProblem(line, column, message))
        if found:
            problems += found
        elif record is not None:
            first_of[record.key] = line
            records.append(record)
    return records, problems


def _deal_record(
    line: int, sent: DealFields, rules: PipelineRules
) -> tuple[DealRecord | None, list[ImportProblem]]:
    problems: list[ImportProblem] = []

    def text(column: str, value: str, limit: int, *, required: bool = False) -> str:
        cleaned = clean_text(value, multiline=column == "next_step")
        if required and not cleaned:
            problems.append(ImportProblem(line, column, "This is empty."))
        elif len(cleaned) > limit:
            problems.append(ImportProblem(line, column, f"Longer than {limit} characters."))
        return cleaned

    name = text("name", sent.name, NAME_LIMIT, required=True)
    stage = text("stage", sent.stage, STAGE_LIMIT, required=True)
    account = text("account", sent.account, ACCOUNT_LIMIT)
    crm_id = text("crm_id", sent.crm_id or "", CRM_ID_LIMIT) or None
    next_step = text("next_step", sent.next_step, NEXT_STEP_LIMIT)
    currency = currency_code(sent.currency) if sent.currency else rules.default_currency
    if currency is None:
        problems.append(ImportProblem(line, "currency", "Not a currency code like EUR."))
    amount = sent.amount
    in_range = amount is None or (
        amount.is_finite()
        and currency is not None
        and abs(to_minor(amount, currency)) < to_minor(LARGEST_AMOUNT, currency)
    )  # compared once rounded: 9999999999999.999 rounds up to the limit
    if not in_range:
        problems.append(ImportProblem(line, "amount", "Amounts are below 10,000,000,000,000."))
    if sent.close_date is not None and not plausible_date(sent.close_date):
        problems.append(ImportProblem(line, "close_date", f"Impossible date '{sent.close_date}'"))
    if sent.probability is not None and not 0 <= sent.probability <= 100:
        problems.append(ImportProblem(line, "probability", "Not between 0 and 100."))
    if problems or currency is None:
        return None, problems
    record = DealRecord(
        key=deal_key(crm_id, account, name),
        crm_id=crm_id,
        name=name,
        account=account,
        stage=stage,
        status=sent.status or rules.status_of_stage(stage),
        amount_minor=None if amount is None else to_minor(amount, currency),
        currency=currency,
        close_date=sent.close_date,
        probability=sent.probability,
        next_step=next_step,
    )
    return record, problems


# --- the upload between its preview and "Import" -------------------------------------


async def stash_upload(owner: User, file_name: str, data: bytes) -> PendingImport:
    """Keep an uploaded file for its preview; its token names it in the confirm form."""
    await PendingImport.filter(created_at__lt=now() - PENDING_FOR).delete()
    token = secrets.token_urlsafe(24)
    pending = await PendingImport.create(
        owner=owner, token=token, file_name=file_name[:200], data=data
    )
    kept = PendingImport.filter(owner_id=owner.id).order_by("-created_at", "-id")
    older = await kept.offset(PENDING_PER_PERSON).values_list("id", flat=True)
    if older:  # a person previews a few files at a time, not an unbounded pile
        await PendingImport.filter(id__in=list(older)).delete()
    return pending


async def load_upload(owner: User, token: str) -> PendingImport:
    found = await PendingImport.filter(owner_id=owner.id, token=token[:64]).first()
    if found is None or found.created_at < now() - PENDING_FOR:
        raise NotFound("That upload has expired. Choose the file again.")
    return found

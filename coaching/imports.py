"""Bringing a CRM export in: preview first, then all or nothing.

The web form, the command line and the API all come through `import_file` (or, for JSON
deals, `coaching.snapshots.import_snapshot`), so a file is judged by the same rules
whichever way it arrives."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from coaching.clock import now
from coaching.errors import Invalid, NotFound
from coaching.identity.models import User
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
from coaching.snapshots import Imported, ImportOrigin, content_hash_of_file, import_snapshot

PENDING_FOR = timedelta(days=1)


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


async def pipeline_rules() -> PipelineRules:
    """The organisation's stage vocabulary, with the defaults where it says nothing."""
    row = await PipelineSettings.first()
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
        raise ImportRefused([size_problem])
    preview = await preview_file(owner, data, file_format, mapping)
    parsed = preview.parsed
    if parsed.problems:
        raise ImportRefused(parsed.problems)
    kind = parsed.format.value if parsed.format else FileFormat.GENERIC.value
    origin = ImportOrigin(source, kind, taken_on, file_name, by, parsed.skipped_lines)
    return await import_snapshot(owner, parsed.deals, origin, content_hash_of_file(data))


# --- the upload between its preview and "Import" -------------------------------------


async def stash_upload(owner: User, file_name: str, data: bytes) -> str:
    """Keep an uploaded file for its preview; the token names it in the confirm form."""
    await PendingImport.filter(created_at__lt=now() - PENDING_FOR).delete()
    token = secrets.token_urlsafe(24)
    await PendingImport.create(owner=owner, token=token, file_name=file_name[:200], data=data)
    return token


async def load_upload(owner: User, token: str) -> PendingImport:
    found = await PendingImport.filter(owner_id=owner.id, token=token[:64]).first()
    if found is None or found.created_at < now() - PENDING_FOR:
        raise NotFound("That upload has expired. Choose the file again.")
    return found


async def drop_upload(owner: User, token: str) -> None:
    await PendingImport.filter(owner_id=owner.id, token=token[:64]).delete()

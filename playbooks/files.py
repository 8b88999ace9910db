"""Playbooks as Markdown files with a front-matter header, so a training team can keep
them in git: `tandem playbooks import` and `tandem playbooks export`, and the starter
library that a new install loads.

    ---
    title: Questions instead of verdicts
    summary: One sentence.
    audience: Managers who coach reps
    topics: [questions, trust]
    signals: [stage-unchanged]
    prompts:
      - A question for the manager?
    ---
    The text, in Markdown.

A file is matched to a playbook by its slug (the `slug` key, else the file name). Files
are all checked before anything is written, and then written in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import frontmatter
import yaml

from coaching.db import transaction
from coaching.errors import Invalid
from playbooks import library
from playbooks.models import Playbook

STARTER = Path(__file__).resolve().parent / "starter"
MAX_FILE_BYTES = 256 * 1024
MAX_FILES = 500
KEYS = ("slug", "title", "summary", "audience", "topics", "signals", "prompts")
LIST_KEYS = {"topics": " ", "signals": " ", "prompts": "\n"}
STARTER_SOURCE = "Tandem starter library"


@dataclass(frozen=True)
class PlaybookFile:
    path: Path
    slug: str
    form: dict[str, str]
    draft: library.Draft


@dataclass
class ImportResult:
    created: int = 0
    new_versions: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "created": self.created,
            "new_versions": self.new_versions,
            "unchanged": self.unchanged,
        }


def markdown_files(paths: list[Path]) -> list[Path]:
    """The .md files named, and those directly in the folders named, in a stable order."""
    found: list[Path] = []
    for path in paths:
        found.extend(sorted(path.glob("*.md")) if path.is_dir() else [path])
    return found


def read_file(path: Path) -> PlaybookFile:
    """One file, checked; Invalid says what is wrong with it."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise Invalid(f"larger than {MAX_FILE_BYTES // 1024} KB")
        # parse, not loads: a Post takes the header as keyword arguments, so a key that
        # is not text (`1: x`) or is named `content` or `handler` would raise TypeError.
        metadata, body = frontmatter.parse(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise Invalid(f"can't be read ({exc.__class__.__name__}: {exc})") from exc
    except yaml.YAMLError as exc:
        raise Invalid(f"its header is not valid YAML ({_first_line(exc)})") from exc
    unknown = sorted(set(metadata) - set(KEYS), key=str)
    if unknown:
        raise Invalid(f"unknown header key {unknown[0]!r} (known: {', '.join(KEYS)})")
    form = {key: _as_text(key, metadata.get(key)) for key in KEYS}
    form["body"] = body
    slug = library.slug_of(form.pop("slug") or path.stem)
    return PlaybookFile(path, slug, form, library.parse_draft(form))


def _as_text(key: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list) and key in LIST_KEYS:
        return LIST_KEYS[key].join(str(item) for item in value)
    if isinstance(value, (list, dict)):
        raise Invalid(f"{key} must be text, not a list")
    return str(value)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__


def read_files(paths: list[Path]) -> tuple[list[PlaybookFile], list[str]]:
    files = markdown_files(paths)
    if len(files) > MAX_FILES:
        return [], [f"At most {MAX_FILES} files at once ({len(files)} given)."]
    read: list[PlaybookFile] = []
    errors: list[str] = []
    for path in files:
        try:
            read.append(read_file(path))
        except Invalid as exc:
            details = "; ".join(exc.errors.values())
            errors.append(f"{path}: {details}")
    slugs = [f.slug for f in read]
    errors.extend(
        f"{f.path}: another file is also {f.slug!r}" for f in read if slugs.count(f.slug) > 1
    )
    return read, errors


async def import_files(paths: list[Path], *, publish: bool, source: str = "") -> ImportResult:
    """Create or update a playbook per file; nothing is written if any file is wrong."""
    read, errors = read_files(paths)
    if errors:
        return ImportResult(errors=errors)
    result = ImportResult()
    async with transaction("Another import changed these playbooks at the same moment."):
        for playbook_file in read:
            await _import_one(playbook_file, publish, source, result)
    return result


async def _import_one(
    playbook_file: PlaybookFile, publish: bool, source: str, result: ImportResult
) -> None:
    draft = playbook_file.draft
    playbook = await Playbook.get_or_none(slug=playbook_file.slug).select_related("current")
    if playbook is None:
        playbook = await library.write_playbook(None, playbook_file.form, slug=playbook_file.slug)
        result.created += 1
        if publish:
            await library.publish_playbook(None, playbook.id, by_name=source)
        return
    current_hash = playbook.current.content_hash if playbook.current else ""
    draft_same = playbook.draft_hash == draft.content_hash
    # Publishing, a file that is the published text changes nothing managers read, even
    # when the draft was edited since: the draft goes back to it, and no version is made
    # (publish_playbook would refuse "nothing has changed" and undo the whole import).
    changed = current_hash != draft.content_hash if publish else not draft_same
    if not draft_same:
        await library.save_draft(playbook.id, draft)
    if not changed:
        result.unchanged += 1
        return
    if publish:
        await library.publish_playbook(None, playbook.id, by_name=source)
    result.new_versions += 1


def as_file(playbook: Playbook) -> str:
    """A playbook's draft as a file that `read_file` reads back to the same content."""
    metadata: dict[str, Any] = {"slug": playbook.slug, "title": playbook.title}
    metadata.update(
        summary=playbook.summary,
        audience=playbook.audience,
        topics=playbook.topics.split(),
        signals=playbook.signals.split(),
        prompts=[line for line in playbook.prompts.splitlines() if line.strip()],
    )
    post = frontmatter.Post(playbook.body, **metadata)
    return str(frontmatter.dumps(post, sort_keys=False, allow_unicode=True)) + "\n"


async def all_as_files() -> list[tuple[str, str]]:
    """Every playbook (its draft, which is also its latest text) as (file name, text)."""
    return [(f"{p.slug}.md", as_file(p)) for p in await Playbook.all().order_by("slug")]


def write_files(directory: Path, files: list[tuple[str, str]]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files:
        (directory / name).write_text(text, encoding="utf-8")


async def load_starter_library() -> int:
    """Publish the starter playbooks into a library that has never had any."""
    if await Playbook.exists():
        return 0
    result = await import_files([STARTER], publish=True, source=STARTER_SOURCE)
    if result.errors:  # shipped files: a broken one is a bug in this release
        raise RuntimeError("; ".join(result.errors))
    return result.created

"""Writing, versioning, publishing and finding manager playbooks.

Trainers edit a draft; publishing turns the draft into the next numbered version, which
is what managers read. Nothing here updates a version: `playbook_versions` refuses it.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass

from tortoise.expressions import Q, Subquery

from coaching.clock import now
from coaching.compiled import Shape
from coaching.db import lock, transaction
from coaching.errors import Invalid, NotFound
from coaching.models import User
from coaching.pipeline.signals import SignalId
from coaching.policy import Action, can, require
from coaching.policy.reveal import reveal, reveal_one
from coaching.text import clean_line, clean_text, optional_text, render_required_markdown
from playbooks import search
from playbooks.models import Playbook, PlaybookRead, PlaybookStatus, PlaybookTopic, PlaybookVersion
from playbooks.policy import POLICY as _POLICY  # noqa: F401  (registers the playbook policy)

MAX_BODY = 100_000
MAX_TOPICS = 6
MAX_PROMPTS = 6
WORDS_PER_MINUTE = 200
PER_PAGE = 20
SIGNAL_IDS = frozenset(signal.value for signal in SignalId)
_TOPIC = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
# The fields a trainer edits, in the order files and hashes list them.
CONTENT_FIELDS = ("title", "summary", "audience", "topics", "signals", "prompts", "body")


@dataclass(frozen=True)
class Draft:
    """A checked draft: every content field, plus the rendered body."""

    title: str
    summary: str
    audience: str
    topics: str
    signals: str
    prompts: str
    body: str
    body_html: str

    def fields(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in (*CONTENT_FIELDS, "body_html")}

    @property
    def content_hash(self) -> str:
        return content_hash({name: getattr(self, name) for name in CONTENT_FIELDS})

    @property
    def reading_minutes(self) -> int:
        return reading_minutes(self.body)


def content_hash(content: dict[str, str]) -> str:
    text = json.dumps([content.get(name, "") for name in CONTENT_FIELDS])
    return hashlib.sha256(text.encode()).hexdigest()


def reading_minutes(body: str) -> int:
    return max(1, round(len(body.split()) / WORDS_PER_MINUTE))


def parse_draft(form: dict[str, str]) -> Draft:
    """Check a playbook form (or file); Invalid names every field that is wrong."""
    errors: dict[str, str] = {}
    title = clean_line(
        form.get("title"), field="title", label="Title", max_length=160, errors=errors
    )
    summary = clean_line(
        form.get("summary"), field="summary", label="Summary", max_length=300, errors=errors,
        required=False,
    )  # fmt: skip
    audience = clean_line(
        form.get("audience"), field="audience", label="Audience", max_length=120,
        errors=errors, required=False,
    )  # fmt: skip
    body = clean_text(
        form.get("body"), field="body", label="Playbook text", max_length=MAX_BODY, errors=errors
    )
    body_html = render_required_markdown(body, field="body", label="Playbook text", errors=errors)
    topics = _topics(form.get("topics", ""), errors)
    signals = _signals(form.get("signals", ""), errors)
    prompts = _prompts(form.get("prompts", ""), errors)
    if errors:
        raise Invalid(errors)
    return Draft(title, summary, audience, topics, signals, prompts, body, body_html)


def _topics(raw: str, errors: dict[str, str]) -> str:
    """Topic tags such as "pipeline questions": lower case, digits and hyphens."""
    chosen = [part.strip().lower() for part in re.split(r"[,\s]+", raw or "") if part.strip()]
    bad = [part for part in chosen if not _TOPIC.match(part)]
    if bad:
        errors["topics"] = (
            f"Topic {bad[0]!r} can't be used: topics are single words in lower case, "
            "digits and hyphens (such as new-reps), at most 40 characters."
        )
    elif len(set(chosen)) > MAX_TOPICS:
        errors["topics"] = f"At most {MAX_TOPICS} topics (there are {len(set(chosen))})."
    return " ".join(dict.fromkeys(chosen))


def _signals(raw: str, errors: dict[str, str]) -> str:
    """Snapshot signal ids the playbook helps with ("close-date-passed no-next-step")."""
    chosen = [part for part in re.split(r"[,\s]+", raw or "") if part]
    unknown = [part for part in chosen if part not in SIGNAL_IDS]
    if unknown:
        errors["signals"] = (
            f"Unknown signal {unknown[0]!r}. Known signals: {', '.join(sorted(SIGNAL_IDS))}."
        )
    return " ".join(dict.fromkeys(chosen))


def _prompts(raw: str, errors: dict[str, str]) -> str:
    text = clean_text(
        raw,
        field="prompts",
        label="Reflection prompts",
        max_length=2000,
        errors=errors,
        required=False,
    )
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    if len(lines) > MAX_PROMPTS:
        errors["prompts"] = f"At most {MAX_PROMPTS} reflection prompts (there are {len(lines)})."
    elif any(len(line) > 300 for line in lines):
        errors["prompts"] = "Each reflection prompt must be at most 300 characters."
    return "\n".join(lines)


def slug_of(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_title.lower())
    return "-".join(words)[:80].strip("-") or "playbook"


async def _free_slug(wanted: str) -> str:
    taken = set(await Playbook.filter(slug__startswith=wanted).values_list("slug", flat=True))
    if wanted not in taken:
        return wanted
    return next(f"{wanted}-{n}" for n in range(2, len(taken) + 3) if f"{wanted}-{n}" not in taken)


async def write_playbook(actor: User | None, form: dict[str, str], slug: str = "") -> Playbook:
    """A new draft. `actor` None is the starter library, loaded with no one signed in."""
    if actor is not None:
        await require(actor, Action.CREATE, "playbook")
    draft = parse_draft(form)
    async with transaction("A playbook with that name was just created. Try again."):
        playbook = Playbook(
            author=actor,
            slug=await _free_slug(slug or slug_of(draft.title)),
            draft_hash=draft.content_hash,
            **draft.fields(),
        )
        await playbook.save()
        return playbook


async def get_playbook(actor: User, playbook_id: int) -> Playbook:
    query = Playbook.filter(id=playbook_id).select_related("author", "current")
    return await reveal_one(actor, query, "No such playbook.")


async def edit_playbook(actor: User, playbook_id: int, form: dict[str, str]) -> Playbook:
    """Change the draft; what managers read stays as published."""
    playbook = await get_playbook(actor, playbook_id)
    await require(actor, Action.WRITE, playbook)
    await save_draft(playbook.id, parse_draft(form))
    return await get_playbook(actor, playbook_id)


async def save_draft(playbook_id: int, draft: Draft) -> None:
    await Playbook.filter(id=playbook_id).update(draft_hash=draft.content_hash, **draft.fields())


def has_unpublished_changes(playbook: Playbook) -> bool:
    return playbook.current is None or playbook.current.content_hash != playbook.draft_hash


async def publish_playbook(
    actor: User | None, playbook_id: int, change_note: str = "", by_name: str = ""
) -> PlaybookVersion:
    """Publish the draft as the next version (the first one is number 1). Without an
    actor (files imported by an operator), `by_name` says where it came from."""
    note = _change_note(change_note)
    async with transaction("Someone published this playbook at the same moment. Reload it."):
        playbook = await lock(Playbook.filter(id=playbook_id).select_related("current")).first()
        if playbook is None:
            raise NotFound("No such playbook.")
        if actor is not None:
            await require(actor, Action.PUBLISH, playbook)
        if not has_unpublished_changes(playbook):
            raise Invalid(
                f"Nothing has changed since version {playbook.current.number}: "  # type: ignore[union-attr]
                "edit the draft first."
            )
        version = await _new_version(actor, playbook, note, by_name or "Imported from files")
        await _make_current(playbook, version)
    return version


def _change_note(raw: str) -> str:
    note = optional_text(raw, field="change_note", label="Change note", max_length=300)
    return " ".join(note.split())


async def _new_version(
    actor: User | None, playbook: Playbook, note: str, by_name: str
) -> PlaybookVersion:
    number = playbook.current.number + 1 if playbook.current else 1
    content = {name: getattr(playbook, name) for name in CONTENT_FIELDS}
    return await PlaybookVersion.create(
        playbook=playbook,
        number=number,
        body_html=playbook.body_html,
        reading_minutes=reading_minutes(playbook.body),
        change_note=note or ("First version." if number == 1 else ""),
        content_hash=content_hash(content),
        published_by_id=actor.id if actor else None,
        published_by_name=actor.name if actor else by_name,
        published_at=now(),
        **content,
    )


async def _make_current(playbook: Playbook, version: PlaybookVersion) -> None:
    archived = playbook.status == PlaybookStatus.ARCHIVED  # stays archived till restored
    await Playbook.filter(id=playbook.id).update(
        current_id=version.id,
        status=PlaybookStatus.ARCHIVED if archived else PlaybookStatus.PUBLISHED,
        published_at=version.published_at,
        draft_hash=version.content_hash,
    )
    await PlaybookTopic.filter(playbook_id=playbook.id).delete()
    await PlaybookTopic.bulk_create(
        [PlaybookTopic(playbook_id=playbook.id, topic=topic) for topic in version.topic_list]
    )
    if not archived:
        await search.put(
            playbook.id, version.title, version.summary, version.topics, version.body_html
        )


async def archive_playbook(actor: User, playbook_id: int) -> Playbook:
    """Out of the library and search; its versions and readers' notes stay."""
    playbook = await get_playbook(actor, playbook_id)
    await require(actor, Action.MANAGE, playbook)
    async with transaction():
        await Playbook.filter(id=playbook.id).update(status=PlaybookStatus.ARCHIVED)
        await search.remove(playbook.id)
    return playbook


async def restore_playbook(actor: User, playbook_id: int) -> Playbook:
    playbook = await get_playbook(actor, playbook_id)
    await require(actor, Action.MANAGE, playbook)
    version = playbook.current
    async with transaction():
        status = PlaybookStatus.PUBLISHED if version else PlaybookStatus.DRAFT
        await Playbook.filter(id=playbook.id).update(status=status)
        if version is not None:
            await search.put(
                playbook.id, version.title, version.summary, version.topics, version.body_html
            )
    return playbook


async def versions_of(actor: User, playbook_id: int) -> tuple[Playbook, list[PlaybookVersion]]:
    playbook = await get_playbook(actor, playbook_id)
    await require(actor, Action.WRITE, playbook)
    return playbook, await PlaybookVersion.filter(playbook_id=playbook.id).order_by("-number")


async def version_pair(
    actor: User, playbook_id: int, old: int, new: int
) -> tuple[Playbook, PlaybookVersion, PlaybookVersion]:
    """Two versions by number; `new` 0 is the latest, `old` 0 the one before `new`."""
    playbook, versions = await versions_of(actor, playbook_id)
    by_number = {version.number: version for version in versions}
    new = new or max(by_number, default=0)
    old = old or max(new - 1, 1)
    if old not in by_number or new not in by_number:
        raise NotFound("This playbook has no such version.")
    return playbook, by_number[old], by_number[new]


@dataclass(frozen=True)
class LibraryPage:
    playbooks: list[Playbook]
    total: int
    page: int
    pages: int
    hits: dict[int, search.Hit]  # by playbook id, when searching
    searched: bool = False  # the query had words to look for


async def library_page(
    actor: User, *, query: str = "", topic: str = "", page: int = 1, shelf: str = "library"
) -> LibraryPage:
    """The published playbooks (by topic, or the best matches for a search); a trainer's
    `shelf` may also be "drafts" or "archived"."""
    page = max(1, page)
    offset = (page - 1) * PER_PAGE
    if query.strip() and shelf == "library":
        return await _search_page(actor, query, page, offset)
    found = Playbook.filter(status=_SHELVES.get(shelf, PlaybookStatus.PUBLISHED))
    if topic:
        found = found.filter(
            id__in=Subquery(PlaybookTopic.filter(topic=topic).values("playbook_id"))
        )
    total = await found.count()
    ordered = found.order_by("-published_at", "-updated_at", "-id").offset(offset).limit(PER_PAGE)
    rows = await reveal(actor, ordered.select_related("author", "current"))
    return LibraryPage(rows, total, page, _pages(total), {})


_SHELVES = {
    "library": PlaybookStatus.PUBLISHED,
    "drafts": PlaybookStatus.DRAFT,
    "archived": PlaybookStatus.ARCHIVED,
}


async def _search_page(actor: User, query: str, page: int, offset: int) -> LibraryPage:
    hits, total = await search.find(query, PER_PAGE, offset)
    by_id = {hit.playbook_id: hit for hit in hits}
    found = Playbook.filter(id__in=list(by_id), status=PlaybookStatus.PUBLISHED)
    rows = await reveal(actor, found.select_related("author", "current"))
    rank = {hit.playbook_id: i for i, hit in enumerate(hits)}
    rows.sort(key=lambda playbook: rank[playbook.id])
    return LibraryPage(rows, total, page, _pages(total), by_id, bool(search.terms_of(query)))


def _pages(total: int) -> int:
    return max(1, -(-total // PER_PAGE))


async def topics_in_use() -> list[tuple[str, int]]:
    """Each topic of a published playbook, with how many playbooks carry it."""
    rows = await PlaybookTopic.filter(playbook__status=PlaybookStatus.PUBLISHED).values_list(
        "topic", flat=True
    )
    counts: dict[str, int] = {}
    for topic in rows:
        counts[str(topic)] = counts.get(str(topic), 0) + 1
    return sorted(counts.items())


TAGGED = Shape(
    lambda: (
        Playbook.filter(status=PlaybookStatus.PUBLISHED)
        .exclude(current__signals="")
        .select_related("current")
        .order_by("title")
    )
)


async def for_signals(actor: User, signal_ids: set[str]) -> dict[str, list[Playbook]]:
    """Published playbooks whose current version serves each of these snapshot signals."""
    if not signal_ids:
        return {}
    found: dict[str, list[Playbook]] = {}
    for playbook in await reveal(actor, TAGGED):
        for signal in playbook.current.signals.split():  # type: ignore[union-attr]
            if signal in signal_ids:
                found.setdefault(signal, []).append(playbook)
    return found


UNREAD = Shape(
    lambda reader_id, limit: (
        Playbook.filter(status=PlaybookStatus.PUBLISHED)
        .filter(Q(author_id__isnull=True) | Q(author_id__not=reader_id))  # starters have none
        .exclude(id__in=Subquery(PlaybookRead.filter(reader_id=reader_id).values("playbook_id")))
        .order_by("-published_at", "-id")
        .limit(limit)
    )
)
DRAFTS = Shape(
    lambda limit: (
        Playbook.filter(status=PlaybookStatus.DRAFT).order_by("-updated_at", "-id").limit(limit)
    )
)


async def list_unread(actor: User, limit: int = 5) -> list[Playbook]:
    """Published playbooks the actor has still to read (never their own), newest first."""
    return await UNREAD.all(actor.id, limit)


async def list_drafts(actor: User, limit: int = 5) -> list[Playbook]:
    if not can(actor, Action.CREATE, "playbook"):
        return []
    return await DRAFTS.all(limit)

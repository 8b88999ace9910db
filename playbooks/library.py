"""Writing, publishing and reading manager playbooks."""

from __future__ import annotations

from tortoise.expressions import Subquery

from coaching.clock import now
from coaching.compiled import Shape
from coaching.db import transaction
from coaching.errors import Conflict, Invalid
from coaching.models import User
from coaching.pipeline.signals import SignalId
from coaching.policy import Action, can, require
from coaching.policy.reveal import reveal, reveal_one
from coaching.text import clean_line, clean_text, render_required_markdown
from playbooks.models import Playbook, PlaybookRead, PlaybookStatus
from playbooks.policy import POLICY as _POLICY  # noqa: F401  (registers the playbook policy)

MAX_BODY = 100_000
SIGNAL_IDS = frozenset(signal.value for signal in SignalId)


def _parse(form: dict[str, str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    title = clean_line(
        form.get("title"), field="title", label="Title", max_length=160, errors=errors
    )
    summary = clean_text(
        form.get("summary"),
        field="summary",
        label="Summary",
        max_length=300,
        errors=errors,
        required=False,
    )
    body = clean_text(
        form.get("body"), field="body", label="Playbook text", max_length=MAX_BODY, errors=errors
    )
    body_html = render_required_markdown(body, field="body", label="Playbook text", errors=errors)
    signals = _signals(form.get("signals", ""), errors)
    if errors:
        raise Invalid(errors)
    summary = " ".join(summary.split())
    return {
        "title": title,
        "summary": summary,
        "body": body,
        "body_html": body_html,
        "signals": signals,
    }


def _signals(raw: str, errors: dict[str, str]) -> str:
    """Snapshot signal ids the playbook helps with ("close-date-passed no-next-step")."""
    chosen = [part for part in raw.replace(",", " ").split() if part]
    unknown = [part for part in chosen if part not in SIGNAL_IDS]
    if unknown:
        errors["signals"] = (
            f"Unknown signal {unknown[0]!r}. Known signals: {', '.join(sorted(SIGNAL_IDS))}."
        )
    return " ".join(dict.fromkeys(chosen))


TAGGED = Shape(
    lambda: Playbook.filter(status=PlaybookStatus.PUBLISHED).exclude(signals="").order_by("title")
)


async def for_signals(actor: User, signal_ids: set[str]) -> dict[str, list[Playbook]]:
    """Published playbooks tagged with each of these snapshot signals (one query)."""
    if not signal_ids:
        return {}
    found: dict[str, list[Playbook]] = {}
    for playbook in await reveal(actor, TAGGED):
        for signal in playbook.signals.split():
            if signal in signal_ids:
                found.setdefault(signal, []).append(playbook)
    return found


async def write_playbook(actor: User, form: dict[str, str]) -> Playbook:
    await require(actor, Action.CREATE, "playbook")
    parsed = _parse(form)
    return await Playbook.create(
        author=actor,
        title=parsed["title"],
        summary=parsed["summary"],
        body=parsed["body"],
        body_html=parsed["body_html"],
        signals=parsed["signals"],
    )


async def get_playbook(actor: User, playbook_id: int) -> Playbook:
    query = Playbook.filter(id=playbook_id).select_related("author")
    return await reveal_one(actor, query, "No such playbook.")


async def edit_playbook(actor: User, playbook_id: int, form: dict[str, str]) -> Playbook:
    playbook = await get_playbook(actor, playbook_id)
    await require(actor, Action.WRITE, playbook)
    playbook.update_from_dict(_parse(form))
    await playbook.save()
    return playbook


async def publish_playbook(actor: User, playbook_id: int) -> Playbook:
    playbook = await get_playbook(actor, playbook_id)
    await require(actor, Action.PUBLISH, playbook)
    playbook.status = PlaybookStatus.PUBLISHED
    playbook.published_at = now()
    await playbook.save(update_fields=["status", "published_at", "updated_at"])
    return playbook


async def list_playbooks(actor: User) -> list[Playbook]:
    """Published playbooks for everyone, plus drafts for trainers."""
    found = Playbook.all().select_related("author")
    return await reveal(actor, found.order_by("status", "-published_at", "-updated_at"))


async def read_ids(actor: User) -> set[int]:
    rows = await PlaybookRead.filter(reader_id=actor.id).values_list("playbook_id", flat=True)
    return set(rows)  # type: ignore[arg-type]


async def mark_read(actor: User, playbook_id: int) -> Playbook:
    playbook = await get_playbook(actor, playbook_id)
    try:
        async with transaction():
            await PlaybookRead.get_or_create(playbook=playbook, reader=actor)
    except Conflict:
        pass  # a double submit already recorded it
    return playbook


def is_to_read(actor: User, playbook: Playbook, read: set[int]) -> bool:
    """Published, not yet marked read, and not the actor's own: a writer has read theirs."""
    return playbook.is_published and playbook.author_id != actor.id and playbook.id not in read


UNREAD = Shape(
    lambda reader_id, limit: (
        Playbook.filter(status=PlaybookStatus.PUBLISHED)
        .exclude(author_id=reader_id)
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

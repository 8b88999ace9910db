"""Writing, publishing and reading manager playbooks."""

from __future__ import annotations

from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from coaching import privacy
from coaching.errors import Invalid, NotFound, PermissionDenied
from coaching.models import User
from coaching.people import now
from coaching.privacy import Action
from coaching.text import clean_line, clean_text, render_required_markdown
from playbooks.models import Playbook, PlaybookRead, PlaybookStatus

MAX_BODY = 100_000


@privacy.rule(Playbook)
async def _playbook_rule(actor: User, action: Action, playbook: Any) -> bool:
    return await privacy.playbook_rule(actor, action, published=playbook.is_published)


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
    if errors:
        raise Invalid(errors)
    summary = " ".join(summary.split())
    return {"title": title, "summary": summary, "body": body, "body_html": body_html}


async def write_playbook(actor: User, form: dict[str, str]) -> Playbook:
    if not privacy.may_author_playbooks(actor):
        raise PermissionDenied("Only trainers write playbooks.")
    parsed = _parse(form)
    return await Playbook.create(
        author=actor,
        title=parsed["title"],
        summary=parsed["summary"],
        body=parsed["body"],
        body_html=parsed["body_html"],
    )


async def get_playbook(actor: User, playbook_id: int) -> Playbook:
    playbook = await Playbook.get_or_none(id=playbook_id).select_related("author")
    if playbook is None or not await privacy.may(actor, Action.READ, playbook):
        raise NotFound("No such playbook.")
    return playbook


async def edit_playbook(actor: User, playbook_id: int, form: dict[str, str]) -> Playbook:
    playbook = await get_playbook(actor, playbook_id)
    await privacy.require(actor, Action.WRITE, playbook)
    playbook.update_from_dict(_parse(form))
    await playbook.save()
    return playbook


async def publish_playbook(actor: User, playbook_id: int) -> Playbook:
    playbook = await get_playbook(actor, playbook_id)
    await privacy.require(actor, Action.PUBLISH, playbook)
    playbook.status = PlaybookStatus.PUBLISHED
    playbook.published_at = now()
    await playbook.save(update_fields=["status", "published_at", "updated_at"])
    return playbook


async def list_playbooks(actor: User) -> list[Playbook]:
    """Published playbooks for everyone, plus drafts for trainers."""
    found = Playbook.all().select_related("author")
    if not privacy.may_author_playbooks(actor):
        found = found.filter(status=PlaybookStatus.PUBLISHED)
    return await found.order_by("status", "-published_at", "-updated_at")


async def read_ids(actor: User) -> set[int]:
    rows = await PlaybookRead.filter(reader_id=actor.id).values_list("playbook_id", flat=True)
    return set(rows)  # type: ignore[arg-type]


async def mark_read(actor: User, playbook_id: int) -> Playbook:
    playbook = await get_playbook(actor, playbook_id)
    try:
        async with in_transaction():
            await PlaybookRead.get_or_create(playbook=playbook, reader=actor)
    except IntegrityError:
        pass  # a double submit already recorded it
    return playbook


def is_to_read(actor: User, playbook: Playbook, read: set[int]) -> bool:
    """Published, not yet marked read, and not the actor's own: a writer has read theirs."""
    return (
        playbook.is_published
        and playbook.author_id != actor.id  # type: ignore[attr-defined]
        and playbook.id not in read
    )


async def list_unread(actor: User, limit: int = 5) -> list[Playbook]:
    """Published playbooks the actor has still to read (never their own)."""
    read = PlaybookRead.filter(reader_id=actor.id).values_list("playbook_id", flat=True)
    return (
        await Playbook.filter(status=PlaybookStatus.PUBLISHED)
        .exclude(id__in=await read)
        .exclude(author_id=actor.id)
        .select_related("author")
        .limit(limit)
    )


async def list_drafts(actor: User, limit: int = 5) -> list[Playbook]:
    if not privacy.may_author_playbooks(actor):
        return []
    drafts = Playbook.filter(status=PlaybookStatus.DRAFT).order_by("-updated_at")
    return await drafts.limit(limit)

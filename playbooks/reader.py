"""What a manager keeps of a playbook: read (and which version), a bookmark, a private
reflection and a usefulness rating.

Each row is keyed by its reader and only ever loaded for that reader. Trainers learn how a
playbook is received only as counts, and only once at least the organisation's anonymity
threshold of managers are counted: never who.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.expressions import Subquery

from coaching.db import transaction
from coaching.errors import Conflict, Invalid
from coaching.models import User
from coaching.policy import Action, require
from coaching.text import optional_text
from playbooks.library import get_playbook
from playbooks.models import Playbook, PlaybookNote, PlaybookRead, PlaybookStatus

MAX_REFLECTION = 5000
RATINGS = {
    1: "Not useful",
    2: "A little useful",
    3: "Useful",
    4: "Very useful",
    5: "Changed how I coach",
}
MIN_THRESHOLD = 3  # the least the anonymity threshold may be set to


@dataclass(frozen=True)
class ReaderState:
    read_version: int | None = None
    bookmarked: bool = False
    rating: int | None = None
    reflection: str = ""

    def is_new(self, playbook: Playbook) -> bool:
        return playbook.current is not None and self.read_version is None

    def is_updated(self, playbook: Playbook) -> bool:
        """Read before, and a newer version has been published since."""
        current = playbook.current
        return (
            current is not None
            and self.read_version is not None
            and (self.read_version < current.number)
        )


async def states(actor: User, playbook_ids: list[int]) -> dict[int, ReaderState]:
    """The actor's own state for each of these playbooks (two queries, whatever the count)."""
    if not playbook_ids:
        return {}
    reads = dict(
        await PlaybookRead.filter(reader_id=actor.id, playbook_id__in=playbook_ids).values_list(
            "playbook_id", "version"
        )
    )
    notes = {
        note.playbook_id: note
        for note in await PlaybookNote.filter(reader_id=actor.id, playbook_id__in=playbook_ids)
    }
    return {
        pid: ReaderState(
            read_version=reads.get(pid),
            bookmarked=bool(notes[pid].bookmarked) if pid in notes else False,
            rating=notes[pid].rating if pid in notes else None,
            reflection=notes[pid].reflection if pid in notes else "",
        )
        for pid in playbook_ids
    }


async def mark_read(actor: User, playbook_id: int) -> Playbook:
    """Record that the actor read the current version (again, after an update)."""
    playbook = await _readable(actor, playbook_id)
    number = playbook.current.number  # type: ignore[union-attr]
    try:
        async with transaction():
            updated = await PlaybookRead.filter(reader_id=actor.id, playbook_id=playbook.id).update(
                version=number
            )
            if not updated:
                await PlaybookRead.create(playbook=playbook, reader=actor, version=number)
    except Conflict:
        pass  # a double submit already recorded it
    return playbook


async def _readable(actor: User, playbook_id: int) -> Playbook:
    playbook = await get_playbook(actor, playbook_id)
    await require(actor, Action.LEARN, "playbook")
    if playbook.current is None:
        raise Invalid("This playbook isn't published yet.")
    return playbook


async def _save_note(actor: User, playbook: Playbook, **changes: object) -> None:
    try:
        async with transaction():
            updated = await PlaybookNote.filter(reader_id=actor.id, playbook_id=playbook.id).update(
                **changes
            )
            if not updated:
                await PlaybookNote(playbook=playbook, reader=actor, **changes).save()
    except Conflict:  # created by a parallel request: change that one
        await PlaybookNote.filter(reader_id=actor.id, playbook_id=playbook.id).update(**changes)


async def set_bookmark(actor: User, playbook_id: int, on: bool) -> Playbook:
    playbook = await _readable(actor, playbook_id)
    await _save_note(actor, playbook, bookmarked=on)
    return playbook


async def save_reflection(actor: User, playbook_id: int, text: str) -> Playbook:
    reflection = optional_text(
        text, field="reflection", label="Your reflection", max_length=MAX_REFLECTION
    )
    playbook = await _readable(actor, playbook_id)
    await _save_note(actor, playbook, reflection=reflection)
    return playbook


async def rate(actor: User, playbook_id: int, raw: str) -> Playbook:
    try:
        rating = int(raw)
    except (TypeError, ValueError):
        rating = 0
    if rating not in RATINGS:
        raise Invalid({"rating": "Choose how useful it was, from 1 to 5."})
    playbook = await _readable(actor, playbook_id)
    await _save_note(actor, playbook, rating=rating)
    return playbook


async def bookmarked(actor: User) -> list[Playbook]:
    """The actor's bookmarked playbooks that are still in the library (one query)."""
    marked = PlaybookNote.filter(reader_id=actor.id, bookmarked=True).values("playbook_id")
    found = Playbook.filter(id__in=Subquery(marked), status=PlaybookStatus.PUBLISHED)
    return await found.select_related("current").order_by("title")


@dataclass(frozen=True)
class Reception:
    """How managers received a playbook: counts only, each shown only when it counts at
    least `threshold` managers (a smaller count could point at someone)."""

    threshold: int
    readers: int | None  # None: fewer than the threshold, so not shown
    read_latest: int | None
    ratings: int | None
    average: float | None

    @property
    def shown(self) -> bool:
        return self.readers is not None


def anonymity_threshold(configured: int) -> int:
    return max(MIN_THRESHOLD, configured)


async def reception(actor: User, playbook_id: int, threshold: int) -> Reception:
    playbook = await get_playbook(actor, playbook_id)
    await require(actor, Action.WRITE, playbook)
    threshold = anonymity_threshold(threshold)
    # The author's own reading and rating would let them fill a place and subtract it.
    reads = PlaybookRead.filter(playbook_id=playbook.id).exclude(reader_id=playbook.author_id or 0)
    versions = await reads.values_list("version", flat=True)
    rating_rows = PlaybookNote.filter(playbook_id=playbook.id, rating__isnull=False)
    ratings = await rating_rows.exclude(reader_id=playbook.author_id or 0).values_list(
        "rating", flat=True
    )
    latest = playbook.current.number if playbook.current else 0
    rated = [int(str(r)) for r in ratings]
    shown_ratings = len(rated) >= threshold

    def counted(n: int) -> int | None:
        return n if n >= threshold else None

    return Reception(
        threshold=threshold,
        readers=counted(len(versions)),
        read_latest=counted(sum(1 for v in versions if v == latest)),
        ratings=counted(len(rated)),
        average=round(sum(rated) / len(rated), 1) if shown_ratings else None,
    )

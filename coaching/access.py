"""The append-only access log: every read of a rep's data by someone else leaves a line."""

from __future__ import annotations

from collections.abc import Iterable

from coaching.errors import Invalid
from coaching.models import AccessEvent, User

PAGE_SIZE = 50


async def record_reads(actor: User, subject_id: int, object_type: str, ids: Iterable[int]) -> None:
    """Write one event per object read, unless the reader is the rep themself."""
    if actor.id == subject_id:
        return
    events = [
        AccessEvent(actor_id=actor.id, subject_id=subject_id, object_type=object_type, object_id=i)
        for i in ids
    ]
    if events:
        await AccessEvent.bulk_create(events)


async def record_read(actor: User, subject_id: int, object_type: str, object_id: int) -> None:
    await record_reads(actor, subject_id, object_type, [object_id])


async def list_reads_of_my_data(me: User, page: int = 1) -> tuple[list[AccessEvent], bool]:
    """The rep's own view of who looked at their things, newest first; (events, has_more)."""
    if page < 1:
        raise Invalid({"page": "Page numbers start at 1."})
    offset = (page - 1) * PAGE_SIZE
    rows = (
        await AccessEvent.filter(subject_id=me.id)
        .select_related("actor")
        .offset(offset)
        .limit(PAGE_SIZE + 1)
    )
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE

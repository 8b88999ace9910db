"""The append-only access log: every read of a rep's things by someone else leaves a line.

Lines are only ever inserted (the database refuses UPDATE and DELETE on the table). The
reader is copied as they were (name, email) and the item gets a label, so the rep's view
stays true when the reader renames themselves, their account goes, or the item changes.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.functions import Count, Max, Min

from coaching.clock import now
from coaching.compiled import Shape
from coaching.errors import Invalid
from coaching.models import (
    AccessEvent,
    AccessKind,
    CoachingSession,
    Goal,
    ObjectKind,
    PipelineSnapshot,
    Reflection,
    User,
)

PAGE_SIZE = 50
LABEL_MAX = 300
Readable = CoachingSession | Goal | Reflection | PipelineSnapshot


def label_of(kind: ObjectKind, item: Readable) -> str:
    """What the rep will read to recognise the item: a goal's title, or the moment of a
    session or a journal entry (ISO, shown in the rep's time zone), a snapshot's day."""
    if isinstance(item, Goal):
        return item.title[:LABEL_MAX]
    if isinstance(item, CoachingSession):
        return item.starts_at.isoformat()
    if isinstance(item, PipelineSnapshot):
        return f"{item.taken_on:%d %b %Y}"  # a day: the same in every time zone
    return item.created_at.isoformat()


_batch: ContextVar[list[AccessEvent] | None] = ContextVar("tandem_access_batch", default=None)


@contextlib.asynccontextmanager
async def logged_together() -> AsyncIterator[None]:
    """Reads recorded inside are written in one INSERT when the block ends, before the
    caller returns anything it read (a page that reveals four kinds of thing)."""
    if _batch.get() is not None:
        yield
        return
    token = _batch.set([])
    try:
        yield
        events = _batch.get() or []
        if events:
            await _write(events)
    finally:
        _batch.reset(token)


ONE_STATEMENT = 100  # lines written in one INSERT (9 parameters each: SQLite allows 32,766)
_INSERTS: dict[tuple[str, int], tuple[str, list[str]]] = {}


async def _write(events: list[AccessEvent]) -> None:
    """The lines in one INSERT statement: atomic on its own, one round trip to the database
    (`bulk_create` sends BEGIN, the rows and COMMIT). Values are converted by the model's
    own fields, so the rows are those `bulk_create` writes; many lines go through it."""
    if len(events) > ONE_STATEMENT:
        await AccessEvent.bulk_create(events)
        return
    db = AccessEvent._choose_db(for_write=True)  # inside a transaction: its connection
    key = (db.capabilities.dialect, len(events))
    found = _INSERTS.get(key)
    if found is None:
        found = _INSERTS[key] = _insert_sql(db, len(events))
    sql, columns = found
    fields = AccessEvent._meta.fields_map
    values = [
        fields[name].to_db_value(getattr(event, name), event)
        for event in events
        for name in columns
    ]
    await db.execute_query(sql, values)


def _insert_sql(db: Any, rows: int) -> tuple[str, list[str]]:
    """Tortoise's own INSERT of one row, with as many rows of parameters as lines; and the
    fields whose values it takes, in order."""
    executor = db.executor_class(model=AccessEvent, db=db)
    head = executor.insert_query.split(" VALUES ", 1)[0]
    columns = list(executor.regular_columns)
    width = len(columns)
    if db.capabilities.dialect == "postgres":
        marks = [[f"${row * width + i + 1}" for i in range(width)] for row in range(rows)]
    else:
        marks = [["?"] * width for _ in range(rows)]
    return head + " VALUES " + ",".join("(" + ",".join(row) + ")" for row in marks), columns


async def record_reads(
    actor: User, subject_id: int, kind: ObjectKind, items: Iterable[Readable]
) -> None:
    """One line per item read, unless the reader is its owner."""
    if actor.id == subject_id:
        return
    events = [
        AccessEvent(
            kind=AccessKind.READ,
            actor_id=actor.id,
            actor_name=actor.name,
            actor_email=actor.email,
            subject_id=subject_id,
            object_kind=kind,
            object_id=item.id,
            object_label=label_of(kind, item),
        )
        for item in items
    ]
    batch = _batch.get()
    if batch is not None:
        batch.extend(events)
    elif events:
        await _write(events)


@dataclass(frozen=True)
class ReadGroup:
    """Repeated reads of one item by one reader, as one line."""

    actor_id: int
    actor_name: str
    actor_email: str
    object_kind: ObjectKind
    object_id: int
    object_label: str
    times: int
    first_at: datetime
    last_at: datetime

    @property
    def label_moment(self) -> datetime | None:
        if self.object_kind in (ObjectKind.GOAL, ObjectKind.SNAPSHOT):
            return None
        try:
            return datetime.fromisoformat(self.object_label)
        except ValueError:
            return None


@dataclass(frozen=True)
class Reader:
    actor_id: int
    name: str
    email: str


async def list_reads_of_my_data(
    me: User, page: int = 1, reader_id: int | None = None
) -> tuple[list[ReadGroup], bool]:
    """The rep's own view: who opened which of their things, how often and when last,
    newest first; optionally only one reader's reads. Returns (lines, has_more)."""
    if page < 1:
        raise Invalid({"page": "Page numbers start at 1."})
    found = AccessEvent.filter(subject_id=me.id)
    if reader_id is not None:
        found = found.filter(actor_id=reader_id)
    rows = (
        await found.annotate(
            times=Count("id"), first_at=Min("at"), last_at=Max("at"), label=Max("object_label")
        )
        .group_by("actor_id", "actor_name", "actor_email", "object_kind", "object_id")
        .order_by("-last_at", "actor_name", "object_id")
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
        .values(
            "actor_id",
            "actor_name",
            "actor_email",
            "object_kind",
            "object_id",
            "times",
            "first_at",
            "last_at",
            "label",
        )
    )
    groups = [_group(row) for row in rows[:PAGE_SIZE]]
    return groups, len(rows) > PAGE_SIZE


def _group(row: dict) -> ReadGroup:
    return ReadGroup(
        actor_id=row["actor_id"],
        actor_name=row["actor_name"],
        actor_email=row["actor_email"],
        object_kind=ObjectKind(row["object_kind"]),
        object_id=row["object_id"],
        object_label=row["label"],
        times=row["times"],
        first_at=_aware(row["first_at"]),
        last_at=_aware(row["last_at"]),
    )


def _aware(value: datetime | str) -> datetime:
    """Aggregates come back raw from the driver (SQLite: text); make them aware UTC."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=now().tzinfo)


async def list_readers(me: User) -> list[Reader]:
    """Everyone who has read something of the rep's, as they were named then."""
    rows = (
        await AccessEvent.filter(subject_id=me.id)
        .group_by("actor_id", "actor_name", "actor_email")
        .order_by("actor_name")
        .values("actor_id", "actor_name", "actor_email")
    )
    return [Reader(r["actor_id"], r["actor_name"], r["actor_email"]) for r in rows]


NEW_READERS_SHOWN = 20
# The people who read something since the rep last opened the log, for the home page.
READERS_SINCE = Shape(
    lambda subject_id, since: (
        AccessEvent.filter(subject_id=subject_id, at__gt=since)
        .only("actor_name")
        .distinct()
        .order_by("actor_name")
        .limit(NEW_READERS_SHOWN)
    )
)
NEVER_SEEN = datetime(2000, 1, 1, tzinfo=UTC)


async def readers_since_last_visit(me: User) -> list[str]:
    """Names of those who read something of the rep's since the rep last opened the log."""
    readers = await READERS_SINCE.all(me.id, me.access_log_seen_at or NEVER_SEEN)
    return [event.actor_name for event in readers]


async def mark_log_seen(me: User) -> None:
    me.access_log_seen_at = now()
    await me.save(update_fields=["access_log_seen_at"])

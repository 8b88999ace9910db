"""Coaching sessions: scheduling, agenda, shared notes and private notes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TypeVar

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from coaching import commitments
from coaching.access import logged_together, record_reads
from coaching.calendars import Method, next_sequence
from coaching.clock import now
from coaching.compiled import Shape
from coaching.db import lock, transaction
from coaching.errors import Conflict, Invalid, NotFound, PermissionDenied
from coaching.invitations import Invitations
from coaching.models import (
    AgendaItem,
    CoachingSession,
    Commitment,
    Goal,
    ObjectKind,
    Pairing,
    PairingStatus,
    PrivateNote,
    Reflection,
    SharedNotesRevision,
    User,
)
from coaching.pairings import get_pairing
from coaching.pipeline.pages import BroughtView, session_snapshots
from coaching.policy import Action, can, require
from coaching.policy.reveal import can_see, fetch, reveal, reveal_one, scoped
from coaching.snapshots import bring_latest_to
from coaching.text import clean_line, optional_text
from coaching.timezones import exists_locally, local_to_utc, to_local

MIN_DURATION, MAX_DURATION = 10, 240
MAX_NOTES = 20_000
MAX_AGENDA_ITEMS = 50
MAX_AHEAD = timedelta(days=2 * 366)
T = TypeVar("T")


@dataclass
class ScheduleForm:
    title: str
    day: date
    at: time
    duration_minutes: int


def parse_schedule(form: dict[str, str]) -> ScheduleForm:
    errors: dict[str, str] = {}
    title = clean_line(
        form.get("title") or "Coaching session",
        field="title",
        label="Title",
        max_length=120,
        errors=errors,
    )
    day = _parse(
        date.fromisoformat, form.get("date"), "date", "Enter a date like 2026-03-14.", errors
    )
    at = _parse(time.fromisoformat, form.get("time"), "time", "Enter a time like 09:30.", errors)
    duration = _parse(int, form.get("duration"), "duration", "Enter the length in minutes.", errors)
    if duration is not None and not MIN_DURATION <= duration <= MAX_DURATION:
        errors["duration"] = f"Choose between {MIN_DURATION} and {MAX_DURATION} minutes."
    if errors:
        raise Invalid(errors)
    assert day is not None and at is not None and duration is not None
    return ScheduleForm(title=title, day=day, at=at, duration_minutes=duration)


def _parse(
    convert: Callable[[str], T], raw: object, field_name: str, message: str, errors: dict[str, str]
) -> T | None:
    try:
        return convert(str(raw or "").strip())
    except ValueError:
        errors[field_name] = message
        return None


async def get_pairing_to_schedule(actor: User, pairing_id: int) -> Pairing:
    pairing = await get_pairing(actor, pairing_id)
    if pairing.status != PairingStatus.ACTIVE:  # ended (a deactivated person), or not yet
        raise PermissionDenied(
            f"This pairing is {pairing.status.value}: sessions can only be scheduled while a "
            "pairing is active."
        )
    await require(actor, Action.SCHEDULE, pairing)
    return pairing


async def schedule_session(
    actor: User, pairing_id: int, form: ScheduleForm, invitations: Invitations | None = None
) -> CoachingSession:
    """A new session; with `invitations`, both people are mailed one (same transaction)."""
    pairing = await get_pairing_to_schedule(actor, pairing_id)
    starts_at = _future_start(form, actor.timezone)
    async with transaction():
        session = await CoachingSession.create(
            pairing=pairing,
            title=form.title,
            starts_at=starts_at,
            duration_minutes=form.duration_minutes,
            created_by=actor,
        )
        await bring_latest_to(session, pairing)
        if invitations is not None:
            await invitations.send(session, pairing, Method.REQUEST)
    return session


def _future_start(form: ScheduleForm, zone_name: str) -> datetime:
    """The start in UTC, refused unless it is still ahead in the scheduler's own zone."""
    local_now = to_local(now(), zone_name)
    today = local_now.date()
    # Checked on the calendar date first: a year like 9999 or 0001 can't even be converted
    # to UTC (OverflowError), and would overflow again when shown in another zone.
    if form.day > today + MAX_AHEAD:
        raise Invalid({"date": "Choose a date within the next two years."})
    if form.day < today:
        raise Invalid(
            {"date": f"{form.day:%d %b %Y} has passed; choose today ({today:%d %b}) or later."}
        )
    if not exists_locally(form.day, form.at, zone_name):
        raise Invalid(
            {
                "time": f"The clocks go forward at that time in {zone_name}, so "
                f"{form.at:%H:%M} doesn't exist that day. Choose another time."
            }
        )
    starts_at = local_to_utc(form.day, form.at, zone_name)
    if starts_at <= now():
        raise Invalid(
            {
                "time": f"{form.at:%H:%M} today has already passed: it is {local_now:%H:%M} "
                f"now in {zone_name}. Choose a later time."
            }
        )
    return starts_at


@dataclass
class SessionPage:
    """Everything the session page shows, loaded up front so the template does no queries."""

    session: CoachingSession
    agenda: list[AgendaItem]
    private_note: PrivateNote | None
    snapshots: list[BroughtView]
    shared_goals: list[Goal] = field(default_factory=list)
    shared_reflections: list[Reflection] = field(default_factory=list)
    commitments: list[Commitment] = field(default_factory=list)
    can_write: bool = False

    @property
    def pairing(self) -> Pairing:
        return self.session.pairing

    @property
    def rep(self) -> User:
        return self.session.pairing.rep

    @property
    def coach(self) -> User:
        return self.session.pairing.coach


SESSION_RELATED = ("pairing__coach", "pairing__rep", "shared_notes_updated_by", "changed_by")

# The session page's queries, compiled once (coaching/compiled.py): it is the busiest page.
SESSION = Shape(
    lambda session_id: (
        CoachingSession.filter(id=session_id).select_related(*SESSION_RELATED).limit(2)
    )
)
AGENDA = Shape(lambda session_id: AgendaItem.filter(session_id=session_id).select_related("author"))
OWN_NOTE = Shape(
    lambda session_id, author_id: PrivateNote.filter(session_id=session_id, author_id=author_id)
)
GOALS_OF = Shape(lambda owner_id: Goal.filter(owner_id=owner_id))
REFLECTIONS_OF = Shape(lambda author_id: Reflection.filter(author_id=author_id))
NO_SESSION = "No such session, or it isn't one of yours."


async def load_session(actor: User, session_id: int) -> CoachingSession:
    """The session, for its rep or the coach of its active pairing; a coach's read is logged."""
    return await reveal_one(actor, SESSION, NO_SESSION, session_id)


async def get_session_page(actor: User, session_id: int) -> SessionPage:
    """Everything the page shows, each read of the rep's things logged in one INSERT."""
    async with logged_together():
        session = await load_session(actor, session_id)
        rep_id = session.pairing.rep_id
        # The rep's points come first: it is their session; each side's in the order added.
        agenda = sorted(await AGENDA.all(session.id), key=lambda item: item.author_id != rep_id)
        note = await OWN_NOTE.first(session.id, actor.id)
        page = SessionPage(session, agenda, note, await session_snapshots(actor, session))
        page.can_write = can(actor, Action.WRITE, session) and not session.is_cancelled
        page.commitments = await commitments.for_session(actor, session)
        if actor.id != rep_id:  # the rep has these on their own pages
            page.shared_goals = await reveal(actor, GOALS_OF, rep_id)
            page.shared_reflections = await reveal(actor, REFLECTIONS_OF, rep_id)
    return page


async def _writable_session(actor: User, session_id: int) -> CoachingSession:
    query = CoachingSession.filter(id=session_id).select_related(*SESSION_RELATED)
    session = await fetch(actor, Action.WRITE, query, "No such session, or it isn't one of yours.")
    if session.is_cancelled:
        raise PermissionDenied("This session is cancelled: it can be read, not changed.")
    return session


def _not_started(session: CoachingSession) -> CoachingSession:
    if session.starts_at <= now():
        raise PermissionDenied("This session has already started: it can't be moved or cancelled.")
    return session


def _reason(raw: str) -> str:
    errors: dict[str, str] = {}
    reason = clean_line(
        raw, field="reason", label="Reason", max_length=300, errors=errors, required=False
    )
    if errors:
        raise Invalid(errors)
    return reason


def _note(actor: User, reason: str) -> str:
    return f"{actor.name}: {reason}" if reason else ""


async def change_session(
    actor: User,
    session_id: int,
    form: ScheduleForm,
    reason: str = "",
    invitations: Invitations | None = None,
) -> CoachingSession:
    """Move a session (time, length, title); both people get the updated invitation, the
    same calendar event with a higher SEQUENCE, and see the reason on the session page."""
    reason = _reason(reason)
    starts_at = _future_start(form, actor.timezone)
    async with transaction():
        session = _not_started(await _writable_session(actor, session_id))
        await lock(CoachingSession.filter(id=session.id)).first()
        unchanged = (session.title, session.starts_at, session.duration_minutes) == (
            form.title,
            starts_at,
            form.duration_minutes,
        )
        if unchanged:
            raise Invalid("Nothing changed: pick another time, length or title.")
        session.title, session.starts_at = form.title, starts_at
        session.duration_minutes = form.duration_minutes
        session.changed_by, session.change_reason = actor, reason
        fields = ["title", "starts_at", "duration_minutes", "changed_by_id", "change_reason"]
        await session.save(update_fields=fields)
        await next_sequence(session)
        if invitations is not None:
            await invitations.send(session, session.pairing, Method.REQUEST, _note(actor, reason))
    return session


async def cancel_session(
    actor: User, session_id: int, reason: str = "", invitations: Invitations | None = None
) -> CoachingSession:
    """Either side cancels; the calendar event is cancelled for both, and the page keeps the
    session, read-only, with who cancelled it and why."""
    reason = _reason(reason)
    async with transaction():
        session = _not_started(await _writable_session(actor, session_id))
        await lock(CoachingSession.filter(id=session.id)).first()
        if await CoachingSession.filter(id=session.id, cancelled_at__isnull=False).exists():
            raise Conflict("This session was cancelled a moment ago.")
        session.cancelled_at, session.changed_by, session.change_reason = now(), actor, reason
        await session.save(update_fields=["cancelled_at", "changed_by_id", "change_reason"])
        await next_sequence(session)
        if invitations is not None:
            await invitations.send(session, session.pairing, Method.CANCEL, _note(actor, reason))
    return session


async def add_agenda_item(actor: User, session_id: int, text: str) -> AgendaItem:
    errors: dict[str, str] = {}
    text = clean_line(text, field="text", label="Agenda item", max_length=300, errors=errors)
    if errors:
        raise Invalid(errors)
    async with transaction():
        session = await _writable_session(actor, session_id)
        await lock(CoachingSession.filter(id=session.id)).first()  # adds to one session queue
        if await AgendaItem.filter(session_id=session.id).count() >= MAX_AGENDA_ITEMS:
            raise Invalid({"text": f"A session can hold {MAX_AGENDA_ITEMS} agenda items at most."})
        return await AgendaItem.create(session=session, author=actor, text=text)


async def _agenda_item(actor: User, item_id: int, action: Action) -> AgendaItem:
    query = AgendaItem.filter(id=item_id).select_related("session__pairing")
    return await fetch(actor, action, query, "No such agenda item.")


async def toggle_agenda_item(actor: User, item_id: int) -> AgendaItem:
    item = await _agenda_item(actor, item_id, Action.WRITE)
    item.done = not item.done
    await item.save(update_fields=["done"])
    return item


async def delete_agenda_item(actor: User, item_id: int) -> AgendaItem:
    item = await _agenda_item(actor, item_id, Action.DELETE)
    await item.delete()
    return item


@dataclass(frozen=True)
class Carried:
    moved: int
    left: int  # no room for these in the next session (its agenda was full)
    to: CoachingSession


async def carry_open_agenda(actor: User, session_id: int) -> Carried:
    """Move the points not discussed in this session to the pairing's next session."""
    async with transaction():
        session = await _writable_session(actor, session_id)
        later = CoachingSession.filter(
            pairing_id=session.pairing_id,
            starts_at__gt=session.starts_at,
            cancelled_at__isnull=True,
        )
        target = await later.order_by("starts_at", "id").first()
        if target is None:
            raise Invalid("There is no later session to carry them to: schedule one first.")
        await lock(CoachingSession.filter(id=target.id)).first()  # the cap, as when adding
        room = MAX_AGENDA_ITEMS - await AgendaItem.filter(session_id=target.id).count()
        open_items = await AgendaItem.filter(session_id=session.id, done=False).order_by("id")
        moving = [item.id for item in open_items[: max(room, 0)]]
        if moving:
            await AgendaItem.filter(id__in=moving).update(session_id=target.id)
    return Carried(len(moving), len(open_items) - len(moving), target)


class NotesConflict(Conflict):
    """Someone saved the shared notes since this editor loaded them: nothing is overwritten;
    the editor sees both texts and saves the merge (on top of `version`)."""

    def __init__(self, theirs: str, by: str, version: int) -> None:
        super().__init__(
            f"{by} saved the shared notes while you were editing. Their text is shown "
            "beside yours: merge the two in the box and save again."
        )
        self.theirs, self.by, self.version = theirs, by, version
        self.errors = {"shared_notes": self.message}


async def save_shared_notes(
    actor: User, session_id: int, body: str, base_version: int | None = None
) -> CoachingSession:
    """Save the notes both people edit. `base_version` is the version the editor started
    from: when someone saved since, and the texts differ, it is a NotesConflict, never a
    silent overwrite. Each save is kept as a revision."""
    body = optional_text(body, field="shared_notes", label="Shared notes", max_length=MAX_NOTES)
    async with transaction():
        session = await _writable_session(actor, session_id)
        current = await lock(CoachingSession.filter(id=session.id)).get()
        if current.shared_notes == body:
            return session
        if base_version is not None and base_version != current.shared_notes_version:
            by = await User.get_or_none(id=current.shared_notes_updated_by_id or 0)
            raise NotesConflict(
                current.shared_notes, by.name if by else "Someone", current.shared_notes_version
            )
        session.shared_notes = body
        session.shared_notes_updated_at = now()
        session.shared_notes_updated_by = actor
        session.shared_notes_version = current.shared_notes_version + 1
        fields = ["shared_notes", "shared_notes_updated_at", "shared_notes_updated_by_id"]
        await session.save(update_fields=[*fields, "shared_notes_version"])
        await SharedNotesRevision.create(
            session=session, version=session.shared_notes_version, body=body, saved_by=actor
        )
    return session


async def notes_history(
    actor: User, session_id: int
) -> tuple[CoachingSession, list[SharedNotesRevision]]:
    """The session (its read logged, as on its page) and every saved text, newest first."""
    session = await load_session(actor, session_id)
    revisions = await reveal(
        actor,
        SharedNotesRevision.filter(session_id=session.id)
        .select_related("saved_by", "session__pairing")
        .order_by("-version"),
    )
    return session, revisions


async def save_private_note(actor: User, session_id: int, body: str) -> PrivateNote:
    body = optional_text(body, field="private_note", label="Private note", max_length=MAX_NOTES)
    if not await can_see(actor, CoachingSession.filter(id=session_id)):
        raise NotFound("No such session, or it isn't one of yours.")
    note = await _private_note_of(actor, session_id)
    await require(actor, Action.WRITE, note)
    note.body = body
    await note.save()
    return note


async def _private_note_of(actor: User, session_id: int) -> PrivateNote:
    """The actor's note on the session, created on first save (a double submit may race)."""
    note = await PrivateNote.get_or_none(session_id=session_id, author_id=actor.id)
    if note is not None:
        return note
    try:
        async with transaction():
            return await PrivateNote.create(session_id=session_id, author=actor)
    except Conflict:
        return await PrivateNote.get(session_id=session_id, author_id=actor.id)


def _sessions(*, upcoming: bool) -> Shape[CoachingSession]:
    def build(cutoff: datetime, limit: int, offset: int) -> QuerySet[CoachingSession]:
        if upcoming:
            found = CoachingSession.filter(starts_at__gte=cutoff).order_by("starts_at", "id")
        else:
            found = CoachingSession.filter(starts_at__lt=cutoff).order_by("-starts_at", "-id")
        return found.select_related("pairing__coach", "pairing__rep").offset(offset).limit(limit)

    return Shape(build)


UPCOMING, PAST = _sessions(upcoming=True), _sessions(upcoming=False)
OPEN_AGENDA = Shape(
    lambda actor_id, cutoff, limit: (
        AgendaItem.filter(
            Q(session__pairing__rep_id=actor_id) | Q(author_id=actor_id),
            done=False,
            session__starts_at__gte=cutoff,
            session__cancelled_at__isnull=True,
        )
        .select_related("author", "session")
        .order_by("session__starts_at", "id")
        .limit(limit)
    )
)
RECENT = timedelta(hours=2)  # a session that started this long ago still counts as upcoming


async def list_sessions(
    actor: User, *, upcoming: bool, limit: int = 20, offset: int = 0
) -> list[CoachingSession]:
    """The actor's sessions (as rep, or as coach of an active pairing), nearest first."""
    shape = scoped(UPCOMING if upcoming else PAST, actor, Action.READ)
    return await shape.all(now() - RECENT, limit, offset, actor.id)


async def topics_from_reps(
    actor: User, upcoming: list[CoachingSession], limit: int = 12
) -> list[AgendaItem]:
    """What the reps the actor coaches want to talk about in these upcoming sessions: their
    open agenda items. Reading them is reading the rep's session, so each session whose
    items are shown is logged for its rep, as opening it would be."""
    coached = {
        s.id: s
        for s in upcoming
        if s.pairing.coach_id == actor.id and s.pairing.is_active and not s.is_cancelled
    }
    if not coached:
        return []
    query = AgendaItem.filter(session_id__in=list(coached), done=False).exclude(author_id=actor.id)
    items = await query.select_related("author").order_by("created_at", "id").limit(limit)
    shown = {item.session_id: coached[item.session_id] for item in items}
    for session in shown.values():
        await record_reads(actor, session.pairing.rep_id, ObjectKind.SESSION, [session])
    for item in items:
        item.session = shown[item.session_id]
    return items


async def list_open_agenda(actor: User, limit: int = 12) -> list[AgendaItem]:
    """Open items of upcoming sessions for the home page: all items of the actor's own
    sessions as rep, and the items the actor wrote. A coach reads what the rep wrote on the
    session page, where the read is logged for the rep to see."""
    shape = scoped(OPEN_AGENDA, actor, Action.READ)
    return await shape.all(actor.id, now() - RECENT, limit, actor.id)

"""Commitments: what the coach or the rep will do before they next meet.

Made in a session, owned by either side, optionally due on a day. An open commitment
shows in every session of the pairing from the one it was made in until it is done, and
on its owner's own list across pairings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from tortoise.expressions import Q

from coaching.clock import now
from coaching.db import lock, transaction
from coaching.errors import Invalid, PermissionDenied
from coaching.models import CoachingSession, Commitment, User
from coaching.policy import Action
from coaching.policy.reveal import fetch, reveal
from coaching.text import clean_line

MAX_OPEN_PER_PAIRING = 50
RECENTLY_DONE_DAYS = 14
_MESSAGE = "No such commitment, or it isn't one of yours."


@dataclass(frozen=True)
class CommitmentForm:
    text: str
    owner_id: int
    due_on: date | None


def parse_commitment(form: dict[str, str], session: CoachingSession) -> CommitmentForm:
    """Check the form against the session's pairing: the owner is its coach or its rep."""
    errors: dict[str, str] = {}
    text = clean_line(
        form.get("text"), field="text", label="Commitment", max_length=300, errors=errors
    )
    pairing = session.pairing
    owner = {str(pairing.coach_id): pairing.coach_id, str(pairing.rep_id): pairing.rep_id}
    owner_id = owner.get(form.get("owner_id", ""))
    if owner_id is None:
        errors["owner_id"] = "Choose who will do it."
    due_on = _due_on(form.get("due_on", ""), errors)
    if errors:
        raise Invalid(errors)
    return CommitmentForm(text, owner_id or 0, due_on)


def _due_on(raw: str, errors: dict[str, str]) -> date | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        errors["due_on"] = f"{raw!r} is not a day: pick one from the calendar (YYYY-MM-DD)."
        return None
    today = now().date()
    if not today - timedelta(days=1) <= day <= today + timedelta(days=366):
        errors["due_on"] = "Pick a due day between today and a year from now."
    return day


async def add_commitment(actor: User, session_id: int, form: dict[str, str]) -> Commitment:
    """A commitment made in this session, by either side, for either side."""
    query = CoachingSession.filter(id=session_id).select_related("pairing")
    async with transaction():
        session = await fetch(
            actor, Action.WRITE, query, "No such session, or it isn't one of yours."
        )
        if session.is_cancelled:
            raise PermissionDenied("This session is cancelled: it can be read, not changed.")
        parsed = parse_commitment(form, session)
        await lock(CoachingSession.filter(id=session.id)).first()  # one writer per cap check
        open_count = await Commitment.filter(pairing_id=session.pairing_id, done_at=None).count()
        if open_count >= MAX_OPEN_PER_PAIRING:
            raise Invalid(
                {"text": f"A pairing can have {MAX_OPEN_PER_PAIRING} open commitments at most: "
                 "mark some done first."}
            )  # fmt: skip
        return await Commitment.create(
            pairing_id=session.pairing_id,
            made_in=session,
            owner_id=parsed.owner_id,
            author=actor,
            text=parsed.text,
            due_on=parsed.due_on,
        )


async def set_done(actor: User, commitment_id: int, done: bool) -> Commitment:
    query = Commitment.filter(id=commitment_id).select_related("pairing")
    commitment = await fetch(actor, Action.WRITE, query, _MESSAGE)
    commitment.done_at = now() if done else None
    await commitment.save(update_fields=["done_at"])
    return commitment


async def remove(actor: User, commitment_id: int) -> Commitment:
    """Delete a commitment its author wrote by mistake; returns it, for an undo."""
    query = Commitment.filter(id=commitment_id).select_related("pairing")
    commitment = await fetch(actor, Action.DELETE, query, _MESSAGE)
    await commitment.delete()
    return commitment


async def for_session(actor: User, session: CoachingSession) -> list[Commitment]:
    """What the session shows: the pairing's commitments still open that were made in
    this session or an earlier one, and those made in this session that are done."""
    earlier = Q(made_in__starts_at__lte=session.starts_at) | Q(made_in_id__isnull=True)
    still_open = Q(done_at__isnull=True) & earlier
    query = Commitment.filter(
        Q(pairing_id=session.pairing_id) & (still_open | Q(made_in_id=session.id))
    )
    found = await reveal(
        actor, query.select_related("owner", "made_in").order_by("created_at", "id")
    )
    return sorted(found, key=lambda c: (c.is_done, c.due_on or date.max, c.id))


@dataclass(frozen=True)
class MyCommitments:
    open: list[Commitment]
    recently_done: list[Commitment]


async def mine(actor: User) -> MyCommitments:
    """The actor's own commitments across pairings: open ones by due day, and those done in
    the last two weeks."""
    since = now() - timedelta(days=RECENTLY_DONE_DAYS)
    own = Commitment.filter(owner_id=actor.id).filter(
        Q(done_at__isnull=True) | Q(done_at__gte=since)
    )
    related = ("pairing__coach", "pairing__rep", "made_in")
    found = await reveal(actor, own.select_related(*related).order_by("due_on", "id"))
    open_ones = sorted(
        (c for c in found if not c.is_done), key=lambda c: (c.due_on or date.max, c.id)
    )
    done = sorted((c for c in found if c.is_done), key=lambda c: c.done_at, reverse=True)  # type: ignore[arg-type, return-value]
    return MyCommitments(open_ones, done)

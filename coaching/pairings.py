"""Pairings: a coach and a rep agree to coach together; the rep says yes or no."""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.expressions import F, Q
from tortoise.queryset import QuerySet

from coaching.calendars import Method
from coaching.clock import now
from coaching.db import lock, transaction
from coaching.errors import Conflict, Invalid, PermissionDenied
from coaching.identity import audit
from coaching.identity.accounts import people_with_role, with_roles
from coaching.identity.models import AuditAction
from coaching.invitations import Invitations
from coaching.models import (
    MAX_ID,
    BroughtSnapshot,
    CoachingSession,
    Goal,
    Notice,
    Pairing,
    PairingKind,
    PairingStatus,
    Reflection,
    Role,
    User,
)
from coaching.policy import Action, allows, can, require
from coaching.policy.reveal import fetch, reveal_one
from coaching.text import clean_line, clean_text

OPEN = (PairingStatus.PROPOSED, PairingStatus.ACTIVE)


@dataclass
class PairingProposal:
    coach_id: int | None
    rep_id: int | None
    kind: str
    sees: str
    why: str
    cadence: str


def _parse_id(raw: object, field: str, label: str, errors: dict[str, str]) -> int | None:
    try:
        value = int(str(raw))
    except ValueError:
        value = 0
    if not 0 < value <= MAX_ID:
        errors[field] = f"Choose {label}."
        return None
    return value


def parse_proposal(form: dict[str, str]) -> PairingProposal:
    errors: dict[str, str] = {}
    coach_id = _parse_id(form.get("coach_id"), "coach_id", "a coach", errors)
    rep_id = _parse_id(form.get("rep_id"), "rep_id", "a rep", errors)
    kind = form.get("kind", "")
    if kind not in {k.value for k in PairingKind}:
        errors["kind"] = "Choose manager or mentor."
    proposal = PairingProposal(
        coach_id=coach_id,
        rep_id=rep_id,
        kind=kind,
        sees=clean_text(
            form.get("sees"),
            field="sees",
            label="What the coach will see",
            max_length=2000,
            errors=errors,
        ),
        why=clean_text(form.get("why"), field="why", label="Why", max_length=2000, errors=errors),
        cadence=clean_line(
            form.get("cadence"),
            field="cadence",
            label="How often you will meet",
            max_length=200,
            errors=errors,
        ),
    )
    if errors:
        raise Invalid(errors)
    return proposal


async def propose_pairing(actor: User, proposal: PairingProposal) -> Pairing:
    coach = await with_roles(User.filter(id=proposal.coach_id, is_active=True)).first()
    rep = await with_roles(User.filter(id=proposal.rep_id, is_active=True)).first()
    errors: dict[str, str] = {}
    if coach is None:
        errors["coach_id"] = "Choose an active person as coach."
    if rep is None or not rep.has_role(Role.REP):
        errors["rep_id"] = "Choose an active rep."
    if errors:
        raise Invalid(errors)
    assert coach is not None and rep is not None
    kind = PairingKind(proposal.kind)
    if coach.id == rep.id:
        raise Invalid({"rep_id": "A person can't coach themself."})
    if kind == PairingKind.MANAGER and not coach.has_role(Role.MANAGER):
        raise Invalid(
            {"coach_id": f"{coach.name} isn't a manager; propose a mentor pairing instead."}
        )
    proposed = Pairing(coach_id=coach.id, rep_id=rep.id, kind=kind)
    if not await allows(actor, Action.CREATE, proposed):
        raise PermissionDenied("Managers propose pairings in which they are the coach.")
    async with transaction():
        await _lock_rep(rep.id)
        await _refuse_overlap(coach, rep, kind)
        pairing = await Pairing.create(
            coach=coach,
            rep=rep,
            kind=kind,
            agreement_sees=proposal.sees,
            agreement_why=proposal.why,
            agreement_cadence=proposal.cadence,
            proposed_by=actor,
        )
        if actor.id != coach.id:  # an admin proposed it
            detail = f"{kind.value} pairing with {coach.name} as coach"
            await audit.record(actor, AuditAction.PAIRING_PROPOSED, rep, detail)
    return pairing


async def _lock_rep(rep_id: int) -> None:
    """Serialise pairing changes for one rep (PostgreSQL row lock; SQLite writes are serial
    already), so two concurrent proposals can't both pass the one-manager check."""
    await lock(User.filter(id=rep_id)).first()


async def _refuse_overlap(coach: User, rep: User, kind: PairingKind) -> None:
    open_pairings = Pairing.filter(rep_id=rep.id, status__in=OPEN)
    if await open_pairings.filter(coach_id=coach.id).exists():
        raise Conflict(f"{coach.name} and {rep.name} already have an open pairing.")
    if (
        kind == PairingKind.MANAGER
        and await open_pairings.filter(kind=PairingKind.MANAGER).exists()
    ):
        raise Conflict(
            f"{rep.name} already has a manager pairing. End it before proposing another."
        )


def _pairing(pairing_id: int) -> QuerySet[Pairing]:
    return Pairing.filter(id=pairing_id).select_related("coach", "rep", "proposed_by")


async def get_pairing(actor: User, pairing_id: int) -> Pairing:
    return await reveal_one(actor, _pairing(pairing_id), "No such pairing.")


async def respond_to_pairing(actor: User, pairing_id: int, accept: bool) -> Pairing:
    async with transaction():
        await _lock_rep(actor.id)
        pairing = await fetch(actor, Action.RESPOND, _pairing(pairing_id), "No such pairing.")
        if accept and pairing.kind == PairingKind.MANAGER:
            other = Pairing.filter(
                rep_id=actor.id, kind=PairingKind.MANAGER, status=PairingStatus.ACTIVE
            ).exclude(id=pairing.id)
            if await other.exists():
                raise Conflict("You already have an active manager pairing. End it first.")
        pairing.status = PairingStatus.ACTIVE if accept else PairingStatus.DECLINED
        pairing.responded_at = now()
        await pairing.save(update_fields=["status", "responded_at"])
    return pairing


async def end_pairing(
    actor: User, pairing_id: int, invitations: Invitations | None = None
) -> Pairing:
    """End it; its sessions still to come are cancelled (with `invitations`, both people are
    mailed the calendar cancel)."""
    async with transaction():
        await lock(Pairing.filter(id=pairing_id)).first()  # then read its status afresh
        pairing = await fetch(actor, Action.END, _pairing(pairing_id), "No such pairing.")
        was_active = pairing.status == PairingStatus.ACTIVE
        await _end(pairing, actor, invitations=invitations)
        if actor.id not in (pairing.coach_id, pairing.rep_id):  # an admin ended it
            detail = f"{pairing.kind.value} pairing with {pairing.coach.name} as coach"
            await audit.record(actor, AuditAction.PAIRING_ENDED, pairing.rep, detail)
            kind = pairing.kind.value
            if was_active:
                ended = f"{actor.name}, an admin, ended your {kind} pairing with"
            else:
                ended = f"{actor.name}, an admin, withdrew the proposed {kind} pairing with"
            await _tell(
                pairing,
                to_coach=f"{ended} {pairing.rep.name}.",
                to_rep=f"{ended} {pairing.coach.name}.",
                shared=was_active,
            )
    return pairing


async def _end(
    pairing: Pairing,
    actor: User | None,
    reason: str = "",
    invitations: Invitations | None = None,
) -> None:
    """End the pairing (its row locked by the caller), take back what was shared and cancel
    the sessions still to come: nobody could cancel them once the pairing has ended."""
    pairing.status = PairingStatus.ENDED
    pairing.ended_at = now()
    pairing.ended_by = actor
    pairing.ended_reason = reason
    await pairing.save(update_fields=["status", "ended_at", "ended_by_id", "ended_reason"])
    await _withdraw_shares(pairing)
    await _cancel_sessions_to_come(pairing, actor, invitations)


PAIRING_ENDED = "The pairing has ended."


async def _cancel_sessions_to_come(
    pairing: Pairing, actor: User | None, invitations: Invitations | None
) -> None:
    moment = now()
    to_come = await CoachingSession.filter(
        pairing_id=pairing.id, starts_at__gt=moment, cancelled_at__isnull=True
    )
    if not to_come:
        return
    await CoachingSession.filter(id__in=[s.id for s in to_come]).update(
        cancelled_at=moment,
        changed_by_id=actor.id if actor else None,
        change_reason=PAIRING_ENDED,
        calendar_sequence=F("calendar_sequence") + 1,
    )
    if invitations is None:
        return
    for session in to_come:
        session.cancelled_at, session.calendar_sequence = moment, session.calendar_sequence + 1
        await invitations.send(session, pairing, Method.CANCEL, PAIRING_ENDED)


SHARES_PRIVATE_AGAIN = " What you had shared with them is private again."


async def _tell(pairing: Pairing, *, to_coach: str, to_rep: str, shared: bool) -> None:
    """A notice on each side's home page that the pairing ended; when it had been active
    (`shared`), the rep is also told that what they shared is private again."""
    await Notice.bulk_create(
        [
            Notice(recipient_id=pairing.coach_id, message=to_coach),
            Notice(
                recipient_id=pairing.rep_id,
                message=to_rep + (SHARES_PRIVATE_AGAIN if shared else ""),
            ),
        ]
    )


async def end_pairings_of(
    actor: User, person: User, reason: str, own_reason: str, *, managers_only: bool = False
) -> list[Pairing]:
    """End the open pairings of a person whose roles or account changed (in the caller's
    transaction): as coach, only manager pairings when `managers_only`; else all of them.

    `reason` says why to everyone else ("Maya Okafor no longer has the manager role");
    `own_reason` says it to the person ("you no longer have the manager role")."""
    found = Pairing.filter(status__in=OPEN)
    if managers_only:
        found = found.filter(coach_id=person.id, kind=PairingKind.MANAGER)
    else:
        found = found.filter(Q(coach_id=person.id) | Q(rep_id=person.id))
    pairings = await lock(found).select_related("coach", "rep")
    for pairing in pairings:
        was_active = pairing.status == PairingStatus.ACTIVE
        await _end(pairing, actor, reason)
        kind = pairing.kind.value
        detail = f"{kind} pairing of {pairing.rep.name} with {pairing.coach.name}"
        await audit.record(actor, AuditAction.PAIRING_ENDED, pairing.rep, f"{detail}: {reason}")
        coach_why, rep_why = (
            (own_reason, reason) if pairing.coach_id == person.id else (reason, own_reason)
        )
        if was_active:
            about, ended = f"Your {kind} pairing with", "has ended"
        else:  # only proposed: nothing was shared, nothing "ended"
            about, ended = f"The proposed {kind} pairing with", "is withdrawn"
        await _tell(
            pairing,
            to_coach=f"{about} {pairing.rep.name} {ended}: {coach_why}.",
            to_rep=f"{about} {pairing.coach.name} {ended}: {rep_why}.",
            shared=was_active,
        )
    return pairings


async def _withdraw_shares(pairing: Pairing) -> None:
    """Ending a pairing takes back what the rep shared with that coach, so a later pairing
    between the same two people starts from nothing shared (consent is given afresh)."""
    coach, rep_id = pairing.coach, pairing.rep_id
    goals = await Goal.filter(owner_id=rep_id, shared_with=coach.id)
    if goals:  # one DELETE on the sharing table for all of them
        await coach.goals_shared_with_me.remove(*goals)
    entries = await Reflection.filter(author_id=rep_id, shared_with=coach.id)
    if entries:
        await coach.reflections_shared_with_me.remove(*entries)
    sessions = await CoachingSession.filter(pairing_id=pairing.id).values_list("id", flat=True)
    await BroughtSnapshot.filter(session_id__in=list(sessions)).delete()


async def list_my_pairings(actor: User) -> list[Pairing]:
    return (
        await Pairing.filter(Q(coach_id=actor.id) | Q(rep_id=actor.id))
        .select_related("coach", "rep", "proposed_by")
        .order_by("status", "-created_at")
    )


async def list_all_pairings(actor: User) -> list[Pairing]:
    await require(actor, Action.MANAGE, "person")
    return (
        await Pairing.filter(status__in=OPEN)
        .select_related("coach", "rep", "proposed_by")
        .order_by("rep__name", "kind")
    )


async def list_active_coaches(rep: User) -> list[User]:
    pairings = await Pairing.filter(rep_id=rep.id, status=PairingStatus.ACTIVE).select_related(
        "coach"
    )
    return [p.coach for p in pairings]


async def pairing_choices(actor: User) -> tuple[list[User], list[User]]:
    """(possible coaches, reps) for the proposal form: managers propose only as themselves."""
    reps = await people_with_role(Role.REP).order_by("name")
    if not can(actor, Action.MANAGE, "person"):
        return [actor], reps
    coaches = await User.filter(is_active=True).order_by("name")
    return coaches, reps

"""What each person needs next, gathered for their home page."""

from __future__ import annotations

from dataclasses import dataclass, field

from tortoise.expressions import Q

from coaching.access import readers_since_last_visit
from coaching.clock import now
from coaching.goals import list_my_goals
from coaching.identity.models import Invitation
from coaching.models import (
    AgendaItem,
    CoachingSession,
    Goal,
    Notice,
    Pairing,
    PairingStatus,
    User,
)
from coaching.policy import Action, can
from coaching.sessions import list_open_agenda, list_sessions


@dataclass
class Home:
    upcoming: list[CoachingSession] = field(default_factory=list)
    open_agenda: list[AgendaItem] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    awaiting_my_answer: list[Pairing] = field(default_factory=list)
    awaiting_their_answer: list[Pairing] = field(default_factory=list)
    coaching: list[Pairing] = field(default_factory=list)
    coached_by: list[Pairing] = field(default_factory=list)  # active, the actor is the rep
    people_count: int = 0
    pending_invitations: int = 0
    open_pairings: int = 0
    org_proposals: list[Pairing] = field(default_factory=list)
    new_readers: list[str] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)


async def home_for(actor: User) -> Home:
    home = Home()
    home.upcoming = await list_sessions(actor, upcoming=True, limit=6)
    home.open_agenda = await list_open_agenda(actor, home.upcoming)
    home.goals = await list_my_goals(actor, open_only=True)
    pairings = (
        await Pairing.filter(status__in=[PairingStatus.PROPOSED, PairingStatus.ACTIVE])
        .filter(Q(coach_id=actor.id) | Q(rep_id=actor.id))
        .select_related("coach", "rep")
    )
    for pairing in pairings:
        mine_to_answer = pairing.rep_id == actor.id
        if pairing.status == PairingStatus.PROPOSED:
            target = home.awaiting_my_answer if mine_to_answer else home.awaiting_their_answer
            target.append(pairing)
        elif pairing.coach_id == actor.id:
            home.coaching.append(pairing)
        else:
            home.coached_by.append(pairing)
    if can(actor, Action.MANAGE, "person"):
        await _admin_counts(home)
    home.new_readers = await readers_since_last_visit(actor)
    home.notices = await Notice.filter(recipient_id=actor.id, dismissed_at__isnull=True).limit(5)
    return home


async def dismiss_notice(actor: User, notice_id: int) -> None:
    """Hide a notice from the home page (only one's own; unknown ids change nothing)."""
    await Notice.filter(id=notice_id, recipient_id=actor.id).update(dismissed_at=now())


async def _admin_counts(home: Home) -> None:
    home.people_count = await User.filter(is_active=True).count()
    home.pending_invitations = await Invitation.filter(
        pending_email__isnull=False, expires_at__gte=now()
    ).count()
    proposed = Pairing.filter(status=PairingStatus.PROPOSED)
    home.open_pairings = await proposed.count()
    home.org_proposals = (
        await proposed.select_related("coach", "rep").order_by("-created_at").limit(5)
    )

"""What each person needs next, gathered for their home page."""

from __future__ import annotations

from dataclasses import dataclass, field

from tortoise.expressions import Q

from coaching.goals import list_my_goals
from coaching.models import (
    AgendaItem,
    CoachingSession,
    Goal,
    Invitation,
    Pairing,
    PairingStatus,
    Role,
    User,
)
from coaching.people import now
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
        mine_to_answer = pairing.rep_id == actor.id  # type: ignore[attr-defined]
        if pairing.status == PairingStatus.PROPOSED:
            target = home.awaiting_my_answer if mine_to_answer else home.awaiting_their_answer
            target.append(pairing)
        elif pairing.coach_id == actor.id:  # type: ignore[attr-defined]
            home.coaching.append(pairing)
        else:
            home.coached_by.append(pairing)
    if actor.has_role(Role.ADMIN):
        await _admin_counts(home)
    return home


async def _admin_counts(home: Home) -> None:
    home.people_count = await User.filter(is_active=True).count()
    home.pending_invitations = await Invitation.filter(
        used_at__isnull=True, expires_at__gte=now()
    ).count()
    proposed = Pairing.filter(status=PairingStatus.PROPOSED)
    home.open_pairings = await proposed.count()
    home.org_proposals = (
        await proposed.select_related("coach", "rep").order_by("-created_at").limit(5)
    )

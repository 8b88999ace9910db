"""What each person needs next, gathered for their home page."""

from __future__ import annotations

from dataclasses import dataclass, field

from tortoise.expressions import Q

from coaching.access import readers_since_last_visit
from coaching.clock import now
from coaching.compiled import Shape
from coaching.identity.models import Invitation
from coaching.models import (
    AgendaItem,
    CoachingSession,
    Goal,
    GoalStatus,
    Notice,
    Pairing,
    PairingStatus,
    User,
)
from coaching.policy import Action, can
from coaching.sessions import list_open_agenda, list_sessions, topics_from_reps


@dataclass
class Home:
    upcoming: list[CoachingSession] = field(default_factory=list)
    open_agenda: list[AgendaItem] = field(default_factory=list)
    reps_topics: list[AgendaItem] = field(default_factory=list)  # as coach, logged for the rep
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
    shared_goal_ids: set[int] = field(default_factory=set)


OPEN_GOALS = Shape(lambda owner_id: Goal.filter(owner_id=owner_id, status=GoalStatus.OPEN))
SHARED_OPEN_GOALS = Shape(
    lambda owner_id: Goal.filter(
        owner_id=owner_id, status=GoalStatus.OPEN, shared_with__id__isnull=False
    )
)
OPEN_PAIRINGS = Shape(
    lambda actor_id: (
        Pairing.filter(
            Q(coach_id=actor_id) | Q(rep_id=actor_id),
            status__in=[PairingStatus.PROPOSED, PairingStatus.ACTIVE],
        )
        .select_related("coach", "rep")
        .order_by("created_at", "id")
    )
)
NOTICES = Shape(
    lambda recipient_id: Notice.filter(recipient_id=recipient_id, dismissed_at__isnull=True).limit(
        5
    )
)


async def home_for(actor: User) -> Home:
    """Every query here is a compiled shape (coaching/compiled.py): the busiest page."""
    home = Home()
    home.upcoming = await list_sessions(actor, upcoming=True, limit=6)
    home.open_agenda = await list_open_agenda(actor)
    home.reps_topics = await topics_from_reps(actor, home.upcoming)
    home.goals = await OPEN_GOALS.all(actor.id)
    if home.goals:
        home.shared_goal_ids = {g.id for g in await SHARED_OPEN_GOALS.all(actor.id)}
    for pairing in await OPEN_PAIRINGS.all(actor.id):
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
    home.notices = await NOTICES.all(actor.id)
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

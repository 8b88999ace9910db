"""Who may do what to which object: the one place that knows the rules of TRUST.md.

Every domain read and write asks `require(actor, action, obj)` (or uses one of the query
filters below) before touching another person's data. Deny by default: an object type or
action without a rule here is refused.

The rules in short:
- Private notes, and goals and reflections not shared, are visible to their author only.
  Nobody else: not the coach, not an admin.
- A coach sees a rep's things only through an *active* pairing with that rep, and only
  what the rep shared with them (goals, reflections) or brought to a session (snapshots).
- Admins run the organisation (people, roles, pairings) but read no coaching content.
- Playbooks: trainers write and publish; everybody signed in reads published ones.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Any

from tortoise.expressions import Q

from coaching.errors import PermissionDenied
from coaching.models import (
    AgendaItem,
    CoachingSession,
    Goal,
    Pairing,
    PairingKind,
    PairingStatus,
    PipelineSnapshot,
    PrivateNote,
    Reflection,
    Role,
    User,
)


class Action(StrEnum):
    READ = "read"
    WRITE = "write"
    DELETE = "delete"
    SHARE = "share"
    RESPOND = "respond"
    END = "end"
    SCHEDULE = "schedule"
    PUBLISH = "publish"
    MANAGE = "manage"


Rule = Callable[[User, Action, Any], Awaitable[bool]]
_RULES: dict[type, Rule] = {}


def rule(model: type) -> Callable[[Rule], Rule]:
    def register(func: Rule) -> Rule:
        _RULES[model] = func
        return func

    return register


async def may(actor: User | None, action: Action, obj: object) -> bool:
    if actor is None or not actor.is_active:
        return False
    check = _RULES.get(type(obj))
    if check is None:
        return False
    return await check(actor, action, obj)


async def require(actor: User | None, action: Action, obj: object) -> None:
    if not await may(actor, action, obj):
        raise PermissionDenied(_denial_message(action, obj))


def _denial_message(action: Action, obj: object) -> str:
    noun = type(obj).__name__
    words = {"CoachingSession": "session", "PipelineSnapshot": "pipeline snapshot"}
    noun = words.get(noun, noun.lower())
    return f"You don't have permission to {action.value} this {noun}."


# --- pairings -----------------------------------------------------------------


def coaches_actively(actor: User, pairing: Pairing) -> bool:
    return pairing.coach_id == actor.id and pairing.status == PairingStatus.ACTIVE


def may_propose_pairing(actor: User, coach: User, kind: PairingKind) -> bool:
    if kind == PairingKind.MANAGER and not coach.has_role(Role.MANAGER):
        return False
    if actor.has_role(Role.ADMIN):
        return True
    return actor.has_role(Role.MANAGER) and coach.id == actor.id


@rule(Pairing)
async def _pairing(actor: User, action: Action, pairing: Pairing) -> bool:
    side = actor.id in (pairing.coach_id, pairing.rep_id)
    if action == Action.READ:
        return side or actor.has_role(Role.ADMIN)
    if action == Action.RESPOND:
        return actor.id == pairing.rep_id and pairing.status == PairingStatus.PROPOSED
    if action == Action.END:
        open_states = (PairingStatus.PROPOSED, PairingStatus.ACTIVE)
        return (side or actor.has_role(Role.ADMIN)) and pairing.status in open_states
    if action == Action.SCHEDULE:
        return coaches_actively(actor, pairing)
    return False


# --- sessions, agenda, notes ----------------------------------------------------


async def _session_pairing(session: CoachingSession) -> Pairing:
    return session.pairing if isinstance(session.pairing, Pairing) else await session.pairing


@rule(CoachingSession)
async def _session(actor: User, action: Action, session: CoachingSession) -> bool:
    pairing = await _session_pairing(session)
    if action == Action.READ:
        return actor.id == pairing.rep_id or coaches_actively(actor, pairing)
    if action == Action.WRITE:
        both = actor.id in (pairing.coach_id, pairing.rep_id)
        return both and pairing.status == PairingStatus.ACTIVE
    return False


@rule(AgendaItem)
async def _agenda_item(actor: User, action: Action, item: AgendaItem) -> bool:
    if action == Action.READ:
        return await may(actor, Action.READ, item.session)
    if action == Action.WRITE:
        return await may(actor, Action.WRITE, item.session)
    if action == Action.DELETE:
        return item.author_id == actor.id and await may(actor, Action.WRITE, item.session)
    return False


@rule(PrivateNote)
async def _private_note(actor: User, action: Action, note: PrivateNote) -> bool:
    return action in (Action.READ, Action.WRITE) and note.author_id == actor.id


def sessions_visible_to(actor: User) -> Q:
    """Sessions the actor may open: their own as rep, or as coach of an active pairing."""
    as_coach = Q(pairing__coach_id=actor.id, pairing__status=PairingStatus.ACTIVE)
    return Q(pairing__rep_id=actor.id) | as_coach


# --- the rep's own things: goals, reflections, snapshots -------------------------------


async def is_active_coach_of(actor: User, rep_id: int) -> bool:
    return await Pairing.filter(
        coach_id=actor.id, rep_id=rep_id, status=PairingStatus.ACTIVE
    ).exists()


async def _shared_item(actor: User, action: Action, item: Goal | Reflection, owner_id: int) -> bool:
    if actor.id == owner_id:
        return action in (Action.READ, Action.WRITE, Action.SHARE, Action.DELETE)
    if action != Action.READ:
        return False
    shared = await item.shared_with.filter(id=actor.id).exists()
    return shared and await is_active_coach_of(actor, owner_id)


@rule(Goal)
async def _goal(actor: User, action: Action, goal: Goal) -> bool:
    return await _shared_item(actor, action, goal, goal.owner_id)


@rule(Reflection)
async def _reflection(actor: User, action: Action, reflection: Reflection) -> bool:
    return await _shared_item(actor, action, reflection, reflection.author_id)


def shared_with_me(actor: User, owner_field: str) -> Q:
    """Goals or reflections shared with the actor by a rep they actively coach."""
    conditions: dict[str, object] = {
        "shared_with": actor.id,
        f"{owner_field}__pairings_as_rep__coach_id": actor.id,
        f"{owner_field}__pairings_as_rep__status": PairingStatus.ACTIVE,
    }
    return Q(**conditions)  # type: ignore[arg-type]


@rule(PipelineSnapshot)
async def _snapshot(actor: User, action: Action, snapshot: PipelineSnapshot) -> bool:
    if actor.id == snapshot.owner_id:
        return action in (Action.READ, Action.WRITE, Action.DELETE)
    if action != Action.READ or snapshot.session_id is None:
        return False
    session = await CoachingSession.get(id=snapshot.session_id).select_related("pairing")
    return coaches_actively(actor, session.pairing) and session.pairing.rep_id == snapshot.owner_id


# --- people ---------------------------------------------------------------------


@rule(User)
async def _user(actor: User, action: Action, person: User) -> bool:
    if action == Action.READ:
        return (
            actor.id == person.id
            or actor.has_role(Role.ADMIN)
            or await is_active_coach_of(actor, person.id)
        )
    if action == Action.MANAGE:
        return actor.has_role(Role.ADMIN)
    if action == Action.WRITE:
        return actor.id == person.id
    return False


def may_manage_people(actor: User) -> bool:
    return actor.is_active and actor.has_role(Role.ADMIN)


def may_author_playbooks(actor: User) -> bool:
    return actor.is_active and actor.has_role(Role.TRAINER)


async def playbook_rule(actor: User, action: Action, *, published: bool) -> bool:
    """Playbooks live in their own package; their rule lives here with the others."""
    if action == Action.READ:
        return published or actor.has_role(Role.TRAINER)
    if action in (Action.WRITE, Action.PUBLISH, Action.DELETE):
        return actor.has_role(Role.TRAINER)
    return False

"""Policies: for each kind of object, the actions there are, a one-line description of
each, and the one rule that decides it. Deny by default: no policy, no action, no rule,
no actor, or an inactive actor means no.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from tortoise.expressions import Q
from tortoise.models import Model

from coaching.identity.models import User
from coaching.policy.rules import NEVER, Rule


class Action(StrEnum):
    READ = "read"
    WRITE = "write"
    DELETE = "delete"
    SHARE = "share"
    CREATE = "create"
    RESPOND = "respond"
    END = "end"
    SCHEDULE = "schedule"
    PROPOSE = "propose"
    ATTEND = "attend"
    COACH = "coach"
    PUBLISH = "publish"
    LEARN = "learn"
    MANAGE = "manage"


@dataclass(frozen=True)
class Permission:
    description: str
    rule: Rule


@dataclass
class Policy:
    """The rules of one kind of object.

    `actions` apply to an object; `kind_actions` to the kind as a whole (creating one,
    seeing a menu entry). `owner` is the path to the person whose thing it is, and
    `logged_as` names the kind in that person's access log: a read by anyone else is
    recorded (see reveal.py)."""

    kind: str
    noun: str
    model: type[Model] | None
    actions: dict[Action, Permission] = field(default_factory=dict)
    kind_actions: dict[Action, Permission] = field(default_factory=dict)
    owner: str | None = None
    logged_as: Any = None

    def permission(self, action: Action, *, on_kind: bool = False) -> Permission | None:
        return (self.kind_actions if on_kind else self.actions).get(action)


_POLICIES: dict[str, Policy] = {}
_BY_MODEL: dict[type, Policy] = {}


def register(policy: Policy) -> Policy:
    _POLICIES[policy.kind] = policy
    if policy.model is not None:
        _BY_MODEL[policy.model] = policy
    return policy


def policies() -> list[Policy]:
    return sorted(_POLICIES.values(), key=lambda p: p.kind)


def policy_for(kind_or_obj: Any) -> Policy | None:
    if isinstance(kind_or_obj, str):
        return _POLICIES.get(kind_or_obj)
    model = kind_or_obj if isinstance(kind_or_obj, type) else type(kind_or_obj)
    return _BY_MODEL.get(model)


def _usable(actor: User | None) -> bool:
    return actor is not None and actor.is_active


def scope(actor: User | None, action: Action, model: type[Model]) -> Q:
    """Which objects of `model` the actor may do `action` to: a filter for any query."""
    policy = _BY_MODEL.get(model)
    permission = policy.permission(action) if policy else None
    if actor is None or permission is None or not _usable(actor):
        return NEVER
    return permission.rule.q(actor)


def decide_in_memory(actor: User | None, action: Action, obj: Any) -> bool | None:
    """The answer when the object in memory is enough, else None (ask the database)."""
    if actor is None or not _usable(actor):
        return False
    on_kind = isinstance(obj, str)
    policy = policy_for(obj)
    permission = policy.permission(action, on_kind=on_kind) if policy else None
    if permission is None:
        return False
    return permission.rule.check(actor, None if on_kind else obj)


async def allows(actor: User | None, action: Action, obj: Any) -> bool:
    """May the actor do `action` to `obj` (an object, or a kind name for kind actions)?"""
    answer = decide_in_memory(actor, action, obj)
    if answer is not None:
        return answer
    model = type(obj)
    return await model.filter(scope(actor, action, model), pk=obj.pk).exists()


def describe(action: Action, policy: Policy | None, *, on_kind: bool = False) -> str:
    """The refusal message: what was refused, and who may do it."""
    permission = policy.permission(action, on_kind=on_kind) if policy else None
    if policy is None or permission is None:
        return "You don't have permission to do that."
    what = permission.description[0].lower() + permission.description[1:]
    return f"You can't {what} (allowed: {permission.rule.text})."

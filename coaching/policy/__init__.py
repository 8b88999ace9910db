"""Who may do what: one policy per kind of object, written once and used everywhere.

Each kind (pairing, session, goal, ...) has a module here declaring its actions, a
one-line description of each, and the rule that decides it. The same rule answers "may
ACTOR do ACTION to this object" (`allows`, `require`, `can` in templates) and "which of
these may ACTOR see" (`scope`, a query filter), so a list and a detail page cannot
disagree. Reads of another person's things go through `reveal`, which checks and
records the access event in one step. `docs/permissions.md` is generated from here.
"""

from __future__ import annotations

from typing import Any

from coaching.errors import PermissionDenied
from coaching.identity.models import User
from coaching.policy import kinds as _kinds  # noqa: F401  (registers the coaching policies)
from coaching.policy.base import (
    Action,
    Permission,
    Policy,
    allows,
    decide_in_memory,
    describe,
    policies,
    policy_for,
    register,
    scope,
)


async def require(actor: User | None, action: Action, obj: Any) -> None:
    if not await allows(actor, action, obj):
        on_kind = isinstance(obj, str)
        raise PermissionDenied(describe(action, policy_for(obj), on_kind=on_kind))


class NeedsTheDatabase(RuntimeError):
    """`can()` was asked something only a query can answer: decide it in the domain."""


def can(actor: User | None, action: Action | str, obj: Any) -> bool:
    """For templates and views: decided from what is in memory, never a query."""
    answer = decide_in_memory(actor, Action(action), obj)
    if answer is None:
        raise NeedsTheDatabase(f"can({action!r}, {obj!r}) needs a query; decide it in the domain")
    return answer


__all__ = [
    "Action",
    "NeedsTheDatabase",
    "Permission",
    "Policy",
    "allows",
    "can",
    "describe",
    "policies",
    "policy_for",
    "register",
    "require",
    "scope",
]

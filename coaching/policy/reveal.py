"""The one way to read someone's things: check the policy and log the read in one step.

`reveal` returns what the actor may read of a query (the policy's READ filter is added to
it) and writes an access event for each object that belongs to someone else, before the
objects are handed back: a read that cannot be logged does not happen. Objects of kinds
whose reads are not logged (pairings, agenda items) pass through the same filter.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from tortoise.models import Model
from tortoise.queryset import QuerySet

from coaching.access import record_reads
from coaching.compiled import Shape
from coaching.errors import NotFound, PermissionDenied
from coaching.identity.models import Role, User
from coaching.policy.base import Action, Policy, describe, policy_for, scope
from coaching.policy.rules import _MISSING, _resolve

M = TypeVar("M", bound=Model)


def _policy(model: type[Model]) -> Policy:
    policy = policy_for(model)
    if policy is None:
        raise LookupError(f"{model.__name__} has no policy: nobody may read it")
    return policy


def _with_owner(query: QuerySet[M], policy: Policy) -> QuerySet[M]:
    """Load the relation the owner's id lives on (a session's rep is on its pairing)."""
    if policy.owner and "__" in policy.owner:
        return query.select_related(policy.owner.rsplit("__", 1)[0])
    return query


async def reveal(actor: User, query: QuerySet[M] | Shape[M], *args: Any) -> list[M]:
    """The objects of `query` the actor may read; each read of another's thing is logged.

    `query` is a QuerySet, or a compiled `Shape` with its arguments (hot pages): the shape
    must load the relation its kind's owner lives on itself (a session's pairing)."""
    if isinstance(query, Shape):
        rows = await scoped(query, actor, Action.READ).all(*args, actor.id)
        policy = _policy(type(rows[0])) if rows else None
    else:
        policy = _policy(query.model)
        rows = await _with_owner(query.filter(scope(actor, Action.READ, query.model)), policy)
    rows = list({row.pk: row for row in rows}.values())  # joins in a rule may repeat a row
    if policy is not None:
        await _log(actor, policy, rows)
    return rows


async def reveal_one(actor: User, query: QuerySet[M] | Shape[M], message: str, *args: Any) -> M:
    """The single object of `query` if the actor may read it (logged), else NotFound.
    Refused and missing look the same: the actor learns nothing about what exists."""
    rows = await reveal(actor, query if isinstance(query, Shape) else query.limit(2), *args)
    if len(rows) != 1:
        raise NotFound(message)
    return rows[0]


@dataclass(frozen=True)
class _SomeoneLike:
    """What a rule's filter depends on, for an actor with these roles and this id."""

    id: int
    roles: tuple[Role, ...]
    is_active: bool = True

    def has_role(self, *roles: Role) -> bool:
        return any(role in self.roles for role in roles)


_SCOPED: dict[tuple[int, Action, Hashable], Shape[Any]] = {}


def scoped(shape: Shape[M], actor: User, action: Action) -> Shape[M]:
    """The shape with the policy's filter for `action` by actors like this one (the same
    roles, active or not), taking the actor's id as its last argument: compiled once per
    kind of actor, since roles decide which parts of a rule apply. Lists that show no one
    else's things (or only what a page logs) use it directly; reads go through reveal()."""
    key = (id(shape), action, (actor.is_active, tuple(actor.roles)))
    found = _SCOPED.get(key)
    if found is None:
        roles, active = tuple(actor.roles), actor.is_active

        def build(*args: Any) -> QuerySet[M]:
            query = shape.build(*args[:-1])
            like = _SomeoneLike(args[-1], roles, active)
            return query.filter(scope(like, action, query.model))  # type: ignore[arg-type]

        found = _SCOPED[key] = Shape(build, actor_last=True)
    return found


async def _log(actor: User, policy: Policy, rows: list[Any]) -> None:
    if policy.logged_as is None or policy.owner is None:
        return
    by_owner: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        owner = _resolve(row, policy.owner)
        if owner is _MISSING:
            raise LookupError(f"{policy.kind}: {policy.owner} was not loaded")
        if owner != actor.id:
            by_owner[owner].append(row)
    for owner_id, items in by_owner.items():
        await record_reads(actor, owner_id, policy.logged_as, items)


async def fetch(actor: User, action: Action, query: QuerySet[M], message: str) -> M:
    """The single object of `query` the actor may do `action` (never READ: use `reveal`)
    to. NotFound when they may not even read it, PermissionDenied when they may read it
    but not do this."""
    if action == Action.READ:
        raise ValueError("reading goes through reveal(), which logs the read")
    model = query.model
    found = await query.filter(scope(actor, action, model)).first()
    if found is not None:
        return found
    if await query.filter(scope(actor, Action.READ, model)).exists():
        raise PermissionDenied(describe(action, _policy(model)))
    raise NotFound(message)


async def can_see(actor: User, query: QuerySet[Any]) -> bool:
    """Whether the actor may read what `query` finds, without reading it (nothing logged,
    nothing returned): for writes that only need the thing to be theirs to see."""
    return await query.filter(scope(actor, Action.READ, query.model)).exists()

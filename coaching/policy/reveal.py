"""The one way to read someone's things: check the policy and log the read in one step.

`reveal` returns what the actor may read of a query (the policy's READ filter is added to
it) and writes an access event for each object that belongs to someone else, before the
objects are handed back: a read that cannot be logged does not happen. Objects of kinds
whose reads are not logged (pairings, agenda items) pass through the same filter.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, TypeVar

from tortoise.models import Model
from tortoise.queryset import QuerySet

from coaching.access import record_reads
from coaching.errors import NotFound, PermissionDenied
from coaching.identity.models import User
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


async def reveal(actor: User, query: QuerySet[M]) -> list[M]:
    """The objects of `query` the actor may read; each read of another's thing is logged."""
    policy = _policy(query.model)
    rows = await _with_owner(query.filter(scope(actor, Action.READ, query.model)), policy)
    rows = list({row.pk: row for row in rows}.values())  # joins in a rule may repeat a row
    await _log(actor, policy, rows)
    return rows


async def reveal_one(actor: User, query: QuerySet[M], message: str) -> M:
    """The single object of `query` if the actor may read it (logged), else NotFound.
    Refused and missing look the same: the actor learns nothing about what exists."""
    rows = await reveal(actor, query.limit(2))
    if len(rows) != 1:
        raise NotFound(message)
    return rows[0]


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

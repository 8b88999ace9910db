"""Rules that answer both questions a page asks, from one definition:

- `check(actor, obj)`: may the actor do it to this object? True or False when the object
  in memory is enough to tell, None when only the database can (a sharing row, a pairing
  elsewhere). Callers then ask the database with the rule's own filter, never a second
  hand-written rule.
- `q(actor)`: which objects the rule holds for, as a Tortoise filter (lists, fetches).

Rules combine with `|` and `&`; `within(prefix)` moves a rule onto a related object
(an agenda item follows its session's rules through `session__...`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tortoise.expressions import Q
from tortoise.fields.relational import ReverseRelation
from tortoise.queryset import QuerySet

from coaching.identity.models import Role, User

NEVER = Q(id__in=[])  # matches nothing (Tortoise renders 1=0)
# Matches everything. Not Q(): Tortoise drops an empty Q from an OR, which would turn
# "the coach, or any admin" into "the coach" for admins.
ALWAYS = Q(pk__isnull=False)
_MISSING = object()


def _resolve(obj: Any, path: str) -> Any:
    """Follow `a__b__c` through loaded relations; _MISSING when a step isn't in memory
    (an unfetched relation is a QuerySet or a reverse-relation manager, not a value)."""
    value = obj
    for step in path.split("__"):
        if value is None:
            return None
        value = getattr(value, step, _MISSING)
        if value is _MISSING or isinstance(value, QuerySet | ReverseRelation):
            return _MISSING
    return value


def _q(filters: dict[str, Any]) -> Q:
    return Q(join_type=Q.AND, **filters)


class Rule:
    text = ""

    def check(self, actor: User, obj: Any) -> bool | None:
        raise NotImplementedError

    def q(self, actor: User) -> Q:
        raise NotImplementedError

    def within(self, prefix: str) -> Rule:
        raise NotImplementedError

    def __or__(self, other: Rule) -> Rule:
        return AnyOf(self, other)

    def __and__(self, other: Rule) -> Rule:
        return AllOf(self, other)

    def __str__(self) -> str:
        return self.text


class Anyone(Rule):
    text = "anyone signed in"

    def check(self, actor: User, obj: Any) -> bool | None:
        return True

    def q(self, actor: User) -> Q:
        return ALWAYS

    def within(self, prefix: str) -> Rule:
        return self


class HasRole(Rule):
    def __init__(self, *roles: Role) -> None:
        self.roles = roles
        self.text = " or ".join(f"{role.value}s" for role in roles)

    def check(self, actor: User, obj: Any) -> bool | None:
        return actor.has_role(*self.roles)

    def q(self, actor: User) -> Q:
        return ALWAYS if actor.has_role(*self.roles) else NEVER

    def within(self, prefix: str) -> Rule:
        return self


class Is(Rule):
    """The object's field at `path` names the actor (`owner_id`, `pairing__coach_id`)."""

    def __init__(self, path: str, text: str) -> None:
        self.path, self.text = path, text

    def check(self, actor: User, obj: Any) -> bool | None:
        value = _resolve(obj, self.path)
        return None if value is _MISSING else value == actor.id

    def q(self, actor: User) -> Q:
        return _q({self.path: actor.id})

    def within(self, prefix: str) -> Rule:
        return Is(f"{prefix}__{self.path}", self.text)


class Where(Rule):
    """The object's field at `path` has one of `values` (a status, a flag)."""

    def __init__(self, path: str, values: Iterable[Any], text: str) -> None:
        self.path, self.values, self.text = path, tuple(values), text

    def check(self, actor: User, obj: Any) -> bool | None:
        value = _resolve(obj, self.path)
        return None if value is _MISSING else value in self.values

    def q(self, actor: User) -> Q:
        if len(self.values) == 1:
            return _q({self.path: self.values[0]})
        return _q({f"{self.path}__in": list(self.values)})

    def within(self, prefix: str) -> Rule:
        return Where(f"{prefix}__{self.path}", self.values, self.text)


class Related(Rule):
    """A condition only the database can answer: the filter `conditions`, with ACTOR standing
    for the actor's id (a sharing row naming the actor, an active pairing with them)."""

    ACTOR = object()

    def __init__(self, text: str, **conditions: Any) -> None:
        self.text, self.conditions = text, conditions

    def check(self, actor: User, obj: Any) -> bool | None:
        return None

    def q(self, actor: User) -> Q:
        filled = {k: actor.id if v is self.ACTOR else v for k, v in self.conditions.items()}
        return _q(filled)

    def within(self, prefix: str) -> Rule:
        moved = {f"{prefix}__{k}": v for k, v in self.conditions.items()}
        return Related(self.text, **moved)


class AnyOf(Rule):
    def __init__(self, *rules: Rule) -> None:
        self.rules = rules
        self.text = " or ".join(_wrap(rule, AllOf) for rule in rules)

    def check(self, actor: User, obj: Any) -> bool | None:
        answers = [rule.check(actor, obj) for rule in self.rules]
        if True in answers:
            return True
        return None if None in answers else False

    def q(self, actor: User) -> Q:
        combined = self.rules[0].q(actor)
        for rule in self.rules[1:]:
            combined |= rule.q(actor)
        return combined

    def within(self, prefix: str) -> Rule:
        return AnyOf(*(rule.within(prefix) for rule in self.rules))


class AllOf(Rule):
    def __init__(self, *rules: Rule) -> None:
        self.rules = rules
        self.text = _join_conditions([_wrap(rule, AnyOf) for rule in rules])

    def check(self, actor: User, obj: Any) -> bool | None:
        answers = [rule.check(actor, obj) for rule in self.rules]
        if False in answers:
            return False
        return None if None in answers else True

    def q(self, actor: User) -> Q:
        combined = self.rules[0].q(actor)
        for rule in self.rules[1:]:
            combined &= rule.q(actor)
        return combined

    def within(self, prefix: str) -> Rule:
        return AllOf(*(rule.within(prefix) for rule in self.rules))


def _join_conditions(parts: list[str]) -> str:
    """ "its coach" + "while active" + "the rep is active" -> "its coach while active and
    the rep is active": conditions starting with while/once attach without "and"."""
    text = parts[0]
    for part in parts[1:]:
        text += f" {part}" if part.startswith(("while ", "once ")) else f" and {part}"
    return text


def _wrap(rule: Rule, needs_parentheses: type) -> str:
    return f"({rule.text})" if isinstance(rule, needs_parentheses) else rule.text

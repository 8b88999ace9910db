"""The one way domain code writes: `async with transaction() as tx:`.

- Everything inside commits together or not at all.
- A uniqueness (or other integrity) error from the database becomes a clear `Conflict`
  here, in one place, instead of a 500.
- `tx.after_commit(hook)` runs `hook()` once the outermost transaction has committed (and
  never if it rolls back): mail to send, caches to drop, work to enqueue.
- `lock(queryset)` takes row locks (PostgreSQL `SELECT ... FOR UPDATE`); SQLite needs none:
  Tortoise runs each SQLite transaction alone on its single connection.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextvars import ContextVar
from typing import Any, TypeVar

from tortoise.exceptions import IntegrityError
from tortoise.models import Model
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from coaching.errors import Conflict

Hook = Callable[[], Awaitable[Any]]
M = TypeVar("M", bound=Model)

_hooks: ContextVar[list[Hook] | None] = ContextVar("tandem_after_commit", default=None)
DEFAULT_CONFLICT = "That clashes with something saved at the same moment. Reload and try again."


class Transaction:
    def __init__(self, connection: Any, hooks: list[Hook]) -> None:
        self.connection = connection
        self._hooks = hooks

    def after_commit(self, hook: Hook) -> None:
        self._hooks.append(hook)


@contextlib.asynccontextmanager
async def transaction(on_conflict: str = DEFAULT_CONFLICT) -> AsyncIterator[Transaction]:
    outer = _hooks.get()
    hooks: list[Hook] = outer if outer is not None else []
    token = _hooks.set(hooks) if outer is None else None
    try:
        async with in_transaction() as connection:
            yield Transaction(connection, hooks)
    except IntegrityError as exc:
        raise Conflict(on_conflict) from exc
    finally:
        if token is not None:
            _hooks.reset(token)
    if outer is None:
        for hook in hooks:
            await hook()


def lock(queryset: QuerySet[M]) -> QuerySet[M]:
    """Row locks on PostgreSQL until the transaction ends (a no-op on SQLite). Only the
    queried model's rows are locked, so `select_related` (outer joins) may follow."""
    return queryset.select_for_update(of=(queryset.model._meta.db_table,))

"""Query shapes whose SQL is built once instead of on every run.

Tortoise turns a QuerySet into SQL afresh each time it runs; for the small queries of a
page that costs several times what the database takes to answer them (bench/anatomy.py).
A `Shape` is a function from arguments to a QuerySet. The first time it runs on a database
dialect (and `key`), its SQL is built once with the real arguments and once more per
argument with only that argument changed, which shows exactly which query parameters each
argument became. From then on the same SQL runs with the new arguments, and Tortoise's own
executor turns the rows into objects (`select_related` included). Only SQL text is kept:
every call runs the query, so results are always current.

What decides the SQL besides the arguments must be in `key` (for example the roles that a
policy turns into "always" or "never"). A policy-scoped shape takes the actor's id last, and
a rule that holds for everyone with the actor's roles doesn't use it (`actor_last`): that
one argument may be absent from the SQL. A shape that can't be reproduced exactly
(prefetches, annotations, list arguments, an argument Tortoise converts before sending it)
is never compiled: those calls run `build(*args)` as usual. With TANDEM_CHECK_COMPILED set
(the test suite sets it), every compiled call is also built the slow way and compared.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from tortoise.models import Model
from tortoise.queryset import QuerySet

M = TypeVar("M", bound=Model)
CHECK = os.environ.get("TANDEM_CHECK_COMPILED", "") not in ("", "0")


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]  # the first build's parameters, literals in their places
    places: tuple[tuple[int, int], ...]  # (parameter index, argument index)
    select_related_idx: list[Any]


class NotCompilable(Exception):
    pass


def _other(value: Any) -> Any:
    """A different value of the same type, to see where an argument lands in the SQL."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):  # same length: Tortoise checks max_length on filter values
        return value[:-1] + chr(ord(value[-1]) ^ 1) if value else "\x01"
    if isinstance(value, datetime):
        return value + timedelta(microseconds=1)
    raise NotCompilable(f"an argument of type {type(value).__name__}")


def _sql_of(query: QuerySet[Any], db: Any) -> tuple[str, list[Any]]:
    query._db = db
    query._make_query()
    sql, params = query.query.get_parameterized_sql()
    return sql, list(params)


class Shape(Generic[M]):
    every: list[Shape[Any]] = []  # so a test can check that the app's shapes all compile

    def __init__(self, build: Callable[..., QuerySet[M]], *, actor_last: bool = False) -> None:
        self.build = build
        self.actor_last = actor_last  # the last argument is an actor's id, which may go unused
        self._compiled: dict[tuple[str, Hashable], _Compiled | None] = {}
        Shape.every.append(self)

    @property
    def fell_back(self) -> bool:
        """Whether some call couldn't be compiled and ran as a plain query."""
        return any(entry is None for entry in self._compiled.values())

    async def all(self, *args: Any, key: Hashable = ()) -> list[M]:
        query = self.build(*args) if CHECK else None
        model = query.model if query is not None else self._model(args)
        db = model._choose_db()  # inside a transaction, the transaction's connection
        slot = (db.capabilities.dialect, key)
        if slot not in self._compiled:
            self._compiled[slot] = self._compile(db, args)
        compiled = self._compiled[slot]
        if compiled is None:
            return await (query if query is not None else self.build(*args))
        params = list(compiled.params)
        for param, arg in compiled.places:
            params[param] = args[arg]
        if query is not None:
            expected = _sql_of(query, db)
            assert expected == (compiled.sql, params), f"compiled SQL drifted: {expected}"
        executor = db.executor_class(
            model=model, db=db, select_related_idx=compiled.select_related_idx
        )
        return await executor.execute_select(compiled.sql, params)

    async def first(self, *args: Any, key: Hashable = ()) -> M | None:
        found = await self.all(*args, key=key)
        return found[0] if found else None

    def _model(self, args: tuple[Any, ...]) -> type[M]:
        model: type[M] | None = getattr(self, "_model_class", None)
        if model is None:
            model = self._model_class = self.build(*args).model
        return model

    def _compile(self, db: Any, args: tuple[Any, ...]) -> _Compiled | None:
        try:
            return self._try_compile(db, args)
        except NotCompilable:
            return None
        except Exception:  # a value Tortoise refuses, say: the plain path will tell
            return None

    def _try_compile(self, db: Any, args: tuple[Any, ...]) -> _Compiled:
        first = self.build(*args)
        if first._prefetch_map or first._prefetch_queries or first._annotations:
            raise NotCompilable("prefetches or annotations")
        sql, params = _sql_of(first, db)
        owner: dict[int, int] = {}
        for index, value in enumerate(args):
            changed = (*args[:index], _other(value), *args[index + 1 :])
            sql_again, params_again = _sql_of(self.build(*changed), db)
            if sql_again != sql or len(params_again) != len(params):
                raise NotCompilable("the SQL depends on an argument's value")
            for place, (a, b) in enumerate(zip(params, params_again, strict=True)):
                if a == b and type(a) is type(b):
                    continue
                if place in owner or not _is_raw(a, value) or not _is_raw(b, changed[index]):
                    raise NotCompilable("an argument is converted or shares a parameter")
                owner[place] = index
        used = set(owner.values())
        if self.actor_last:  # changing it changed nothing above: the rule doesn't name them
            used.add(len(args) - 1)
        if used != set(range(len(args))):
            raise NotCompilable("an argument that the SQL doesn't use")
        return _Compiled(sql, tuple(params), tuple(owner.items()), list(first._select_related_idx))


def _is_raw(param: Any, arg: Any) -> bool:
    return bool(param == arg) and type(param) is type(arg)

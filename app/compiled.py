"""Hot queries whose SQL is built once instead of on every run.

Tortoise turns a QuerySet into SQL afresh each time it runs: resolving filters and joins, then
pypika rendering the text. For the small queries of a page that costs several times what the
database takes to answer (bench/anatomy.py: 0.2–1.8 ms to build against ~0.1 ms to run on
SQLite). It caches its INSERT/UPDATE/DELETE statements, but not SELECTs.

`CompiledQuery(build)` asks Tortoise for the SQL of `build(*args)` once per database dialect,
works out which query parameter each argument became (by building it a second time with other
values), and from then on runs that SQL with the new arguments, turning rows into model objects
(`select_related` included) with Tortoise's own executor. Only the SQL text is kept: every call
still runs the query, so results are always current.

A shape it can't reproduce exactly (prefetches, annotations, list arguments, an argument that
Tortoise converts rather than passes as it is, a literal that changes) is never compiled: those
calls simply run `build(*args)` as usual. Arguments must be what the database receives: strings,
integers, booleans, timezone-aware UTC datetimes. Tortoise's checks of filter values (such as
max_length) are not repeated on compiled calls: a value it would refuse simply matches nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from tortoise.models import Model
from tortoise.queryset import QuerySet

MODEL = TypeVar("MODEL", bound=Model)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]  # with the first call's arguments in their places
    places: tuple[tuple[int, int], ...]  # (parameter index, argument index)
    select_related_idx: list[Any]


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
    raise TypeError(f"can't compile a query taking {type(value).__name__}")


class CompiledQuery(Generic[MODEL]):
    def __init__(self, build: Callable[..., QuerySet[MODEL]]) -> None:
        self.build = build
        self._model: type[MODEL] | None = None
        self._compiled: dict[str, _Compiled | None] = {}  # by dialect; None: not compilable

    async def all(self, *args: Any) -> list[MODEL]:
        if self._model is None:
            self._model = self.build(*args).model
        db = self._model._choose_db()  # inside a transaction, the transaction's connection
        dialect = db.capabilities.dialect
        if dialect not in self._compiled:
            self._compiled[dialect] = self._compile(db, args)
        compiled = self._compiled[dialect]
        if compiled is None:
            return await self.build(*args)
        params = list(compiled.params)
        for param, arg in compiled.places:
            params[param] = args[arg]
        executor = db.executor_class(
            model=self._model, db=db, select_related_idx=compiled.select_related_idx
        )
        return await executor.execute_select(compiled.sql, params)

    async def first(self, *args: Any) -> MODEL | None:
        found = await self.all(*args)
        return found[0] if found else None

    def _compile(self, db: Any, args: tuple[Any, ...]) -> _Compiled | None:
        try:
            others = tuple(_other(a) for a in args)
        except TypeError:
            return None
        try:
            first, second = self.build(*args), self.build(*others)
            if first._prefetch_map or first._prefetch_queries or first._annotations:
                return None
            shapes = []
            for qs in (first, second):
                qs._db = db
                qs._make_query()
                shapes.append(qs.query.get_parameterized_sql())
        except Exception:  # e.g. a value Tortoise refuses: the plain path will say so
            return None
        (sql, params), (sql_again, params_again) = shapes
        if sql != sql_again or len(params) != len(params_again):
            return None
        places = []
        for i, (a, b) in enumerate(zip(params, params_again, strict=True)):
            if a == b and type(a) is type(b):
                continue  # a literal of the shape, e.g. a limit
            matches = [
                j
                for j, (x, y) in enumerate(zip(args, others, strict=True))
                if a == x and b == y and type(a) is type(x) and type(b) is type(y)
            ]
            if len(matches) != 1:
                return None  # converted by Tortoise, or ambiguous: don't guess
            places.append((i, matches[0]))
        if sorted(arg for _, arg in places) != list(range(len(args))):
            return None  # an argument used twice or not at all
        return _Compiled(sql, tuple(params), tuple(places), list(first._select_related_idx))

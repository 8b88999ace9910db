"""A small bounded memo for what never changes once written: the deals a bringing shows
and what the pages work out from them.

A snapshot's deals are never edited, and a bringing's choice of deals is fixed (bringing
again replaces the row), so their content can be kept in memory, keyed by ids *and* by
what makes a row unique beyond its id (its content hash, the moment it was brought): a
database restored or rebuilt with the same ids never meets an old entry. Who may see
them is still decided, and logged, on every request before the memo is asked.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class Memo(Generic[T]):
    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, T] = OrderedDict()

    def find(self, key: Hashable) -> T | None:
        if key not in self._entries:
            return None
        self._entries.move_to_end(key)
        return self._entries[key]

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        found = self.find(key)
        if found is None:
            found = make()
            self.keep(key, found)
        return found

    def keep(self, key: Hashable, value: T) -> None:
        self._entries[key] = value
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()

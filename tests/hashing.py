"""A password hasher that records each real hash and verification, for tests that count
password checks or prove they run off the event loop.

It keeps the cheap argon2id parameters tests/conftest.py installs; `install` swaps it in
for `coaching.identity.passwords.password_hasher` for one test.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass

import pytest
from argon2 import PasswordHasher, profiles

from coaching.identity import passwords


@dataclass(frozen=True)
class Call:
    operation: str  # "hash" or "verify"
    on_event_loop: bool  # an asyncio loop was running in the calling thread
    thread: str


class RecordingHasher(PasswordHasher):
    calls: list[Call]

    def _record(self, operation: str) -> None:
        try:
            asyncio.get_running_loop()
            on_loop = True
        except RuntimeError:
            on_loop = False
        # list.append is atomic: calls from several worker threads at once are all kept.
        self.calls.append(Call(operation, on_loop, threading.current_thread().name))

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        self._record("hash")
        return super().hash(password, salt=salt)

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self._record("verify")
        return super().verify(hash, password)

    def count(self, operation: str) -> int:
        return sum(1 for call in self.calls if call.operation == operation)


def install(monkeypatch: pytest.MonkeyPatch) -> RecordingHasher:
    hasher = RecordingHasher.from_parameters(profiles.CHEAPEST)
    assert isinstance(hasher, RecordingHasher)
    hasher.calls = []
    monkeypatch.setattr(passwords, "password_hasher", hasher)
    return hasher

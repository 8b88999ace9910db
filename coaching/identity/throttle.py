"""Slowing down password guessing, per (account, client address) pair.

Each sign-in attempt first *claims* the right to have its password checked, in one atomic
UPDATE: the claim counts the attempt as a failure in advance and, from the fifth failure on,
sets a short delay before the next claim can succeed (1, 2, 4 ... seconds, at most
MAX_DELAY). Parallel requests therefore cannot get more than FREE_ATTEMPTS passwords
checked, and a success clears the count.

Only the pair is slowed down: a stranger elsewhere cannot lock a person out, and one person
guessing cannot lock out everybody behind the same office address. A correct password is
never refused for longer than MAX_DELAY after the last checked attempt, and an admin can
clear the delay for a person at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import timedelta

from tortoise import connections

from coaching.clock import epoch_ms
from coaching.identity.models import LoginThrottle

FREE_ATTEMPTS = 5
MAX_DELAY_SECONDS = 30
WINDOW = timedelta(minutes=15)  # failures older than this are forgotten


def _key(email: str, client: str) -> str:
    return hashlib.sha256(f"{email}\0{client}".encode()).hexdigest()


def _placeholders(dialect: str, count: int) -> list[str]:
    mark = "$" if dialect == "postgres" else "?"
    return [f"{mark}{i}" for i in range(1, count + 1)]


def _delay_ms(failures: str) -> str:
    """SQL for the delay after `failures` checked attempts: 0, then 1 s doubling to the cap."""
    steps = []
    seconds, n = 1, FREE_ATTEMPTS
    while seconds < MAX_DELAY_SECONDS:
        steps.append(f"WHEN {failures} = {n} THEN {seconds * 1000}")
        seconds, n = seconds * 2, n + 1
    return (
        f"CASE WHEN {failures} < {FREE_ATTEMPTS} THEN 0 {' '.join(steps)} "
        f"ELSE {MAX_DELAY_SECONDS * 1000} END"
    )


async def claim_attempt(email: str, client: str) -> int:
    """Claim one password check for the pair. Returns 0 when the check may go ahead, else
    the number of seconds (at least 1) to wait before trying again."""
    db = connections.get("default")
    dialect = db.capabilities.dialect
    key, now, stale = (
        _key(email, client),
        epoch_ms(),
        epoch_ms() - int(WINDOW.total_seconds() * 1000),
    )
    p = _placeholders(dialect, 5)
    await db.execute_query(
        f"INSERT INTO login_throttles (key_hash, email, client, failures, last_attempt_ms, "
        f"next_attempt_ms) VALUES ({p[0]}, {p[1]}, {p[2]}, 0, 0, 0) "
        "ON CONFLICT (key_hash) DO NOTHING",
        [key, email[:254], client[:64]],
    )
    failures = f"(CASE WHEN last_attempt_ms < {p[2]} THEN 1 ELSE failures + 1 END)"
    rows = await db.execute_query_dict(
        f"UPDATE login_throttles SET failures = {failures}, last_attempt_ms = {p[1]}, "
        f"next_attempt_ms = {p[1]} + {_delay_ms(failures)} "
        f"WHERE key_hash = {p[0]} AND next_attempt_ms <= {p[1]} RETURNING failures",
        [key, now, stale],
    )
    if rows:
        return 0
    row = await LoginThrottle.get_or_none(key_hash=key)
    wait_ms = (row.next_attempt_ms - now) if row is not None else 1000
    return max(1, -(-wait_ms // 1000))


async def forget_failures(email: str, client: str) -> None:
    """A correct password: the pair starts afresh."""
    await LoginThrottle.filter(key_hash=_key(email, client)).update(failures=0, next_attempt_ms=0)


async def clear_for(email: str) -> int:
    """An admin clears every delay on an account (all addresses). Returns how many."""
    return await LoginThrottle.filter(email=email).delete()


async def is_slowed_down(email: str) -> bool:
    return await LoginThrottle.filter(email=email, next_attempt_ms__gt=epoch_ms()).exists()


async def slowed_down_among(emails: Iterable[str]) -> set[str]:
    """Which of these accounts must wait before a password check, from some address: one
    query for a whole page of people (not one per person)."""
    wanted = list(dict.fromkeys(emails))
    if not wanted:
        return set()
    rows = (
        await LoginThrottle.filter(email__in=wanted, next_attempt_ms__gt=epoch_ms())
        .distinct()
        .values_list("email", flat=True)
    )
    return {str(email) for email in rows}


async def purge_stale() -> int:
    """Forget pairs with no attempt within the window and no delay pending."""
    stale = epoch_ms() - int(WINDOW.total_seconds() * 1000)
    return await LoginThrottle.filter(
        last_attempt_ms__lt=stale, next_attempt_ms__lt=epoch_ms()
    ).delete()

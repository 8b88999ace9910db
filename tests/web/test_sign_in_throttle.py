"""Sign-in throttling under parallel guessing (coaching/identity/throttle.py).

Every password check is counted by wrapping the argon2 hasher (tests/hashing.py), so the
tests prove how many passwords were really *checked*, not only what the pages said. The
throttle's clock is frozen or stepped by hand (`Clock`), so a slow machine can never
let a delay run out in the middle of a test; the HTTP requests of a round are started
together with `asyncio.gather` and run truly in parallel on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections import Counter
from collections.abc import AsyncIterator
from itertools import pairwise
from typing import Any

import httpx
import pytest

from coaching.identity import throttle
from coaching.identity.models import LoginThrottle
from coaching.identity.throttle import FREE_ATTEMPTS, MAX_DELAY_SECONDS
from tests.factories import PASSWORD, Browser, make_user, text_of
from tests.hashing import RecordingHasher, install

WRONG = "not-my-password-at-all"
OWNER_ADDRESS, STRANGER_ADDRESS, OFFICE_ADDRESS = "198.51.100.7", "203.0.113.9", "192.0.2.10"


class Clock:
    """The throttle's clock (epoch milliseconds), moved only by the test."""

    def __init__(self, ms: int) -> None:
        self.ms = ms

    def __call__(self, moment: Any = None) -> int:
        return self.ms


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    frozen = Clock(throttle.epoch_ms())
    monkeypatch.setattr(throttle, "epoch_ms", frozen)
    return frozen


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch) -> RecordingHasher:
    return install(monkeypatch)


@contextlib.asynccontextmanager
async def browser_at(app: Any, address: str) -> AsyncIterator[Browser]:
    """A browser whose requests come from `address` (what the throttle keys on)."""
    transport = httpx.ASGITransport(app=app, client=(address, 50123))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield Browser(client)


async def sign_ins_at_once(*attempts: tuple[Browser, str, str]) -> list[httpx.Response]:
    """POST /login for each (browser, email, password), all started together."""
    tokens = [await browser.csrf() for browser, _, _ in attempts]
    return list(
        await asyncio.gather(
            *(
                browser.client.post(
                    "/login", data={"csrf_token": token, "email": email, "password": password}
                )
                for (browser, email, password), token in zip(attempts, tokens, strict=True)
            )
        )
    )


def statuses(responses: list[httpx.Response]) -> Counter[int]:
    return Counter(r.status_code for r in responses)


def waits_asked(responses: list[httpx.Response]) -> list[int]:
    """The waits the refused sign-ins asked for, in seconds."""
    found = [re.search(r"Wait (\d+) seconds", text_of(r.text)) for r in responses]
    assert all(found), "every refused sign-in says how long to wait"
    return [int(m.group(1)) for m in found if m]


async def test_a_hundred_parallel_wrong_passwords_get_only_the_free_attempts_checked(
    app, clock, hasher
) -> None:
    """Guards the atomic claim in `throttle.claim_attempt` (the failure is counted, in
    one UPDATE, before the password is checked). With a read-then-write throttle (a
    SELECT of the delay, then the UPDATE) parallel requests saw "no delay yet" and
    PostgreSQL checked 33 of the 100 passwords, SQLite all 100; one round of 100."""
    owner = await make_user("rep")
    async with browser_at(app, STRANGER_ADDRESS) as guesser:
        responses = await sign_ins_at_once(*[(guesser, owner.email, WRONG)] * 100)

    assert hasher.count("verify") == FREE_ATTEMPTS
    assert statuses(responses) == {400: FREE_ATTEMPTS, 429: 100 - FREE_ATTEMPTS}
    refused = [r for r in responses if r.status_code == 429]
    assert all(1 <= wait <= MAX_DELAY_SECONDS for wait in waits_asked(refused))


async def test_a_stranger_guessing_from_elsewhere_does_not_delay_the_owner(
    app, clock, hasher
) -> None:
    """The throttle is keyed on (account, address): a stranger's 60 parallel failures,
    sent at the same moment as the owner's sign-in, do not touch the owner's pair, and
    the owner can sign in again right after too."""
    owner = await make_user("rep")
    async with (
        browser_at(app, STRANGER_ADDRESS) as stranger,
        browser_at(app, OWNER_ADDRESS) as own_browser,
    ):
        responses = await sign_ins_at_once(
            *[(stranger, owner.email, WRONG)] * 30,
            (own_browser, owner.email, PASSWORD),
            *[(stranger, owner.email, WRONG)] * 30,
        )
        assert responses[30].status_code == 303, text_of(responses[30].text)
        assert statuses(responses[:30] + responses[31:]) == {400: FREE_ATTEMPTS, 429: 55}
        await own_browser.post("/logout")
        assert (await own_browser.login(owner)).status_code == 303
    assert hasher.count("verify") == FREE_ATTEMPTS + 2


async def test_one_persons_failures_do_not_lock_out_others_behind_the_same_office_address(
    app, clock, hasher
) -> None:
    """Many people share an office address: one person's 40 parallel failures slow only
    that person there, while four colleagues signing in from the same address at the
    same moment all get in."""
    careless = await make_user("rep", email="careless@example.com")
    colleagues = [await make_user("rep") for _ in range(4)]
    async with contextlib.AsyncExitStack() as stack:
        guessing = await stack.enter_async_context(browser_at(app, OFFICE_ADDRESS))
        desks = [await stack.enter_async_context(browser_at(app, OFFICE_ADDRESS)) for _ in range(4)]
        responses = await sign_ins_at_once(
            *[(guessing, careless.email, WRONG)] * 20,
            *[
                (desk, person.email, PASSWORD)
                for desk, person in zip(desks, colleagues, strict=True)
            ],
            *[(guessing, careless.email, WRONG)] * 20,
        )
    colleague_answers = responses[20:24]
    assert [r.status_code for r in colleague_answers] == [303] * 4
    assert statuses(responses[:20] + responses[24:]) == {400: FREE_ATTEMPTS, 429: 35}


async def test_a_correct_password_waits_at_most_the_maximum_delay_after_the_last_check(
    app, clock, hasher
) -> None:
    """The delay doubles up to MAX_DELAY_SECONDS and is counted from the last *checked*
    attempt. After the free attempts, at each step 6 guesses are sent at once the moment
    the wait is over (exactly one is checked), and 3 more hammer 1 ms before it is over
    (none is checked, none pushes the delay further). At the end the owner's correct
    password is refused 1 ms before the maximum delay and accepted exactly at it."""
    owner = await make_user("rep")
    guesses = [(owner.email, WRONG)]
    async with browser_at(app, STRANGER_ADDRESS) as guesser:
        free = await sign_ins_at_once(
            *[(guesser, *guess) for guess in guesses * (FREE_ATTEMPTS + 3)]
        )
        assert statuses(free) == {400: FREE_ATTEMPTS, 429: 3}
        last_checked, delays = clock.ms, []
        while delays[-2:] != [MAX_DELAY_SECONDS * 1000] * 2:  # until on the cap twice
            row = await LoginThrottle.get(email=owner.email)
            delays.append(row.next_attempt_ms - last_checked)
            clock.ms = row.next_attempt_ms - 1
            early = await sign_ins_at_once(*[(guesser, *guess) for guess in guesses * 3])
            assert waits_asked(early) == [1, 1, 1]
            clock.ms = row.next_attempt_ms
            step = await sign_ins_at_once(*[(guesser, *guess) for guess in guesses * 6])
            assert statuses(step) == {400: 1, 429: 5}
            last_checked = clock.ms
            refused = [r for r in step if r.status_code == 429]
            assert all(wait <= MAX_DELAY_SECONDS for wait in waits_asked(refused))
        cap = MAX_DELAY_SECONDS * 1000
        assert delays[0] == 1000
        assert all(d == min(2 * before, cap) for before, d in pairwise(delays))
        assert hasher.count("verify") == FREE_ATTEMPTS + len(delays)

        clock.ms = last_checked + MAX_DELAY_SECONDS * 1000 - 1
        too_soon = await guesser.login(owner)
        clock.ms = last_checked + MAX_DELAY_SECONDS * 1000
        in_time = await guesser.login(owner)

    assert too_soon.status_code == 429
    assert in_time.status_code == 303, text_of(in_time.text)


async def test_a_successful_sign_in_clears_the_count(app, clock, hasher) -> None:
    """After FREE_ATTEMPTS - 1 failures and a success, the pair starts afresh: of the
    next FREE_ATTEMPTS + 3 wrong passwords sent at once, FREE_ATTEMPTS are checked again
    (had the success not cleared the count, only one would be)."""
    owner = await make_user("rep")
    async with browser_at(app, OWNER_ADDRESS) as browser:
        for _ in range(FREE_ATTEMPTS - 1):
            assert (
                await browser.post("/login", {"email": owner.email, "password": WRONG})
            ).status_code == 400
        assert (await browser.login(owner)).status_code == 303
        await browser.post("/logout")
        hasher.calls.clear()

        responses = await sign_ins_at_once(*[(browser, owner.email, WRONG)] * (FREE_ATTEMPTS + 3))

    assert statuses(responses) == {400: FREE_ATTEMPTS, 429: 3}
    assert hasher.count("verify") == FREE_ATTEMPTS

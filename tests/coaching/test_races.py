"""Requests that arrive at the same moment: each rule that a check-then-write could break
is tried with requests sent truly in parallel.

Every request goes through the real app (httpx.ASGITransport) and the requests of one
round are started together with `asyncio.gather`. On PostgreSQL each request's
transaction takes its own pooled asyncpg connection, so the transactions really overlap
and only the row locks (`coaching.db.lock`) and unique constraints keep the rules; on
SQLite Tortoise runs one transaction at a time, so the same tests check that serialising
gives the same answers. Each test says which protection it guards and how many rounds it
needed to fail on PostgreSQL without it.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
import pytest

from coaching import goals, people
from coaching.errors import Conflict, Invalid, NotFound
from coaching.identity import invitations
from coaching.identity.accounts import create_user
from coaching.identity.models import Invitation, Role, User, UserRole
from coaching.models import AgendaItem, Goal
from coaching.sessions import MAX_AGENDA_ITEMS
from tests.factories import (
    PASSWORD,
    Browser,
    make_goal,
    make_pairing,
    make_session,
    make_user,
    open_browser,
    reload,
    text_of,
)

SERVER_ERROR = "Something went wrong"
NEW_PASSWORD = "a long enough secret"


async def post_at_once(*posts: tuple[Browser, str, dict[str, Any]]) -> list[httpx.Response]:
    """Send form posts together: tokens are fetched first, so the requests start at once."""
    tokens = [await browser.csrf() for browser, _, _ in posts]
    return list(
        await asyncio.gather(
            *(
                browser.client.post(url, data={"csrf_token": token, **form})
                for (browser, url, form), token in zip(posts, tokens, strict=True)
            )
        )
    )


def assert_no_server_error(responses: list[httpx.Response]) -> None:
    for response in responses:
        assert response.status_code < 500, response.text
        assert SERVER_ERROR not in response.text


# --- 1. sharing an item while the pairing ends ------------------------------------------

SHARE_END_ROUNDS = 12


async def test_sharing_a_goal_while_the_pairing_ends_leaves_no_share_to_revive(app) -> None:
    """Guards the pairing row lock in `sharing.set_shared_with`.

    Without it the share can read the pairing as active, the end commits and withdraws
    the shares it sees (none yet), then the share is written: a share row that comes back
    to life when the two pair again. In each round the two are paired again, so every
    round also checks that nothing earlier revived. Without the lock this failed on
    PostgreSQL in 8 runs out of 8, in round 1 to 5; hence 12 rounds. With it, both
    orders happen on PostgreSQL (the share refused, or made then withdrawn).
    """
    coach = await make_user("manager", name="Maya Coach")
    rep = await make_user("rep", name="Rosa Rep")
    tried: list[Goal] = []
    async with open_browser(app) as rep_browser, open_browser(app) as coach_browser:
        await rep_browser.login(rep)
        await coach_browser.login(coach)
        for n in range(SHARE_END_ROUNDS):
            pairing = await make_pairing(coach, rep)  # the same two pair again
            for earlier in tried:
                assert not await Goal.filter(id=earlier.id, shared_with=coach.id).exists()
            goal = await make_goal(rep, f"Goal number {n}")
            tried.append(goal)

            share, end = await post_at_once(
                (rep_browser, f"/goals/{goal.id}/sharing", {"coach_ids": str(coach.id)}),
                (coach_browser, f"/pairings/{pairing.id}/end", {}),
            )

            assert_no_server_error([share, end])
            assert end.status_code == 303
            # Either the share came first (and the end took it back) or it was refused.
            assert share.status_code in (303, 400)
            if share.status_code == 400:
                assert "You can share only with a coach you are paired with." in share.text
            assert not await Goal.filter(id=goal.id, shared_with=coach.id).exists()

        # Paired once more, with a session: none of the goals is shown to the coach.
        session = await make_session(await make_pairing(coach, rep))
        page = text_of((await coach_browser.get(f"/sessions/{session.id}")).text)
    assert "Goal number" not in page
    for goal in tried:
        with pytest.raises(NotFound):
            await goals.get_goal(coach, goal.id)


# --- 2. two admins acting on each other at once -----------------------------------------

ADMIN_ROUNDS = 6
DEMOTE = "demote"
DEACTIVATE = "deactivate"


async def active_admins() -> set[int]:
    return set(
        await User.filter(is_active=True, role_rows__role=Role.ADMIN).values_list("id", flat=True)
    )


def admin_post(kind: str, browser: Browser, target: User) -> tuple[Browser, str, dict[str, Any]]:
    if kind == DEMOTE:
        return browser, f"/admin/people/{target.id}/roles", {"roles": "rep"}
    return browser, f"/admin/people/{target.id}/active", {"active": "0"}


async def two_admins_at_once(app: Any, first: str, second: str) -> None:
    """Rounds in which admin A does `first` to B while B does `second` to A; before each
    round the two are made the only admins (the survivors of earlier rounds step down)."""
    for _ in range(ADMIN_ROUNDS):
        await UserRole.filter(role=Role.ADMIN).delete()
        a = await make_user("admin", "rep")
        b = await make_user("admin", "rep")
        async with open_browser(app) as browser_a, open_browser(app) as browser_b:
            await browser_a.login(a)
            await browser_b.login(b)
            responses = await post_at_once(
                admin_post(first, browser_a, b), admin_post(second, browser_b, a)
            )
        assert_no_server_error(responses)
        survivors = await active_admins()
        assert len(survivors) == 1, "exactly one of the two changes may go through"
        assert survivors <= {a.id, b.id}


async def test_two_admins_removing_each_others_admin_role_at_once_leave_one_admin(app) -> None:
    """Guards the lock on the admin role rows in `people._refuse_losing_last_admin`.

    Without it both requests see the other admin still there, both go through, and
    nobody can run the organisation any more. Without the lock the three tests below
    failed on PostgreSQL in round 1 or 2 of every run; hence 6 rounds each."""
    await two_admins_at_once(app, DEMOTE, DEMOTE)


async def test_two_admins_deactivating_each_other_at_once_leave_one_active_admin(app) -> None:
    """Same lock: deactivation changes `users.is_active`, not the role rows, so it is the
    lock on the role rows that makes the second check wait for the first change."""
    await two_admins_at_once(app, DEACTIVATE, DEACTIVATE)


async def test_one_admin_demoting_while_the_other_deactivates_leaves_one_active_admin(
    app,
) -> None:
    """Same lock, across the two kinds of change."""
    await two_admins_at_once(app, DEMOTE, DEACTIVATE)


async def test_the_last_active_admin_can_never_lose_the_role_or_be_deactivated(app) -> None:
    """The rule itself, however the request arrives: an admin whose own admin role was
    removed a moment ago (their request still carrying the old roles) can neither remove
    nor deactivate the one admin left, and nobody can demote or deactivate themself."""
    a = await make_user("admin", "rep", name="Ada Admin")
    b = await make_user("admin", "rep", name="Bo Admin")
    b_as_loaded_before = await reload(b)
    await people.set_roles(await reload(a), b.id, ["rep"])

    last = "Ada Admin is the last active admin. Make someone else admin first."
    with pytest.raises(Invalid, match=last):
        await people.set_roles(b_as_loaded_before, a.id, ["rep"])
    with pytest.raises(Invalid, match=last):
        await people.set_active(b_as_loaded_before, a.id, False)
    with pytest.raises(Invalid, match="You can't remove your own admin role"):
        await people.set_roles(await reload(a), a.id, ["rep"])
    with pytest.raises(Invalid, match="You can't deactivate yourself"):
        await people.set_active(await reload(a), a.id, False)
    assert await active_admins() == {a.id}


# --- 3. parallel additions to one agenda ------------------------------------------------

AGENDA_ROUNDS = 2
PARALLEL_ADDS = 10


async def test_parallel_agenda_additions_never_go_past_the_limit(app) -> None:
    """Guards the session row lock in `sessions.add_agenda_item` (count, then insert).

    With 49 items on the agenda, 10 additions at once: exactly one is added and the
    others are told the limit, never a 500. Without the lock PostgreSQL let 3 to 5 of the
    10 through, in the first round of every run; 2 rounds of 10 requests."""
    coach, rep = await make_user("manager"), await make_user("rep")
    pairing = await make_pairing(coach, rep)
    async with open_browser(app) as rep_browser:
        await rep_browser.login(rep)
        for _ in range(AGENDA_ROUNDS):
            session = await make_session(pairing)
            await AgendaItem.bulk_create(
                [
                    AgendaItem(session=session, author=rep, text=f"Topic {i}")
                    for i in range(MAX_AGENDA_ITEMS - 1)
                ]
            )
            url = f"/sessions/{session.id}/agenda"
            responses = await post_at_once(
                *((rep_browser, url, {"text": f"Late topic {i}"}) for i in range(PARALLEL_ADDS))
            )

            assert_no_server_error(responses)
            statuses = Counter(r.status_code for r in responses)
            assert statuses == {303: 1, 400: PARALLEL_ADDS - 1}
            for refused in (r for r in responses if r.status_code == 400):
                assert f"A session can hold {MAX_AGENDA_ITEMS} agenda items at most." in (
                    text_of(refused.text)
                )
            assert await AgendaItem.filter(session_id=session.id).count() == MAX_AGENDA_ITEMS


# --- 4. the same email twice at once ----------------------------------------------------

SAME_EMAIL_ROUNDS = 3


async def test_creating_the_same_account_twice_at_once_gives_one_account_and_a_conflict(
    db,
) -> None:
    """Guards the unique email and `db.transaction` turning the database's uniqueness
    error into a clear Conflict. Two `create_user` calls at once for one address: one
    account, and the other caller gets a Conflict that names the address, never a raw
    IntegrityError. Without the translation (no `except IntegrityError` in
    `db.transaction`) it failed on PostgreSQL in the first round; 3 rounds."""
    for n in range(SAME_EMAIL_ROUNDS):
        email = f"twice{n}@example.com"
        results = await asyncio.gather(
            create_user(email, "First Try", ["rep"], password=PASSWORD),
            create_user(email.upper(), "Second Try", ["rep"], password=PASSWORD),
            return_exceptions=True,
        )
        created = [r for r in results if isinstance(r, User)]
        refused = [r for r in results if not isinstance(r, User)]
        assert len(created) == 1 and len(refused) == 1, results
        assert isinstance(refused[0], Conflict), repr(refused[0])
        assert refused[0].message == f"Someone with the email {email} already has an account."
        assert await User.filter(email=email).count() == 1
        assert await UserRole.filter(user_id=created[0].id).count() == 1


async def test_two_invitations_for_one_address_at_once_leave_one_pending_invitation(
    app,
) -> None:
    """Guards the unique `pending_email` of invitations and its translation into a clear
    answer. Two admins invite the same address at the same moment: at most one link
    stays valid, and a refused admin is told why (400 with a message), never a 500.
    Done one after the other, the second invitation would simply replace the first; at
    the same moment the second insert meets the first's uncommitted row. Without the
    translation it answered 500 on PostgreSQL in the first round; 3 rounds."""
    admin = await make_user("admin", name="Ada Admin")
    other = await make_user("admin", name="Bo Admin")
    async with open_browser(app) as first, open_browser(app) as second:
        await first.login(admin)
        await second.login(other)
        for n in range(SAME_EMAIL_ROUNDS):
            email = f"newcomer{n}@example.com"
            form = {"email": email, "name": "New Comer", "roles": "rep"}
            responses = await post_at_once(
                (first, "/admin/invite", form), (second, "/admin/invite", form)
            )

            assert_no_server_error(responses)
            for response in responses:
                if response.status_code == 400:
                    assert f"An invitation for {email} was created just now." in text_of(
                        response.text
                    )
                else:
                    assert response.status_code == 200
                    assert "/invitations/" in response.text
            assert await Invitation.filter(pending_email=email).count() == 1


async def test_accepting_one_invitation_twice_at_once_creates_one_account(app) -> None:
    """A double-click on "Create my account": the claim of the invitation (an UPDATE that
    only matches while it is pending) lets one request through; the other is told the
    link has just been used (404 with the message), never a 500 or a second account.
    Without the `pending_email__isnull=False` condition in the claim, both went on to
    create the account on PostgreSQL and the loser was answered "already has an
    account" instead, in round 1 or 2; 3 rounds."""
    admin = await reload(await make_user("admin"))
    form = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "timezone": "UTC"}
    for n in range(SAME_EMAIL_ROUNDS):
        email = f"double{n}@example.com"
        token = await invitations.invite(admin, email, "Dee Double", ["rep"], days=7)
        async with open_browser(app) as first, open_browser(app) as second:
            responses = await post_at_once(
                (first, f"/invitations/{token}", form), (second, f"/invitations/{token}", form)
            )

        assert_no_server_error(responses)
        assert sorted(r.status_code for r in responses) == [303, 404]
        refused = next(r for r in responses if r.status_code == 404)
        assert "This invitation link has" in text_of(refused.text)  # just been used / been used
        assert await User.filter(email=email).count() == 1

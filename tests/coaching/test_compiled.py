"""Query shapes compiled once (coaching/compiled.py): the same rows and objects as Tortoise,
read afresh on every call; anything it can't reproduce exactly runs as a plain query."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from coaching import compiled
from coaching.clock import now
from coaching.compiled import Shape
from coaching.identity.accounts import hash_token
from coaching.identity.models import User, UserRole, WebSession
from coaching.identity.web_sessions import find_live_session
from coaching.models import Goal
from coaching.policy import Action
from coaching.policy.reveal import reveal, scoped
from playbooks.models import Playbook
from tests.factories import make_playbook, make_user
from tests.web.test_query_counts import counting_queries


def session_shape() -> Shape[WebSession]:
    return Shape(
        lambda key_hash, at: (
            WebSession.filter(key_hash=key_hash, expires_at__gt=at).select_related("user").limit(1)
        )
    )


async def live_session(user: User, key: str = "k", days: int = 1) -> WebSession:
    return await WebSession.create(
        key_hash=hash_token(key), user=user, data={"csrf": key}, expires_at=now() + timedelta(days)
    )


def compiled_slots(shape: Shape) -> list:  # type: ignore[type-arg]
    return [entry for entry in shape._compiled.values() if entry is not None]


async def test_a_compiled_shape_returns_what_tortoise_returns(db):
    user = await make_user("manager")
    await live_session(user)
    shape = session_shape()
    found = await shape.first(hash_token("k"), now())
    expected = await WebSession.get(key_hash=hash_token("k")).select_related("user")
    assert compiled_slots(shape), "the session lookup should compile"
    assert found is not None and found.user is not None
    assert (found.id, found.data, found.expires_at) == (
        expected.id,
        expected.data,
        expected.expires_at,
    )
    assert (found.user.id, found.user.email, found.user.is_active) == (
        expected.user.id,
        expected.user.email,
        expected.user.is_active,
    )


async def test_only_the_sql_is_kept_every_call_reads_the_rows_afresh(db):
    user = await make_user()
    row = await live_session(user)
    shape = session_shape()
    assert (await shape.first(hash_token("k"), now())).user.is_active  # type: ignore[union-attr]
    await User.filter(id=user.id).update(is_active=False)
    assert not (await shape.first(hash_token("k"), now())).user.is_active  # type: ignore[union-attr]
    assert await shape.first(hash_token("k"), now() + timedelta(days=2)) is None  # expired
    assert await shape.first(hash_token("other"), now()) is None
    await row.delete()
    assert await shape.first(hash_token("k"), now()) is None


async def test_an_argument_used_twice_or_equal_to_another_is_placed_right(db):
    """Each argument is changed alone to find its parameters, so equal values (a goal id
    that equals a person's id) and an argument used in two places can't be confused."""
    owner, other = await make_user(), await make_user()
    mine = await Goal.create(owner=owner, title="Mine")
    await Goal.create(owner=other, title="Theirs")

    def build(who: int, goal_id: int):  # type: ignore[no-untyped-def]
        return Goal.filter(Q(owner_id=who) | Q(id=who), id=goal_id).order_by("id")

    shape = Shape(build)
    for who, goal_id in [(owner.id, mine.id), (other.id, mine.id), (mine.id, mine.id)]:
        expected = [g.id for g in await build(who, goal_id)]
        assert [g.id for g in await shape.all(who, goal_id)] == expected
    assert compiled_slots(shape)


async def test_a_compiled_shape_runs_on_the_transactions_connection(db):
    user = await make_user()
    shape = session_shape()
    await shape.first(hash_token("warm-up"), now())
    async with in_transaction():
        await live_session(user, "inside")
        assert await shape.first(hash_token("inside"), now()) is not None


async def test_shapes_it_cannot_reproduce_run_as_plain_tortoise_queries(db):
    people = [await make_user() for _ in range(3)]
    by_ids = Shape(lambda ids: User.filter(id__in=ids).order_by("id"))
    assert [u.id for u in await by_ids.all([p.id for p in people[:2]])] == [
        p.id for p in people[:2]
    ]
    assert [u.id for u in await by_ids.all([people[2].id])] == [people[2].id]
    assert not compiled_slots(by_ids)


async def test_the_check_mode_catches_a_shape_whose_sql_changes_behind_its_key(db, monkeypatch):
    """The suite runs with TANDEM_CHECK_COMPILED: a shape whose SQL depends on something
    outside its arguments and key fails loudly instead of running the wrong query."""
    monkeypatch.setattr(compiled, "CHECK", True)
    user = await make_user()
    mode = {"active": True}
    shape = Shape(lambda uid: User.filter(id=uid, is_active=mode["active"]))
    assert [u.id for u in await shape.all(user.id)] == [user.id]
    mode["active"] = False
    with pytest.raises(AssertionError, match="compiled SQL drifted"):
        await shape.all(user.id)


async def test_the_signed_in_person_is_loaded_with_all_their_roles_in_one_query(browser):
    user = await make_user("manager", "trainer")
    await browser.login(user)
    assert (await browser.get("/")).status_code == 200
    key = browser.client.cookies["tandem_session"]
    with counting_queries() as counter:
        row = await find_live_session(hash_token(key))
    assert counter.count == 1
    assert row is not None and row.user is not None and row.user.id == user.id
    assert {r.value for r in row.user.roles} == {"manager", "trainer"}
    assert row.data["csrf"] and row.expires_at > now()
    await User.filter(id=user.id).update(is_active=False)
    again = await find_live_session(hash_token(key))
    assert again is not None and not again.user.is_active  # read afresh every time
    assert await find_live_session(hash_token("no such key")) is None


async def test_a_person_with_no_role_is_loaded_with_none(db):
    user = await make_user("rep")
    await UserRole.filter(user_id=user.id).delete()
    await live_session(user)
    row = await find_live_session(hash_token("k"))
    assert row is not None and row.user.roles == []


async def test_a_rule_that_does_not_name_the_reader_still_compiles_scoped(db):
    """Published playbooks are for everyone signed in: the READ filter a manager gets doesn't
    use their id (the scoped shape's last argument), and the shape compiles all the same;
    a trainer's filter (drafts too) is compiled apart, by role."""
    manager, trainer = await make_user("manager"), await make_user("trainer")
    draft = await make_playbook(trainer, "Draft", published=False)
    shown = await make_playbook(trainer, "Shown", published=True)
    await Playbook.filter(id__in=[draft.id, shown.id]).update(signals="no-next-step")
    shape = Shape(lambda: Playbook.exclude(signals="").order_by("title"))
    for actor, expected in [(manager, [shown.id]), (trainer, [draft.id, shown.id])]:
        assert [p.id for p in await reveal(actor, shape)] == expected
    scoped_shapes = [scoped(shape, actor, Action.READ) for actor in (manager, trainer)]
    assert all(compiled_slots(s) and not s.fell_back for s in scoped_shapes)

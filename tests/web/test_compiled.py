"""Queries compiled once (app/compiled.py): same objects as Tortoise, read afresh every time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tortoise.exceptions import ValidationError
from tortoise.transactions import in_transaction

from app.compiled import CompiledQuery
from app.web_sessions import LIVE_SESSION
from coaching.clock import now
from coaching.identity.accounts import hash_token
from coaching.identity.models import User, WebSession
from tests.factories import make_user


def session_query() -> CompiledQuery[WebSession]:
    return CompiledQuery(
        lambda key_hash, at: (
            WebSession.filter(key_hash=key_hash, expires_at__gt=at).select_related("user").limit(1)
        )
    )


async def live_session(user: User, key: str = "k", days: int = 1) -> WebSession:
    return await WebSession.create(
        key_hash=hash_token(key), user=user, data={"csrf": key}, expires_at=now() + timedelta(days)
    )


async def test_a_compiled_query_returns_what_tortoise_returns(db):
    user = await make_user("manager")
    await live_session(user)
    query = session_query()
    found = await query.first(hash_token("k"), now())
    expected = await WebSession.get(key_hash=hash_token("k")).select_related("user")
    dialect = next(iter(query._compiled))
    assert query._compiled[dialect] is not None, "the session lookup should compile"
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
    query = session_query()
    assert (await query.first(hash_token("k"), now())).user.is_active  # type: ignore[union-attr]
    await User.filter(id=user.id).update(is_active=False)
    assert not (await query.first(hash_token("k"), now())).user.is_active  # type: ignore[union-attr]
    assert await query.first(hash_token("k"), now() + timedelta(days=2)) is None  # expired
    assert await query.first(hash_token("other"), now()) is None
    await row.delete()
    assert await query.first(hash_token("k"), now()) is None


async def test_a_compiled_query_runs_on_the_transactions_connection(db):
    user = await make_user()
    query = session_query()
    await query.first(hash_token("warm-up"), now())
    async with in_transaction():
        await live_session(user, "inside")
        assert await query.first(hash_token("inside"), now()) is not None


async def test_shapes_it_cannot_reproduce_run_as_plain_tortoise_queries(db):
    people = [await make_user() for _ in range(3)]
    by_ids = CompiledQuery(lambda ids: User.filter(id__in=ids).order_by("id"))
    assert [u.id for u in await by_ids.all([p.id for p in people[:2]])] == [
        p.id for p in people[:2]
    ]
    assert [u.id for u in await by_ids.all([people[2].id])] == [people[2].id]
    assert all(shape is None for shape in by_ids._compiled.values())
    with pytest.raises(ValidationError):  # Tortoise's own checks still apply on that path
        await session_query().first("x" * 65, now())


async def test_the_session_middleware_lookup_is_compiled(browser):
    user = await make_user()
    await browser.login(user)
    assert (await browser.get("/")).status_code == 200
    assert any(shape is not None for shape in LIVE_SESSION._compiled.values())

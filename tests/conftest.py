"""Shared fixtures: a migrated database per test (SQLite, or PostgreSQL when
TANDEM_TEST_DATABASE_URL is set), the app, an HTTP client, and factories with valid defaults.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
import pytest_asyncio
from argon2 import PasswordHasher, profiles
from tortoise.context import TortoiseContext
from tortoise.contrib.test import truncate_all_models
from tortoise.migrations.executor import MigrationExecutor

from app.main import create_app
from app.settings import Settings, tortoise_config
from coaching import compiled
from coaching.identity import passwords
from tests.factories import PASSWORD, Browser

# Every compiled query is checked against the SQL Tortoise would build (coaching/compiled.py),
# here and in the servers the browser tests start.
os.environ["TANDEM_CHECK_COMPILED"] = "1"
compiled.CHECK = True

# argon2id still, but with the cheapest parameters, so hundreds of logins stay fast.
passwords.password_hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PG_BASE_URL = os.environ.get("TANDEM_TEST_DATABASE_URL", "").strip()
_PG_RUN_DB = f"tandem_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
_pg_migrated = False


def _pg_url(db_name: str) -> str:
    parts = urlsplit(PG_BASE_URL)
    return urlunsplit(parts._replace(path="/" + db_name))


def pytest_report_header(config: pytest.Config) -> str:
    target = f"PostgreSQL ({_pg_url(_PG_RUN_DB)})" if PG_BASE_URL else "SQLite (a file per test)"
    return f"tandem test database: {target}"


async def _migrate(ctx: TortoiseContext, config: dict) -> None:
    await MigrationExecutor(ctx.db(), config["apps"]).migrate()


async def _build_sqlite_template(path: Path) -> None:
    config = tortoise_config(f"sqlite://{path}")
    async with TortoiseContext() as ctx:
        await ctx.init(config=config)
        await _migrate(ctx, config)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """The committed migrations applied once per run to a SQLite file that tests copy."""
    if PG_BASE_URL:
        return None
    path = tmp_path_factory.mktemp("schema") / "template.sqlite3"
    asyncio.run(_build_sqlite_template(path))
    return path


@pytest.fixture
def database_url(sqlite_template: Path | None, tmp_path: Path) -> str:
    if sqlite_template is None:
        return _pg_url(_PG_RUN_DB)
    copy = tmp_path / "tandem.sqlite3"
    shutil.copyfile(sqlite_template, copy)
    return f"sqlite://{copy}"


@pytest_asyncio.fixture
async def db(database_url: str) -> AsyncIterator[TortoiseContext]:
    """A database with the committed migrations applied, empty at the start of each test."""
    global _pg_migrated
    config = tortoise_config(database_url)
    async with TortoiseContext() as ctx:
        if PG_BASE_URL:
            await ctx.init(config=config, _create_db=not _pg_migrated)
            if not _pg_migrated:
                await _migrate(ctx, config)
                _pg_migrated = True
            await truncate_all_models()
        else:
            await ctx.init(config=config)
        yield ctx


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if PG_BASE_URL and _pg_migrated:
        asyncio.run(_drop_pg_database())


async def _drop_pg_database() -> None:
    import asyncpg

    conn = await asyncpg.connect(_pg_url("postgres"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{_PG_RUN_DB}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, secret_key="test-secret-key-not-for-production")


@pytest.fixture
def app(db: TortoiseContext, settings: Settings):  # type: ignore[no-untyped-def]
    return create_app(settings, manage_db=False)


@pytest_asyncio.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest_asyncio.fixture
async def browser(app) -> AsyncIterator[Browser]:  # type: ignore[no-untyped-def]
    """An HTTP client that signs in and sends the CSRF token like a real browser form would."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield Browser(c)


def require_or_skip(available: bool, reason: str) -> None:
    """Skip when something optional is missing, except in CI where nothing may be skipped."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: this must not be skipped)")
    pytest.skip(reason)


__all__ = ["PASSWORD", "require_or_skip"]

"""Database start-up: apply committed migrations, then open Tortoise for the app."""

from __future__ import annotations

from pathlib import Path

from tortoise import Tortoise
from tortoise.migrations.api import migrate

from app.settings import tortoise_config


def ensure_sqlite_dir(database_url: str) -> None:
    if database_url.startswith("sqlite://") and ":memory:" not in database_url:
        path = database_url.removeprefix("sqlite://").split("?", 1)[0]
        Path(path).parent.mkdir(parents=True, exist_ok=True)


async def apply_migrations(database_url: str) -> None:
    """Bring the schema up to date (idempotent), then release the migration connections."""
    ensure_sqlite_dir(database_url)
    await migrate(config=tortoise_config(database_url))
    await Tortoise.close_connections()


async def database_reachable() -> bool:
    try:
        conn = Tortoise.get_connection("default")
        await conn.execute_query("SELECT 1")
    except Exception:
        return False
    return True

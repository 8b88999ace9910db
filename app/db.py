"""Database start-up: apply committed migrations, then open Tortoise for the app."""

from __future__ import annotations

from pathlib import Path

from tortoise import Tortoise
from tortoise.migrations.api import migrate

from app.settings import ConfigError, tortoise_config


def ensure_sqlite_dir(database_url: str) -> None:
    if database_url.startswith("sqlite://") and ":memory:" not in database_url:
        path = database_url.removeprefix("sqlite://").split("?", 1)[0]
        Path(path).parent.mkdir(parents=True, exist_ok=True)


async def apply_migrations(database_url: str) -> None:
    """Bring the schema up to date (idempotent), then release the migration connections."""
    ensure_sqlite_dir(database_url)
    await _refuse_pre_release_schema(database_url)
    await migrate(config=tortoise_config(database_url))
    await Tortoise.close_connections()


async def _refuse_pre_release_schema(database_url: str) -> None:
    """Development databases made before 0.2 (roles in a column, no identity app) cannot be
    migrated: their migration history was restarted. Say so instead of failing obscurely."""
    await Tortoise.init(config=tortoise_config(database_url))
    try:
        conn = Tortoise.get_connection("default")
        if conn.capabilities.dialect == "postgres":
            sql = (
                "SELECT column_name AS name FROM information_schema.columns "
                "WHERE table_name = 'users' AND table_schema = current_schema()"
            )
        else:
            sql = "SELECT name FROM pragma_table_info('users')"
        columns = {row["name"] for row in await conn.execute_query_dict(sql)}
    finally:
        await Tortoise.close_connections()
    if "roles_csv" in columns:
        raise ConfigError(
            "This database was made by a development version of Tandem before 0.2, whose "
            "migrations were restarted. Start from a new database (for the demo: delete "
            "var/tandem.sqlite3 and run `make run` again)."
        )


async def database_reachable() -> bool:
    try:
        conn = Tortoise.get_connection("default")
        await conn.execute_query("SELECT 1")
    except Exception:
        return False
    return True

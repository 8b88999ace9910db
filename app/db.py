"""Database start-up: apply committed migrations, then open Tortoise for the app."""

from __future__ import annotations

import os
from pathlib import Path

from tortoise import Tortoise
from tortoise.migrations.api import migrate

from app.logs import get_logger
from app.settings import ConfigError, make_private_dir, tortoise_config

log = get_logger("tandem.db")
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def prepare_sqlite_file(database_url: str) -> None:
    """Create the SQLite file readable by its owner only (0600), in a private directory.
    SQLite gives its -wal and -shm files the main file's mode; older ones are tightened."""
    if not database_url.startswith("sqlite://") or ":memory:" in database_url:
        return
    path = Path(database_url.removeprefix("sqlite://").split("?", 1)[0])
    make_private_dir(path.parent)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))  # an empty file is a new database
    for file in [path, *(Path(f"{path}{suffix}") for suffix in SQLITE_SIDE_FILES)]:
        if file.exists() and file.stat().st_mode & 0o077:
            _make_private(file)


def _make_private(file: Path) -> None:
    try:
        file.chmod(0o600)
    except OSError as exc:
        log.warning("Could not make %s readable by its owner only: %s", file, exc)


async def apply_migrations(database_url: str) -> None:
    """Bring the schema up to date (idempotent), then release the migration connections."""
    prepare_sqlite_file(database_url)
    await _refuse_pre_release_schema(database_url)
    try:
        await migrate(config=tortoise_config(database_url))
    finally:  # also on failure: an open SQLite connection's thread keeps the process alive
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

"""The migrated schema keeps its indexes and constraints on both databases.

SQLite cannot alter a column in place: the migration tool rebuilds the table, and the
rebuild drops the table's triggers and indexes. These tests catch a migration that loses
them (the audit log lost both its indexes once, its append-only triggers are tested in
tests/coaching/test_append_only_logs.py)."""

from __future__ import annotations

import pytest
from tortoise import connections

from coaching.db import transaction
from coaching.errors import Conflict
from coaching.pipeline.models import BroughtSnapshot
from tests.factories import make_pairing, make_session, make_snapshot, make_user

INDEXED = {
    "audit_events": {"at", "subject_id"},
    "access_events": {"subject_id"},
    "brought_snapshots": {"session_id"},  # the first column of its unique index
    "snapshot_deals": {"snapshot_id"},
    "pipeline_snapshots": {"owner_id"},
    "coaching_sessions": {"starts_at"},  # kept through 0004 (AddField, not a rebuild)
    "calendar_feeds": {"token_hash", "user_id"},  # the feed is found by its token's hash
    "mail_outbox": {"next_attempt_at"},  # the sender's query
}


async def _leading_columns(table: str) -> set[str]:
    """The first column of every index on the table."""
    conn = connections.get("default")
    if conn.capabilities.dialect == "postgres":
        rows = await conn.execute_query_dict(
            "SELECT a.attname AS name FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
            "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0] "
            "WHERE t.relname = $1",
            [table],
        )
        return {row["name"] for row in rows}
    indexes = await conn.execute_query_dict(f'PRAGMA index_list("{table}")')
    found = set()
    for index in indexes:
        columns = await conn.execute_query_dict(f'PRAGMA index_info("{index["name"]}")')
        found.add(next(c["name"] for c in columns if c["seqno"] == 0))
    return found


@pytest.mark.parametrize("table", sorted(INDEXED))
async def test_migrations_leave_the_indexes_pages_rely_on(db, table: str) -> None:
    assert INDEXED[table] <= await _leading_columns(table)


async def test_a_snapshot_is_brought_to_a_session_once(db) -> None:
    rep = await make_user("rep")
    session = await make_session(await make_pairing(await make_user("manager"), rep))
    snapshot = await make_snapshot(rep, session)
    with pytest.raises(Conflict):
        async with transaction():
            await BroughtSnapshot.create(snapshot=snapshot, session=session)

"""Database triggers that make a table append-only: UPDATE and DELETE are refused by the
database itself, whatever the code (or a mistaken migration, or a console) tries.

Used by the migrations of the access log and the audit log. TRUNCATE (test clean-up on
PostgreSQL) is not a row operation and stays possible for the database owner.
"""

from __future__ import annotations

from typing import Any

MESSAGE = "append-only table: rows are never updated or deleted"


def _sqlite(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table}: {MESSAGE}'); END"
        for op in ("UPDATE", "DELETE")
    ]


def _postgres(table: str) -> list[str]:
    return [
        f"CREATE OR REPLACE FUNCTION {table}_refuse_change() RETURNS trigger AS $$ "
        f"BEGIN RAISE EXCEPTION '{table}: {MESSAGE}'; END; $$ LANGUAGE plpgsql",
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {table}_refuse_change()",
    ]


def _drop(table: str, dialect: str) -> list[str]:
    if dialect == "postgres":
        return [
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
            f"DROP FUNCTION IF EXISTS {table}_refuse_change()",
        ]
    return [f"DROP TRIGGER IF EXISTS {table}_no_{op}" for op in ("update", "delete")]


def make_append_only(table: str) -> tuple[Any, Any]:
    """(forward, backward) callables for a RunPython migration operation."""

    async def forward(apps: Any, schema_editor: Any) -> None:
        client = schema_editor.client
        dialect = client.capabilities.dialect
        for statement in _postgres(table) if dialect == "postgres" else _sqlite(table):
            await client.execute_script(statement)

    async def backward(apps: Any, schema_editor: Any) -> None:
        client = schema_editor.client
        for statement in _drop(table, client.capabilities.dialect):
            await client.execute_script(statement)

    return forward, backward

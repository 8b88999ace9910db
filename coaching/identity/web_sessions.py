"""Server-side sign-in sessions: what the domain needs to end them or forget old ones."""

from __future__ import annotations

from typing import Any

from tortoise.models import Model

from coaching.clock import now
from coaching.identity.models import User, UserRole, WebSession


def _columns(model: type[Model], alias: str) -> str:
    return ", ".join(f'{alias}."{c}" AS "{alias}.{c}"' for c in sorted(model._meta.db_fields))


_LIVE_SQL = (
    f"SELECT {_columns(WebSession, 's')}, {_columns(User, 'u')}, {_columns(UserRole, 'r')} "
    'FROM "web_sessions" s JOIN "users" u ON u."id" = s."user_id" '
    'LEFT JOIN "user_roles" r ON r."user_id" = u."id" '
    'WHERE s."key_hash" = {0} AND s."expires_at" > {1}'
)


async def find_live_session(key_hash: str) -> WebSession | None:
    """The unexpired session with this key, its person and their roles, in one query (it
    runs on every signed-in request: one row per role). Read every time, so sign-out,
    deactivation and role changes apply on the next request."""
    db = WebSession._choose_db()
    marks = ("$1", "$2") if db.capabilities.dialect == "postgres" else ("?", "?")
    rows = await db.execute_query_dict(_LIVE_SQL.format(*marks), [key_hash, now()])
    if not rows:
        return None
    session = WebSession._init_from_db(**_part(rows[0], "s"))
    user = User._init_from_db(**_part(rows[0], "u"))
    roles = [UserRole._init_from_db(**_part(row, "r")) for row in rows if row["r.id"] is not None]
    user.role_rows._set_result_for_query(roles)
    object.__setattr__(session, "_user", user)
    return session


def _part(row: dict[str, Any], alias: str) -> dict[str, Any]:
    prefix = f"{alias}."
    return {key[len(prefix) :]: value for key, value in row.items() if key.startswith(prefix)}


async def sign_out_everywhere(user_id: int, *, except_key_hash: str | None = None) -> int:
    """End the person's sessions (all, or all but the one they are using)."""
    sessions = WebSession.filter(user_id=user_id)
    if except_key_hash is not None:
        sessions = sessions.exclude(key_hash=except_key_hash)
    return await sessions.delete()


async def purge_expired() -> int:
    return await WebSession.filter(expires_at__lt=now()).delete()

"""Server-side sign-in sessions: what the domain needs to end them or forget old ones."""

from __future__ import annotations

from coaching.clock import now
from coaching.identity.models import WebSession


async def sign_out_everywhere(user_id: int, *, except_key_hash: str | None = None) -> int:
    """End the person's sessions (all, or all but the one they are using)."""
    sessions = WebSession.filter(user_id=user_id)
    if except_key_hash is not None:
        sessions = sessions.exclude(key_hash=except_key_hash)
    return await sessions.delete()


async def purge_expired() -> int:
    return await WebSession.filter(expires_at__lt=now()).delete()

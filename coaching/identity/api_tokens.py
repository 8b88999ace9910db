"""Bearer tokens an admin creates for an integration (a CRM sync pushing snapshots).

The token is shown once, when it is made; only its SHA-256 is stored. A request is
authenticated by looking that hash up (a unique index), so there is no secret comparison
in Python to time: constant-time comparison is moot with a hash lookup, and the hash of a
random 256-bit token can't be guessed from the hint.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from coaching.clock import now
from coaching.db import transaction
from coaching.errors import Invalid, NotFound
from coaching.identity import audit
from coaching.identity.accounts import hash_token
from coaching.identity.models import ApiToken, AuditAction, User
from coaching.policy import Action, require
from coaching.text import clean_line

PREFIX = "tdm_"
HINT_LENGTH = 8
NAME_LIMIT = 80
# A busy integration sends many requests a minute: note its use at most once a minute,
# rather than writing a row on every request.
LAST_USED_EVERY = timedelta(minutes=1)
MAX_PRESENTED = 200  # longer than any token we make: not worth a lookup


async def create_token(admin: User, name: str) -> tuple[ApiToken, str]:
    """A new token named for its integration, and its plaintext (shown this once)."""
    await require(admin, Action.MANAGE, "person")
    errors: dict[str, str] = {}
    name = clean_line(name, field="name", label="Name", max_length=NAME_LIMIT, errors=errors)
    if errors:
        raise Invalid(errors)
    plaintext = PREFIX + secrets.token_urlsafe(32)
    async with transaction():
        token = await ApiToken.create(
            name=name,
            token_hash=hash_token(plaintext),
            hint=plaintext[:HINT_LENGTH],
            created_by=admin,
        )
        await audit.record(admin, AuditAction.API_TOKEN_CREATED, detail=f"Token “{name}”")
    return token, plaintext


async def list_tokens(admin: User) -> list[ApiToken]:
    """Every token, newest first, revoked ones included (with who made them)."""
    await require(admin, Action.MANAGE, "person")
    return await ApiToken.all().prefetch_related("created_by")


async def get_token(admin: User, token_id: int) -> ApiToken:
    await require(admin, Action.MANAGE, "person")
    token = await ApiToken.filter(id=token_id).first()
    if token is None:
        raise NotFound("No such API token.")
    return token


async def revoke_token(admin: User, token_id: int) -> ApiToken:
    """The token stops working on its next request. Revoking twice changes nothing."""
    token = await get_token(admin, token_id)
    if token.revoked_at is not None:
        return token
    async with transaction():
        token.revoked_at = now()
        await token.save(update_fields=["revoked_at"])
        await audit.record(admin, AuditAction.API_TOKEN_REVOKED, detail=f"Token “{token.name}”")
    return token


async def authenticate_token(plaintext: str) -> ApiToken | None:
    """The active token with this plaintext, or None; notes when it was last used."""
    if not plaintext.startswith(PREFIX) or len(plaintext) > MAX_PRESENTED:
        return None
    token = await ApiToken.filter(token_hash=hash_token(plaintext), revoked_at=None).first()
    if token is None:
        return None
    moment = now()
    if token.last_used_at is None or moment - token.last_used_at >= LAST_USED_EVERY:
        token.last_used_at = moment
        await token.save(update_fields=["last_used_at"])
    return token

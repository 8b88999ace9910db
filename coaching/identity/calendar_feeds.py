"""Each person's private calendar link: `/calendar/<token>.ics`.

A calendar app can't sign in, so the link itself is the key: a random 256-bit token. As
with API tokens, only its SHA-256 is stored and a request is matched by looking the hash
up (a unique index), so no secret is compared in Python and nothing in the database lets
anyone rebuild the link. The link is shown once, on the person's account page, when it is
made; making a new one replaces the hash (the old link stops working at once), turning it
off deletes the row.
"""

from __future__ import annotations

import secrets

from coaching.clock import now
from coaching.db import transaction
from coaching.errors import Conflict
from coaching.identity.accounts import hash_token
from coaching.identity.models import CalendarFeed, User

PREFIX = "cal_"
MAX_PRESENTED = 200  # longer than any token we make: not worth a lookup


async def find_feed(user: User) -> CalendarFeed | None:
    """The person's calendar link, if it is on (the token itself is not kept)."""
    return await CalendarFeed.filter(user_id=user.id).first()


async def make_feed_token(user: User) -> str:
    """A new calendar link for the person, replacing any earlier one; returns its token,
    the only time it exists outside the calendar app it is given to."""
    token = PREFIX + secrets.token_urlsafe(32)
    token_hash, moment = hash_token(token), now()
    mine = CalendarFeed.filter(user_id=user.id)
    if await mine.update(token_hash=token_hash, created_at=moment):
        return token
    try:
        async with transaction():
            await CalendarFeed.create(user_id=user.id, token_hash=token_hash, created_at=moment)
    except Conflict:  # made at the same moment in another tab: this one replaces it
        await mine.update(token_hash=token_hash, created_at=moment)
    return token


async def turn_off_feed(user: User) -> bool:
    """The link stops working; False when there was none."""
    return bool(await CalendarFeed.filter(user_id=user.id).delete())


async def feed_owner(token: str) -> User | None:
    """The active person whose calendar link has this token (with their roles), or None."""
    if not token.startswith(PREFIX) or len(token) > MAX_PRESENTED:
        return None
    feed = await CalendarFeed.filter(token_hash=hash_token(token)).first()
    if feed is None:
        return None
    return await User.filter(id=feed.user_id, is_active=True).prefetch_related("role_rows").first()

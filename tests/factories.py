"""Test factories with valid defaults, and a small signed-in HTTP browser."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta
from typing import Any

import httpx

from coaching import people
from coaching.models import CoachingSession, Pairing, PairingKind, PairingStatus, User, WebSession

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


async def make_user(
    *roles: str, name: str | None = None, email: str | None = None, timezone: str = "UTC"
) -> User:
    n = next(_seq)
    return await people.create_user(
        email or f"person{n}@example.com",
        name or f"Person {n}",
        list(roles) or ["rep"],
        password=PASSWORD,
        timezone=timezone,
    )


async def make_pairing(
    coach: User, rep: User, kind: str = "manager", status: PairingStatus = PairingStatus.ACTIVE
) -> Pairing:
    return await Pairing.create(
        coach=coach,
        rep=rep,
        kind=PairingKind(kind),
        status=status,
        proposed_by=coach,
        agreement_sees="Sessions and shared items",
        agreement_why="To help",
        agreement_cadence="Every two weeks",
    )


async def make_session(pairing: Pairing, days_ahead: int = 2) -> CoachingSession:
    return await CoachingSession.create(
        pairing=pairing,
        title="Weekly coaching",
        starts_at=people.now() + timedelta(days=days_ahead),
        duration_minutes=30,
        created_by_id=pairing.coach_id,  # type: ignore[attr-defined]
    )


class Browser:
    """Wraps an httpx client: signs in through the real form and adds the CSRF token."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def csrf(self) -> str:
        key = self.client.cookies.get("tandem_session")
        if key is None:
            await self.client.get("/login")
            key = self.client.cookies.get("tandem_session")
        row = await WebSession.get(key_hash=people.hash_token(key))
        return row.data["csrf"]

    async def login(self, user: User, password: str = PASSWORD) -> httpx.Response:
        response = await self.post("/login", {"email": user.email, "password": password})
        return response

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.client.get(url, **kwargs)

    async def post(
        self, url: str, data: dict[str, Any] | None = None, **kwargs: Any
    ) -> httpx.Response:
        form = {"csrf_token": await self.csrf(), **(data or {})}
        return await self.client.post(url, data=form, **kwargs)


def text_of(html: str) -> str:
    """Visible-ish text of a page, for assertions that don't depend on markup."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))

"""Test factories with valid defaults, and a small signed-in HTTP browser."""

from __future__ import annotations

import contextlib
import itertools
import re
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import httpx

from coaching.clock import now
from coaching.identity.accounts import create_user, hash_token
from coaching.identity.models import WebSession
from coaching.models import (
    CoachingSession,
    Goal,
    Pairing,
    PairingKind,
    PairingStatus,
    PipelineSnapshot,
    Reflection,
    User,
)
from coaching.snapshots import DealRow, create_snapshot
from coaching.text import render_markdown
from playbooks.models import Playbook, PlaybookStatus

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


async def make_user(
    *roles: str, name: str | None = None, email: str | None = None, timezone: str = "UTC"
) -> User:
    n = next(_seq)
    return await create_user(
        email or f"person{n}@example.com",
        name or f"Person {n}",
        list(roles) or ["rep"],
        password=PASSWORD,
        timezone=timezone,
    )


async def reload(user: User) -> User:
    """The person as stored now, with their roles (as the app loads a signed-in person)."""
    return await User.filter(id=user.id).prefetch_related("role_rows").get()


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
        starts_at=now() + timedelta(days=days_ahead),
        duration_minutes=30,
        created_by_id=pairing.coach_id,
    )


async def make_goal(owner: User, title: str = "Run discovery calls without a script") -> Goal:
    """A goal in the owner's words, private (shared with nobody)."""
    return await Goal.create(owner=owner, title=title, detail="So the customer talks more.")


async def make_reflection(
    author: User,
    body: str = "I talked too much in the demo.",
    session: CoachingSession | None = None,
) -> Reflection:
    """A journal entry, private (shared with nobody)."""
    return await Reflection.create(
        author=author, body=body, body_html=render_markdown(body), session=session
    )


async def make_snapshot(
    owner: User, session: CoachingSession | None = None, deal: str = "Northwind renewal"
) -> PipelineSnapshot:
    """A one-deal pipeline snapshot, brought to `session` if given (not checked here)."""
    snapshot = await create_snapshot(
        owner,
        now() - timedelta(hours=1),
        [DealRow(deal, "Proposal", 1_250_000, "EUR", date.today() + timedelta(days=30))],
    )
    if session is not None:
        snapshot.session_id = session.id
        await snapshot.save(update_fields=["session_id"])
    return snapshot


async def make_playbook(
    author: User, title: str = "Asking about a slipped close date", published: bool = False
) -> Playbook:
    body = "Ask what changed for the customer before asking what the rep will do."
    return await Playbook.create(
        author=author,
        title=title,
        body=body,
        body_html=render_markdown(body),
        status=PlaybookStatus.PUBLISHED if published else PlaybookStatus.DRAFT,
        published_at=now() if published else None,
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
        row = await WebSession.get(key_hash=hash_token(key))
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


@contextlib.asynccontextmanager
async def open_browser(app: Any) -> AsyncIterator[Browser]:
    """Another browser with its own cookie jar, for tests where two people act in turn."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield Browser(client)


def text_of(html: str) -> str:
    """Visible-ish text of a page, for assertions that don't depend on markup."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def links_to(page: httpx.Response, path: str, text: str | None = None) -> bool:
    """Whether the page has a link to this path (absolute or not), with this text if given."""
    pattern = rf'<a [^>]*href="(?:https?://[^/"]+)?{re.escape(path)}"[^>]*>'
    if text is not None:
        pattern += rf"\s*{re.escape(text)}\s*</a>"
    return re.search(pattern, page.text) is not None


def posts_to(page: httpx.Response, path: str) -> bool:
    """Whether the page has a form that posts to this path (absolute or not)."""
    pattern = rf'<form [^>]*method="post" action="(?:https?://[^/"]+)?{re.escape(path)}"'
    return re.search(pattern, page.text) is not None

"""Test factories with valid defaults, and a small signed-in HTTP browser."""

from __future__ import annotations

import contextlib
import html
import itertools
import re
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import httpx

from coaching.clock import now
from coaching.identity.accounts import create_user
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
from coaching.pipeline.deals import DealRecord, DealStatus, deal_key
from coaching.pipeline.models import BroughtSnapshot
from coaching.snapshots import ImportOrigin, content_hash_of_deals, import_snapshot
from coaching.text import render_markdown
from playbooks import library
from playbooks.models import Playbook

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
    owner: User,
    session: CoachingSession | None = None,
    deal: str = "Northwind renewal",
    *,
    taken_on: date | None = None,
    deals: list[DealRecord] | None = None,
) -> PipelineSnapshot:
    """A pipeline snapshot (one deal unless `deals` says), brought whole to `session` if
    given (not checked here)."""
    records = deals or [make_deal(deal)]
    origin = ImportOrigin("Test", "generic", taken_on or date.today(), by=owner)
    imported = await import_snapshot(owner, records, origin, content_hash_of_deals(records))
    if session is not None:
        await BroughtSnapshot.create(snapshot=imported.snapshot, session=session)
    return imported.snapshot


def make_deal(
    name: str = "Northwind renewal",
    *,
    stage: str = "Proposal",
    amount: int | None = 12_500,
    currency: str = "EUR",
    close_in_days: int | None = 30,
    crm_id: str | None = None,
    account: str = "Northwind Traders",
    status: DealStatus = DealStatus.OPEN,
    next_step: str = "Agree the pilot scope",
) -> DealRecord:
    close = date.today() + timedelta(days=close_in_days) if close_in_days is not None else None
    return DealRecord(
        key=deal_key(crm_id, account, name),
        crm_id=crm_id,
        name=name,
        account=account,
        stage=stage,
        status=status,
        amount_minor=None if amount is None else amount * 100,
        currency=currency,
        close_date=close,
        next_step=next_step,
    )


async def make_playbook(
    author: User,
    title: str = "Asking about a slipped close date",
    published: bool = False,
    signals: str = "",
) -> Playbook:
    """A trainer's playbook, through the library as a trainer would write (and publish) it."""
    body = "Ask what changed for the customer before asking what the rep will do."
    form = {"title": title, "body": body, "signals": signals}
    playbook = await library.write_playbook(author, form)
    if published:
        await library.publish_playbook(author, playbook.id)
    return await Playbook.get(id=playbook.id).select_related("current")


def hidden_csrf_token(page: str) -> str:
    """The CSRF token of a page's forms (the hidden field a browser posts back)."""
    found = re.search(r'<input type="hidden" name="csrf_token" value="([^"]+)">', page)
    assert found, "the page has no form with a CSRF token"
    return html.unescape(found.group(1))


async def csrf_from_page(client: httpx.AsyncClient) -> str:
    """The token a browser would find: on the sign-in page, or (signed in) on the home page
    the sign-in page redirects to."""
    page = await client.get("/login", follow_redirects=True)
    return hidden_csrf_token(page.text)


class Browser:
    """Wraps an httpx client: signs in through the real form and adds the CSRF token."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self._token: tuple[tuple[str | None, str | None], str] | None = None

    async def csrf(self) -> str:
        """The token from a page, fetched again only when the session cookies say the
        session changed (a page fetch shows, and so uses up, pending messages)."""
        if self._token is None or self._token[0] != self._cookie_state():
            token = await csrf_from_page(self.client)
            self._token = (self._cookie_state(), token)
        return self._token[1]

    def _cookie_state(self) -> tuple[str | None, str | None]:
        cookies = self.client.cookies
        return cookies.get("tandem_session"), cookies.get("tandem_visitor")

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
async def open_browser(app: Any, base_url: str = "http://testserver") -> AsyncIterator[Browser]:
    """Another browser with its own cookie jar, for tests where two people act in turn."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
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

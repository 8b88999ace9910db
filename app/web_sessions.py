"""Server-side sessions: the cookie carries only a random key; the data lives in `web_sessions`.

Logout deletes the row, and the signed-in person is loaded afresh on every request, so
logout, deactivation and role changes take effect on the next request.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from itsdangerous import BadSignature, Signer
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.compiled import CompiledQuery
from coaching.models import User, WebSession
from coaching.people import hash_token, now

COOKIE = "tandem_session"
SKIP_PREFIXES = ("/static/", "/healthz")
ANONYMOUS_LIFETIME = timedelta(days=1)  # a visitor's CSRF token and messages, before sign-in

# Runs on every request: its SQL is built once (app/compiled.py), the row is read every time.
LIVE_SESSION = CompiledQuery(
    lambda key_hash, at: (
        WebSession.filter(key_hash=key_hash, expires_at__gt=at).select_related("user").limit(1)
    )
)


class SessionData(dict):
    """A dict that remembers whether it was changed, so unchanged sessions cost no write."""

    modified = False

    def __setitem__(self, key: str, value: Any) -> None:
        self.modified = True
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self.modified = True
        super().__delitem__(key)

    def pop(self, key: str, *default: Any) -> Any:
        if key in self:
            self.modified = True
        return super().pop(key, *default)

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self.modified = True
        return super().setdefault(key, default)

    def clear(self) -> None:
        self.modified = True
        super().clear()

    def update(self, *args: Any, **kwargs: Any) -> None:
        self.modified = True
        super().update(*args, **kwargs)


class SessionState:
    def __init__(self, row: WebSession | None, data: SessionData) -> None:
        self.row = row
        self.data = data
        self.login_as: User | None = None
        self.logout = False


def sign_in(request: Request, user: User) -> None:
    """Start a fresh session for this person (a new key, so an old one can't be reused)."""
    state: SessionState = request.scope["tandem.session"]
    state.login_as = user
    request.scope["user"] = user


def sign_out(request: Request) -> None:
    state: SessionState = request.scope["tandem.session"]
    state.logout = True
    request.scope["user"] = None


class ServerSessionMiddleware:
    def __init__(
        self, app: ASGIApp, *, secret_key: str, days: int = 14, secure: bool = False
    ) -> None:
        self.app = app
        # The cookie (a random key) is signed with the secret key, so forged or mangled
        # cookies are refused without a database lookup; the row stores only its hash.
        self.signer = Signer(secret_key, salt="tandem.session")
        self.lifetime = timedelta(days=days)
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(SKIP_PREFIXES):
            await self.app(scope, receive, send)
            return
        state = await self._load(HTTPConnection(scope).cookies.get(COOKIE))
        scope["tandem.session"] = state
        scope["session"] = state.data
        user = state.row.user if state.row is not None else None
        scope["user"] = user if user is not None and user.is_active else None

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                cookie = await self._persist(state)
                if cookie is not None:
                    MutableHeaders(scope=message).append("Set-Cookie", cookie)
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    async def _load(self, cookie: str | None) -> SessionState:
        row = None
        if cookie and self._signed_by_us(cookie):
            row = await LIVE_SESSION.first(hash_token(cookie), now())
        return SessionState(row, SessionData(row.data if row is not None else {}))

    async def _persist(self, state: SessionState) -> str | None:
        if state.logout or state.login_as is not None:
            if state.row is not None:
                await state.row.delete()
            state.row = None
            keep = {k: v for k, v in state.data.items() if k == "flash"}
            state.data = SessionData(keep)
            state.data.modified = bool(keep) or state.login_as is not None
            if state.logout and not keep:
                return self._cookie("", max_age=0)
        if not state.data.modified:
            return None
        if state.row is not None:
            state.row.data = dict(state.data)
            await state.row.save(update_fields=["data"])
            return None
        if state.login_as is not None:  # a cheap moment to forget expired sessions
            await WebSession.filter(expires_at__lt=now()).delete()
        lifetime = self.lifetime if state.login_as is not None else ANONYMOUS_LIFETIME
        cookie = self.signer.sign(secrets.token_urlsafe(32)).decode()
        data = dict(state.data)
        data.setdefault("csrf", secrets.token_urlsafe(32))
        await WebSession.create(
            key_hash=hash_token(cookie),
            user=state.login_as,
            data=data,
            expires_at=now() + lifetime,
        )
        return self._cookie(cookie, max_age=int(lifetime.total_seconds()))

    def _signed_by_us(self, cookie: str) -> bool:
        try:
            self.signer.unsign(cookie)
        except BadSignature:
            return False
        return True

    def _cookie(self, value: str, *, max_age: int) -> str:
        parts = [f"{COOKIE}={value}", "Path=/", f"Max-Age={max_age}", "HttpOnly", "SameSite=Lax"]
        if self.secure:
            parts.append("Secure")
        return "; ".join(parts)

"""Sessions. A signed-in person's lives server-side: the cookie carries only a random key
and the data lives in `web_sessions`. Logout deletes the row, and the person is loaded
afresh on every request, so logout, deactivation and role changes take effect at once.

A visitor (not signed in) costs no row: their CSRF token, messages and Authlib's pending
single sign-on state travel in a small signed cookie that lives for a day.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from itsdangerous import BadSignature, Signer, URLSafeTimedSerializer
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from coaching.clock import now
from coaching.identity.accounts import hash_token
from coaching.identity.models import User, WebSession
from coaching.identity.web_sessions import find_live_session, purge_expired

COOKIE = "tandem_session"
VISITOR_COOKIE = "tandem_visitor"
# The API authenticates by bearer token only, and a calendar feed by the token in its URL:
# no session is loaded there, so a browser's cookie can never stand in for either.
SKIP_PREFIXES = ("/static/", "/healthz", "/api/", "/calendar/")
VISITOR_LIFETIME = timedelta(days=1)
MAX_VISITOR_COOKIE = 3000  # characters; browsers keep about 4 KB per cookie, attributes included
KEPT_ACROSS_SIGN_IN = ("flash",)


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
    def __init__(self, row: WebSession | None, data: SessionData, cookies: dict[str, str]) -> None:
        self.row = row
        self.data = data
        self.had_visitor_cookie = VISITOR_COOKIE in cookies
        self.stale_key = row is None and COOKIE in cookies
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


class VisitorCookie:
    """A visitor's session data, signed and timestamped (itsdangerous), in one cookie."""

    def __init__(self, secret_key: str) -> None:
        self.serializer = URLSafeTimedSerializer(secret_key, salt="tandem.visitor")

    def decode(self, value: str | None) -> dict[str, Any]:
        if not value:
            return {}
        try:
            data = self.serializer.loads(value, max_age=int(VISITOR_LIFETIME.total_seconds()))
        except BadSignature:
            return {}
        return data if isinstance(data, dict) else {}

    def encode(self, data: dict[str, Any]) -> str:
        """The cookie value; if it would be too large for browsers, Authlib's oldest pending
        sign-ins go first, then the oldest messages."""
        data = dict(data)
        value = self.serializer.dumps(data)
        while len(value) > MAX_VISITOR_COOKIE and _drop_oldest(data):
            value = self.serializer.dumps(data)
        return value


def _drop_oldest(data: dict[str, Any]) -> bool:
    pending = [key for key in data if key.startswith("_state_")]
    if pending:
        del data[pending[0]]
        return True
    if data.get("flash"):
        data["flash"] = data["flash"][1:]
        return True
    return False


class ServerSessionMiddleware:
    def __init__(
        self, app: ASGIApp, *, secret_key: str, days: int = 14, secure: bool = False
    ) -> None:
        self.app = app
        # The cookie (a random key) is signed with the secret key, so forged or mangled
        # cookies are refused without a database lookup; the row stores only its hash.
        self.signer = Signer(secret_key, salt="tandem.session")
        self.visitor = VisitorCookie(secret_key)
        self.lifetime = timedelta(days=days)
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(SKIP_PREFIXES):
            await self.app(scope, receive, send)
            return
        state = await self._load(HTTPConnection(scope).cookies)
        scope["tandem.session"] = state
        scope["session"] = state.data
        user = state.row.user if state.row is not None else None
        scope["user"] = user if user is not None and user.is_active else None

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for cookie in await self._persist(state):
                    headers.append("Set-Cookie", cookie)
                # Pages carry a person's data and a CSRF token: no cache may keep them.
                headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    async def _load(self, cookies: dict[str, str]) -> SessionState:
        key = cookies.get(COOKIE)
        row = None
        if key and self._signed_by_us(key):
            row = await find_live_session(hash_token(key))
        if row is not None:
            return SessionState(row, SessionData(row.data), cookies)
        data = self.visitor.decode(cookies.get(VISITOR_COOKIE))
        return SessionState(None, SessionData(data), cookies)

    async def _persist(self, state: SessionState) -> list[str]:
        """Save what changed; returns the Set-Cookie headers to send."""
        if state.login_as is not None:
            return await self._start_signed_in(state, state.login_as)
        if state.logout:
            await self._end(state)
        elif state.row is not None:
            if state.data.modified:
                state.row.data = dict(state.data)
                await state.row.save(update_fields=["data"])
            return []
        cookies = self._visitor_cookies(state)
        if state.logout or state.stale_key:
            cookies.append(self._cookie(COOKIE, "", max_age=0))
        return cookies

    async def _start_signed_in(self, state: SessionState, user: User) -> list[str]:
        if state.row is not None:
            await state.row.delete()
        await purge_expired()  # a cheap moment to forget them
        key = self.signer.sign(secrets.token_urlsafe(32)).decode()
        data = {"csrf": secrets.token_urlsafe(32), **_kept_across_sign_in(state.data)}
        await WebSession.create(
            key_hash=hash_token(key), user=user, data=data, expires_at=now() + self.lifetime
        )
        cookies = [self._cookie(COOKIE, key, max_age=_seconds(self.lifetime))]
        if state.had_visitor_cookie:
            cookies.append(self._cookie(VISITOR_COOKIE, "", max_age=0))
        return cookies

    async def _end(self, state: SessionState) -> None:
        if state.row is not None:
            await state.row.delete()
            state.row = None
        state.data = SessionData(_kept_across_sign_in(state.data))
        state.data.modified = True

    def _visitor_cookies(self, state: SessionState) -> list[str]:
        if not state.data.modified:
            return []
        if state.data:
            value = self.visitor.encode(state.data)
            return [self._cookie(VISITOR_COOKIE, value, max_age=_seconds(VISITOR_LIFETIME))]
        if state.had_visitor_cookie:
            return [self._cookie(VISITOR_COOKIE, "", max_age=0)]
        return []

    def _signed_by_us(self, cookie: str) -> bool:
        try:
            self.signer.unsign(cookie)
        except BadSignature:
            return False
        return True

    def _cookie(self, name: str, value: str, *, max_age: int) -> str:
        parts = [f"{name}={value}", "Path=/", f"Max-Age={max_age}", "HttpOnly", "SameSite=Lax"]
        if self.secure:
            parts.append("Secure")
        return "; ".join(parts)


def _kept_across_sign_in(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key in KEPT_ACROSS_SIGN_IN}


def _seconds(lifetime: timedelta) -> int:
    return int(lifetime.total_seconds())

"""Who may reach a route at all. Every route declares one of these; a test walks them all.

Object-level rules (whose session, which goal) live in coaching/policy/; this layer only
says "anyone", "signed in", or "signed in and allowed this kind action" (such as
"playbook: create"), which the same policies decide. API routes (`api`) say "anyone" (their
description) or "bearer token": an integration's token, never a browser session.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from starlette.convertors import IntegerConvertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from app.security import UNSAFE_METHODS, csrf_ok
from coaching.errors import PermissionDenied
from coaching.identity.api_tokens import authenticate_token
from coaching.models import User
from coaching.policy import Action, can, describe, policy_for

View = Callable[[Request], Awaitable[Response]]


class IdConvertor(IntegerConvertor):
    """`{id:id}` in the URL table: at most 9 digits, so every match fits the 32-bit id
    columns. A longer number names nothing and is a 404, instead of a database error (500)."""

    regex = "[0-9]{1,9}"


# Registered before app/routes.py builds its routes (they compile their pattern when created).
register_url_convertor("id", IdConvertor())


@dataclass(frozen=True)
class Access:
    kind: str
    policy_kind: str = ""
    action: Action | None = None

    def describe(self) -> str:
        if self.action is not None:
            return f"signed in, and allowed to {self.action.value} ({self.policy_kind})"
        return self.kind

    def allows(self, user: User | None) -> bool:
        if self.kind == "public":
            return True
        if self.kind == BEARER_TOKEN:  # a person's session never opens an API route
            return False
        if self.action is None:
            return user is not None
        return can(user, self.action, self.policy_kind)


BEARER_TOKEN = "bearer token"
PUBLIC = Access("public")
SIGNED_IN = Access("signed-in")
BEARER = Access(BEARER_TOKEN)


def allowed(policy_kind: str, action: Action) -> Access:
    """Signed in, and the policy of `policy_kind` grants its kind action `action`."""
    return Access("policy", policy_kind, action)


class CsrfRefused(PermissionDenied):
    title = "Form expired"


def guarded(view: View, access: Access) -> View:
    @functools.wraps(view)
    async def endpoint(request: Request) -> Response:
        user: User | None = request.scope.get("user")
        if request.method in UNSAFE_METHODS and not await csrf_ok(request):
            raise CsrfRefused(
                "This form was out of date or came from another site. Go back, reload the page "
                "and try again."
            )
        if access.kind != "public" and user is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
        if not access.allows(user):
            assert access.action is not None
            policy = policy_for(access.policy_kind)
            raise PermissionDenied(describe(access.action, policy, on_kind=True))
        return await view(request)

    return endpoint


class GuardedRoute(Route):
    """A route that knows who may reach it (so tests can walk the table)."""

    def __init__(self, path: str, endpoint: View, access: Access, **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        self.access = access


class PublicMount(Mount):
    access = PUBLIC


def page(
    path: str, view: View, *, name: str, access: Access, methods: list[str] | None = None
) -> Route:
    return GuardedRoute(path, guarded(view, access), access, name=name, methods=methods or ["GET"])


def bearer_guarded(view: View) -> View:
    """An API view: the request must carry an active token in its Authorization header.
    No CSRF check (a token is not sent by the browser on its own, unlike a cookie), and no
    session: app/web_sessions.py doesn't load one under /api/, so a cookie can't sign in."""

    @functools.wraps(view)
    async def endpoint(request: Request) -> Response:
        token = await authenticate_token(bearer_credentials(request))
        if token is None:
            return JSONResponse(
                {"errors": [{"line": 0, "column": "", "message": UNAUTHORIZED}]},
                401,
                headers={"WWW-Authenticate": 'Bearer realm="tandem"', "Cache-Control": "no-store"},
            )
        request.scope["api_token"] = token
        return await view(request)

    return endpoint


UNAUTHORIZED = (
    "Send an active API token as 'Authorization: Bearer <token>'. An admin creates one "
    "under Admin, API tokens."
)


def bearer_credentials(request: Request) -> str:
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else ""


def api(
    path: str, view: View, *, name: str, access: Access, methods: list[str] | None = None
) -> Route:
    """An API route: public (the API's description) or for a bearer token."""
    if access not in (PUBLIC, BEARER):
        raise ValueError(f"API routes are public or take a bearer token, not {access}")
    endpoint = bearer_guarded(view) if access == BEARER else view
    return GuardedRoute(path, endpoint, access, name=name, methods=methods or ["GET"])


def declared_access(route: BaseRoute) -> Access | None:
    return getattr(route, "access", None)


def static_mount(path: str, app: Any, name: str) -> Mount:
    return PublicMount(path, app=app, name=name)

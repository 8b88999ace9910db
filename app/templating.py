"""Jinja2 set-up: templates get the viewer, navigation, flashes and CSRF token; no queries."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from jinja2 import pass_context
from markupsafe import Markup
from starlette.datastructures import URL
from starlette.requests import Request
from starlette.routing import BaseRoute, NoMatchFound
from starlette.templating import Jinja2Templates

from app.security import CSRF_FIELD, csrf_token
from app.settings import ROOT
from coaching.models import Role, User
from coaching.timezones import to_local

NAV = [
    ("Home", "home:index", None),
    ("Sessions", "sessions:index", None),
    ("My goals", "goals:index", None),
    ("Journal", "reflections:index", None),
    ("Pipeline", "snapshots:index", Role.REP),
    ("Pairings", "pairings:index", None),
    ("Playbooks", "playbooks:index", None),
    ("People", "admin:people", Role.ADMIN),
]


def nav_for(user: User | None) -> list[tuple[str, str]]:
    if user is None:
        return []
    return [(label, name) for label, name, needs in NAV if needs is None or user.has_role(needs)]


def pop_flashes(request: Request) -> list[dict[str, Any]]:
    if "session" not in request.scope:
        return []
    return list(request.session.pop("flash", []))


def _context(request: Request) -> dict[str, Any]:
    user: User | None = request.scope.get("user")
    has_session = "session" in request.scope
    return {
        "user": user,
        "nav": nav_for(user),
        "viewer_tz": user.timezone if user else "UTC",
        "flashes": pop_flashes(request),
        "csrf_input": (lambda: _csrf_input(request)) if has_session else (lambda: ""),
        "csrf_value": (lambda: csrf_token(request)) if has_session else (lambda: ""),
        "current_path": request.url.path,
    }


def _csrf_input(request: Request) -> Markup:
    token = csrf_token(request)
    return Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, token)


def _route_named(router: Any, name: str) -> BaseRoute | None:
    index: dict[str, BaseRoute] | None = getattr(router, "_tandem_routes_by_name", None)
    if index is None:  # built once per router: the URL table doesn't change while serving
        index = {}
        for route in router.routes:
            route_name = getattr(route, "name", None)
            if route_name is not None:
                index.setdefault(route_name, route)  # the first one wins, as in Starlette
        router._tandem_routes_by_name = index
    return index.get(name)


@pass_context
def url_for(ctx: Any, name: str, /, **path_params: Any) -> URL:
    """Starlette's `url_for`, made cheap: templates call it about 20 times per page.

    Starlette tries each route in turn, and each one that doesn't match raises an exception;
    with our ~50 routes that cost as much as rendering the rest of the page. Here the route is
    looked up by name, and the absolute URL is assembled as one string (what
    `URLPath.make_absolute_url` builds from parts). Anything unusual (no such name, other
    parameters, a route on another host) falls back to Starlette, so the URL is the same."""
    request: Request = ctx["request"]
    router = request.scope.get("router")
    route = _route_named(router, name) if router is not None else None
    if route is not None:
        try:
            path = route.url_path_for(name, **path_params)
        except NoMatchFound:
            pass
        else:
            if not path.host:
                base = request.base_url
                scheme = base.scheme
                if path.protocol:
                    scheme = SCHEMES[path.protocol][base.is_secure]
                return URL(f"{scheme}://{base.netloc}{base.path.rstrip('/')}{path}")
    return request.url_for(name, **path_params)


SCHEMES = {"http": {True: "https", False: "http"}, "websocket": {True: "wss", False: "ws"}}


@pass_context
def local(ctx: Any, moment: datetime | None, fmt: str = "%a %d %b %Y, %H:%M") -> str:
    if moment is None:
        return ""
    return to_local(moment, ctx.get("viewer_tz", "UTC")).strftime(fmt)


@pass_context
def local_iso(ctx: Any, moment: datetime) -> str:
    return to_local(moment, ctx.get("viewer_tz", "UTC")).isoformat()


def money(minor: int, currency: str) -> str:
    return f"{minor / 100:,.0f} {currency}"


def day(value: date | None) -> str:
    return value.strftime("%d %b %Y") if value else "—"


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(ROOT / "templates"), context_processors=[_context])
    env = templates.env
    env.filters.update(local=local, local_iso=local_iso, money=money, day=day)
    env.globals["Role"] = Role
    env.globals["url_for"] = url_for
    env.trim_blocks = True
    env.lstrip_blocks = True
    return templates

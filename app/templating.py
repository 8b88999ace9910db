"""Jinja2 set-up: templates get the viewer, navigation, flashes and CSRF token; no queries."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from jinja2 import pass_context
from markupsafe import Markup, escape
from starlette.datastructures import URL
from starlette.requests import Request
from starlette.templating import Jinja2Templates

from app.security import CSRF_FIELD, csrf_token
from app.settings import ROOT
from app.urls import absolute_url
from coaching.models import User
from coaching.pipeline.deals import from_minor
from coaching.pipeline.memo import Memo
from coaching.policy import Action, can
from coaching.timezones import to_local

# (label, route, the kind action that makes the entry useful, or None for everyone)
NAV: list[tuple[str, str, tuple[Action, str] | None]] = [
    ("Home", "home:index", None),
    ("Sessions", "sessions:index", None),
    ("My goals", "goals:index", (Action.CREATE, "goal")),
    ("Journal", "reflections:index", (Action.CREATE, "reflection")),
    ("Pipeline", "snapshots:index", (Action.CREATE, "snapshot")),
    ("Pairings", "pairings:index", None),
    ("Playbooks", "playbooks:index", None),
    ("People", "admin:people", (Action.MANAGE, "person")),
]


def nav_for(user: User | None) -> list[tuple[str, str]]:
    if user is None:
        return []
    return [(label, name) for label, name, needs in NAV if needs is None or can(user, *needs)]


@pass_context
def can_in_template(ctx: Any, action: str, obj: Any) -> bool:
    """`can("publish", playbook)` or `can("propose", "pairing")` for the signed-in person:
    decided from what the page loaded, never a query."""
    return can(ctx.get("user"), Action(action), obj)


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
    """The hidden field, built once per request (pages carry one per form; Markup.format
    costs a string.Formatter walk each time)."""
    cached: Markup | None = request.scope.get("tandem.csrf_input")
    if cached is None:
        token = escape(csrf_token(request))
        cached = Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{token}">')
        request.scope["tandem.csrf_input"] = cached
    return cached


@pass_context
def local(ctx: Any, moment: datetime | None, fmt: str = "%a %d %b %Y, %H:%M") -> str:
    if moment is None:
        return ""
    return to_local(moment, ctx.get("viewer_tz", "UTC")).strftime(fmt)


@pass_context
def local_iso(ctx: Any, moment: datetime) -> str:
    return to_local(moment, ctx.get("viewer_tz", "UTC")).isoformat()


def money(minor: int | None, currency: str) -> str:
    """Whole units with separators ("48,000 EUR"); an unknown amount is a dash, not zero."""
    if minor is None:
        return "—"
    return f"{from_minor(minor, currency):,.0f} {currency}"


def plural(count: int, noun: str) -> str:
    """ "1 deal", "1,250 deals" (nouns that take an s)."""
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def day(value: date | None) -> str:
    return value.strftime("%d %b %Y") if value else "—"


@pass_context
def url_for(ctx: Any, name: str, /, **params: Any) -> URL:
    return absolute_url(ctx["request"], name, **params)


_KEPT: Memo[tuple[object, Markup]] = Memo(size=256)


def kept(obj: object, macro: Any, *args: Any) -> Markup:
    """What `macro(obj, *args)` renders, made once for the same object and arguments. Only
    for objects that never change once made (the session page's memoized charts and
    changes, coaching/pipeline/memo.py) and macros that use nothing but their arguments.
    The entry holds the object, so its id can't be reused by another while it is kept."""
    key = (id(obj), macro.name, args)
    found = _KEPT.find(key)
    if found is None or found[0] is not obj:
        found = (obj, Markup(macro(obj, *args)))
        _KEPT.keep(key, found)
    return found[1]


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(ROOT / "templates"), context_processors=[_context])
    env = templates.env
    env.globals["url_for"] = url_for  # Starlette's builds from the Host header
    env.filters.update(local=local, local_iso=local_iso, money=money, day=day, plural=plural)
    env.globals["can"] = can_in_template
    env.globals["kept"] = kept
    env.trim_blocks = True
    env.lstrip_blocks = True
    return templates

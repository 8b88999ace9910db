"""Small helpers every view uses: the signed-in person, forms, rendering, redirects, flashes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from app.security import CSRF_FIELD, read_form
from app.urls import absolute_url
from coaching.errors import TandemError
from coaching.models import MAX_ID, User

MAX_PAGE = 100_000


def me(request: Request) -> User:
    user = request.scope.get("user")
    assert user is not None, "guarded() lets only signed-in people reach this view"
    return user


def flash(request: Request, message: str, level: str = "success", undo: Undo | None = None) -> None:
    """Show a message on the next page; `undo` adds a button that posts the form back."""
    entry = {"level": level, "message": message}
    if undo is not None:
        entry["undo_action"], entry["undo_fields"] = undo.action, undo.fields  # type: ignore[assignment]
    request.session["flash"] = [*request.session.get("flash", []), entry]


@dataclass(frozen=True)
class Undo:
    action: str
    fields: dict[str, str]


async def form_of(request: Request) -> dict[str, str]:
    """The submitted form as plain strings (first value of each field), without the token."""
    form = await read_form(request)
    return {k: no_nul(v) for k, v in form.items() if isinstance(v, str) and k != CSRF_FIELD}


async def form_list(request: Request, name: str) -> list[str]:
    form = await read_form(request)
    return [no_nul(v) for v in form.getlist(name) if isinstance(v, str)]


def no_nul(value: str) -> str:
    """Drop NUL characters: never meaningful in text, and PostgreSQL refuses them (a 500)."""
    return value.replace("\x00", "")


def form_id(raw: str) -> int | None:
    """An optional id chosen in a form: None when empty, ValueError when not a possible id."""
    if not raw:
        return None
    value = int(raw)
    if not 0 < value <= MAX_ID:
        raise ValueError(f"not an id: {raw!r}")
    return value


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    templates = request.app.state.templates
    return templates.TemplateResponse(request, template, context, status_code=status_code)


def render_invalid(
    request: Request,
    template: str,
    error: TandemError,
    form: dict[str, Any],
    status_code: int = 400,
    **context: Any,
) -> Response:
    """Re-render a form with the person's input kept and each field's message beside it."""
    return render(
        request, template, status_code=status_code, form=form, errors=error.errors, **context
    )


def redirect(
    request: Request,
    name: str,
    message: str | None = None,
    level: str = "success",
    undo: Undo | None = None,
    **params: Any,
) -> RedirectResponse:
    if message:
        flash(request, message, level, undo)
    return RedirectResponse(str(absolute_url(request, name, **params)), status_code=303)


def query_int(request: Request, name: str, default: int = 1) -> int:
    """A page number from the query string, between 1 and MAX_PAGE (a larger offset would
    overflow the database's integer and answer 500)."""
    try:
        return min(max(int(request.query_params.get(name, default)), 1), MAX_PAGE)
    except ValueError:
        return default

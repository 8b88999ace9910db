"""Small helpers every view uses: the signed-in person, forms, rendering, redirects, flashes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from app.security import CSRF_FIELD
from coaching.errors import Invalid
from coaching.models import User

MAX_FORM_FIELDS = 200
MAX_FORM_BYTES = 512 * 1024


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
    form = await _form(request)
    return {k: v for k, v in form.items() if isinstance(v, str) and k != CSRF_FIELD}


async def form_list(request: Request, name: str) -> list[str]:
    form = await _form(request)
    return [v for v in form.getlist(name) if isinstance(v, str)]


async def _form(request: Request) -> FormData:
    if int(request.headers.get("content-length") or 0) > MAX_FORM_BYTES:
        raise Invalid(
            {"__all__": f"The form is too large (the limit is {MAX_FORM_BYTES // 1024} KB)."}
        )
    return await request.form(max_fields=MAX_FORM_FIELDS, max_files=0)


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    templates = request.app.state.templates
    return templates.TemplateResponse(request, template, context, status_code=status_code)


def render_invalid(
    request: Request, template: str, error: Invalid, form: dict[str, str], **context: Any
) -> Response:
    """Re-render a form with the person's input kept and each field's message beside it."""
    return render(request, template, status_code=400, form=form, errors=error.errors, **context)


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
    return RedirectResponse(request.url_for(name, **params), status_code=303)


def query_int(request: Request, name: str, default: int = 1) -> int:
    try:
        return max(int(request.query_params.get(name, default)), 1)
    except ValueError:
        return default

"""Signing in and out with email and password, and accepting an invitation."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from app.web import flash, form_of, redirect, render, render_invalid
from app.web_sessions import sign_in, sign_out
from coaching.errors import Conflict, Invalid, NotFound, Throttled
from coaching.identity import invitations, passwords
from coaching.identity.accounts import timezone_names


def safe_next(target: str | None) -> str:
    """Only same-site paths: never let ?next= send someone to another site."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        # Browsers drop tabs and newlines from URLs, so "/\t/evil.example" means "//evil.example".
        and not any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target)
    ):
        return target
    return "/"


def _sso_label(request: Request) -> str | None:
    oidc = request.app.state.settings.oidc
    return oidc.label if oidc else None


async def login(request: Request) -> Response:
    next_url = safe_next(request.query_params.get("next"))
    if request.method != "POST":  # GET, or HEAD
        if request.scope.get("user"):
            return RedirectResponse(next_url, status_code=303)
        return render(
            request,
            "auth/login.html",
            form={"next": next_url},
            errors={},
            sso_label=_sso_label(request),
        )
    form = await form_of(request)
    client = request.client.host if request.client else "unknown"
    email = form.get("email", "")
    try:
        user = await passwords.authenticate(email, form.get("password", ""), client)
    except (Invalid, Throttled) as exc:
        status = exc.status_code
        kept = {"email": form.get("email", ""), "next": form.get("next", "/")}
        return render_invalid(
            request, "auth/login.html", exc, kept, status, sso_label=_sso_label(request)
        )
    sign_in(request, user)
    flash(request, f"Welcome back, {user.first_name}.")
    return RedirectResponse(safe_next(form.get("next")), status_code=303)


async def logout(request: Request) -> Response:
    sign_out(request)
    flash(request, "You have signed out.")
    return RedirectResponse("/login", status_code=303)


async def accept_invitation(request: Request) -> Response:
    token = request.path_params["token"]
    try:
        invitation = await invitations.get_open_invitation(token)
    except NotFound as exc:
        return render(request, "auth/invitation_gone.html", status_code=404, message=exc.message)
    context: dict[str, Any] = {"invitation": invitation, "zones": timezone_names()}
    if request.method != "POST":  # GET, or HEAD
        return render(request, "auth/accept.html", form={"timezone": "UTC"}, errors={}, **context)
    form = await form_of(request)
    try:
        user = await invitations.accept_invitation(
            token, form.get("password", ""), form.get("confirm", ""), form.get("timezone", "")
        )
    except (Invalid, Conflict) as exc:
        kept = {"timezone": form.get("timezone", "UTC")}
        return render_invalid(request, "auth/accept.html", exc, kept, **context)
    sign_in(request, user)
    return redirect(request, "home:index", f"Welcome to Tandem, {user.first_name}.")


async def forgot_password(request: Request) -> Response:
    """Tandem sends no email: the page says who can help, and names no account."""
    return render(request, "auth/forgot.html", sso_label=_sso_label(request))


async def reset_password(request: Request) -> Response:
    """A one-time link from an admin: choose a new password, then be signed in (and signed
    out everywhere else)."""
    token = request.path_params["token"]
    try:
        reset = await invitations.get_open_reset(token)
    except NotFound as exc:
        return render(request, "auth/reset_gone.html", status_code=404, message=exc.message)
    context: dict[str, Any] = {"person": reset.user}
    if request.method != "POST":  # GET, or HEAD
        return render(request, "auth/reset.html", form={}, errors={}, **context)
    form = await form_of(request)
    try:
        person = await invitations.use_password_reset(
            token, form.get("password", ""), form.get("confirm", "")
        )
    except NotFound as exc:
        return render(request, "auth/reset_gone.html", status_code=404, message=exc.message)
    except Invalid as exc:
        return render_invalid(request, "auth/reset.html", exc, {}, **context)
    sign_in(request, person)
    message = (
        f"Your new password is set, {person.first_name}. You're signed in here, "
        "and signed out everywhere else."
    )
    return redirect(request, "home:index", message)

"""Running the organisation: people, roles, invitations, password links, the audit log."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from app.urls import absolute_url
from app.web import (
    Undo,
    form_list,
    form_of,
    me,
    no_nul,
    query_int,
    redirect,
    render,
    render_invalid,
)
from coaching import people
from coaching.errors import Conflict, Invalid, NotFound
from coaching.identity import api_tokens, audit, invitations
from coaching.models import ROLE_ORDER


def _link(request: Request, name: str, **params: Any) -> str:
    """An absolute link an admin hands to someone (invitation, password reset)."""
    return str(absolute_url(request, name, **params))


async def people_index(request: Request) -> Response:
    user = me(request)
    query = no_nul(request.query_params.get("q", ""))
    page = query_int(request, "page")
    invitations_page = query_int(request, "invitations")
    error: str | None = None
    status = 200
    try:
        listing = await people.people_page(user, query, page, invitations_page)
    except Invalid as exc:  # refused with the words kept, never searched for a cut copy
        listing, error, status = people.PeoplePage([], False), exc.message, 400
    return render(
        request,
        "admin/people.html",
        status_code=status,
        people=listing.people,
        slowed_down=listing.slowed_down,
        q=query,
        search_error=error,
        page=page,
        has_more=listing.has_more,
        pending=listing.invitations,
        invitations_page=invitations_page,
        more_invitations=listing.more_invitations,
        roles=ROLE_ORDER,
    )


async def invite(request: Request) -> Response:
    # No role is ticked in advance: the admin chooses each one on purpose.
    context: dict[str, Any] = {"roles": ROLE_ORDER, "link": None}
    if request.method != "POST":  # GET, or HEAD
        return render(request, "admin/invite.html", form={"roles": []}, errors={}, **context)
    form: dict = await form_of(request)
    form["roles"] = await form_list(request, "roles")
    days = request.app.state.settings.invitation_days
    try:
        token = await invitations.invite(
            me(request), form.get("email", ""), form.get("name", ""), form["roles"], days
        )
    except (Invalid, Conflict) as exc:
        return render_invalid(request, "admin/invite.html", exc, form, **context)
    context["link"] = _link(request, "auth:accept_invitation", token=token)
    return render(
        request,
        "admin/invite.html",
        form={"roles": []},
        errors={},
        invited=form,
        days=days,
        **context,
    )


async def resend_invitation(request: Request) -> Response:
    """A fresh link for a pending invitation; the earlier link stops working."""
    days = request.app.state.settings.invitation_days
    try:
        old, token = await invitations.resend(me(request), request.path_params["id"], days)
    except (NotFound, Invalid, Conflict) as exc:
        return redirect(request, "admin:people", exc.message, level="error")
    return render(
        request,
        "admin/link.html",
        kind="invitation",
        name=old.name,
        email=old.email,
        link=_link(request, "auth:accept_invitation", token=token),
        days=days,
    )


async def revoke_invitation(request: Request) -> Response:
    try:
        invitation = await invitations.revoke(me(request), request.path_params["id"])
    except NotFound as exc:
        return redirect(request, "admin:people", exc.message, level="error")
    message = (
        f"The invitation for {invitation.name} ({invitation.email}) is revoked: "
        "its link no longer works."
    )
    return redirect(request, "admin:people", message)


async def password_reset(request: Request) -> Response:
    """Issue a one-time link for the person to choose a new password, and show it once."""
    days = invitations.PASSWORD_RESET_DAYS
    try:
        person, token = await people.issue_password_reset(
            me(request), request.path_params["id"], days
        )
    except Invalid as exc:
        return redirect(request, "admin:people", exc.message, level="error")
    return render(
        request,
        "admin/link.html",
        kind="reset",
        name=person.name,
        email=person.email,
        link=_link(request, "auth:reset_password", token=token),
        days=days,
    )


async def clear_login_delay(request: Request) -> Response:
    person = await people.clear_login_delay(me(request), request.path_params["id"])
    message = f"The sign-in delay of {person.name} is cleared: they can try again at once."
    return redirect(request, "admin:people", message)


async def set_roles(request: Request) -> Response:
    roles = await form_list(request, "roles")
    try:
        person = await people.set_roles(me(request), request.path_params["id"], roles)
    except Invalid as exc:
        return redirect(request, "admin:people", exc.message, level="error")
    return redirect(request, "admin:people", f"Roles of {person.name} updated.")


async def set_active(request: Request) -> Response:
    form = await form_of(request)
    active = form.get("active") == "1"
    try:
        person = await people.set_active(me(request), request.path_params["id"], active)
    except Invalid as exc:
        return redirect(request, "admin:people", exc.message, level="error")
    if active:
        return redirect(request, "admin:people", f"{person.name} can sign in again.")
    undo = Undo(str(absolute_url(request, "admin:active", id=person.id)), {"active": "1"})
    message = f"{person.name} is deactivated and signed out everywhere."
    return redirect(request, "admin:people", message, undo=undo)


async def audit_log(request: Request) -> Response:
    page = query_int(request, "page")
    lines, has_more = await audit.list_all(me(request), page)
    return render(
        request,
        "admin/audit.html",
        lines=lines,
        page=page,
        has_more=has_more,
        describe=audit.DESCRIPTIONS,
    )


async def api_token_list(request: Request) -> Response:
    """The integrations' tokens; a POST creates one and shows it, this once."""
    admin = me(request)
    form: dict[str, str] = {}
    errors: dict[str, str] = {}
    created = plaintext = None
    if request.method == "POST":
        form = await form_of(request)
        try:
            created, plaintext = await api_tokens.create_token(admin, form.get("name", ""))
            form = {}
        except Invalid as exc:
            errors = exc.errors
    tokens = await api_tokens.list_tokens(admin)
    return render(
        request,
        "admin/api_tokens.html",
        status_code=400 if errors else 200,
        tokens=tokens,
        created=created,
        plaintext=plaintext,
        form=form,
        errors=errors,
        limit=api_tokens.NAME_LIMIT,
    )


async def revoke_api_token(request: Request) -> Response:
    """GET asks to confirm; POST revokes."""
    admin = me(request)
    token_id = request.path_params["id"]
    if request.method != "POST":
        token = await api_tokens.get_token(admin, token_id)
        return render(request, "admin/revoke_api_token.html", token=token)
    token = await api_tokens.revoke_token(admin, token_id)
    message = f"The token “{token.name}” is revoked: integrations using it are refused from now on."
    return redirect(request, "admin:api_tokens", message)

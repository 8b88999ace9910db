"""Running the organisation: people, roles, invitations."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

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
from coaching.errors import Conflict, Invalid
from coaching.identity import invitations
from coaching.models import ROLE_ORDER


async def people_index(request: Request) -> Response:
    user = me(request)
    query = no_nul(request.query_params.get("q", ""))[:100]
    page = query_int(request, "page")
    listing = await people.people_page(user, query, page)
    return render(
        request,
        "admin/people.html",
        people=listing.people,
        q=query,
        page=page,
        has_more=listing.has_more,
        pending=listing.invitations,
        roles=ROLE_ORDER,
    )


async def invite(request: Request) -> Response:
    context: dict[str, Any] = {"roles": ROLE_ORDER, "link": None}
    if request.method != "POST":  # GET, or HEAD
        return render(request, "admin/invite.html", form={"roles": ["rep"]}, errors={}, **context)
    form: dict = await form_of(request)
    form["roles"] = await form_list(request, "roles")
    days = request.app.state.settings.invitation_days
    try:
        token = await invitations.invite(
            me(request), form.get("email", ""), form.get("name", ""), form["roles"], days
        )
    except (Invalid, Conflict) as exc:
        return render_invalid(request, "admin/invite.html", exc, form, **context)
    context["link"] = str(request.url_for("auth:accept_invitation", token=token))
    return render(
        request,
        "admin/invite.html",
        form={"roles": ["rep"]},
        errors={},
        invited=form,
        days=days,
        **context,
    )


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
    undo = Undo(str(request.url_for("admin:active", id=person.id)), {"active": "1"})
    message = f"{person.name} is deactivated and signed out everywhere."
    return redirect(request, "admin:people", message, undo=undo)

"""Pipeline snapshots: the rep's own list, and bringing one to a session."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from app.web import form_id, form_of, me, redirect, render
from coaching import sessions, snapshots
from coaching.errors import Invalid


async def index(request: Request) -> Response:
    user = me(request)
    mine = await snapshots.list_my_snapshots(user)
    upcoming = await sessions.list_sessions(user, upcoming=True, limit=20)
    own_sessions = [s for s in upcoming if s.pairing.rep_id == user.id]
    return render(request, "snapshots/index.html", snapshots=mine, sessions=own_sessions)


async def detail(request: Request) -> Response:
    snapshot = await snapshots.get_snapshot(me(request), request.path_params["id"])
    return render(request, "snapshots/detail.html", snapshot=snapshot)


async def bring(request: Request) -> Response:
    form = await form_of(request)
    raw = form.get("session_id", "")
    try:
        session_id = form_id(raw)
    except ValueError as exc:
        raise Invalid({"session_id": "Choose a session from the list."}) from exc
    await snapshots.bring_to_session(me(request), request.path_params["id"], session_id)
    message = (
        "Brought to the session. Your coach will see it there."
        if session_id
        else ("Taken back from the session. Your coach no longer sees it.")
    )
    return redirect(request, "snapshots:index", message)

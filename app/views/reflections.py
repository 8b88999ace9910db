"""The rep's reflection journal, private by default, shared per entry."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from app.views.sharing import share_item
from app.web import form_id, form_of, me, query_int, redirect, render
from coaching import reflections, sessions
from coaching.errors import Invalid, NotFound
from coaching.models import CoachingSession, User
from coaching.pairings import list_active_coaches


async def _page(request: Request, status: int = 200, **extra: Any) -> Response:
    user = me(request)
    page = query_int(request, "page")
    entries, has_more = await reflections.list_my_reflections(user, page)
    extra.setdefault("form", {})
    extra.setdefault("errors", {})
    return render(
        request,
        "reflections/index.html",
        status_code=status,
        entries=entries,
        page=page,
        has_more=has_more,
        coaches=await list_active_coaches(user),
        recent_sessions=await _session_choices(user, extra.get("form", {}).get("session_id", "")),
        **extra,
    )


async def _session_choices(user: User, wanted: str) -> list[CoachingSession]:
    """Recent sessions, plus the one the person came from (it may have only just started)."""
    recent = await sessions.list_sessions(user, upcoming=False, limit=10)
    try:
        wanted_id = form_id(wanted)
    except ValueError:
        return recent
    if wanted_id is None or any(s.id == wanted_id for s in recent):
        return recent
    try:
        return [await sessions.load_session(user, wanted_id), *recent]
    except NotFound:
        return recent


async def index(request: Request) -> Response:
    if request.method != "POST":  # GET, or HEAD
        form = {"session_id": request.query_params.get("session", "")}
        return await _page(request, form=form)
    form = await form_of(request)
    session_raw = form.get("session_id", "")
    try:
        session_id = form_id(session_raw)
        await reflections.write_reflection(me(request), form.get("body", ""), session_id)
    except ValueError:
        return await _page(
            request, 400, form=form, errors={"session_id": "Choose a session from the list."}
        )
    except Invalid as exc:
        return await _page(request, 400, form=form, errors=exc.errors)
    return redirect(request, "reflections:index", "Saved to your journal. Only you can read it.")


async def share(request: Request) -> Response:
    return await share_item(
        request, reflections.share_reflection, "reflections:index", "reflection"
    )

"""The rep's goals, private by default, shared per item."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from app.views.sharing import share_item
from app.web import form_of, me, redirect, render
from coaching import goals
from coaching.errors import Invalid
from coaching.pairings import list_active_coaches


async def _page(request: Request, status: int = 200, **extra: Any) -> Response:
    user = me(request)
    extra.setdefault("form", {})
    extra.setdefault("errors", {})
    return render(
        request,
        "goals/index.html",
        status_code=status,
        goals=await goals.list_my_goals(user),
        coaches=await list_active_coaches(user),
        **extra,
    )


async def index(request: Request) -> Response:
    if request.method != "POST":  # GET, or HEAD
        return await _page(request)
    form = await form_of(request)
    try:
        await goals.add_goal(me(request), form)
    except Invalid as exc:
        return await _page(request, 400, form=form, errors=exc.errors)
    return redirect(request, "goals:index", "Goal added. It's private until you share it.")


async def status(request: Request) -> Response:
    done = (await form_of(request)).get("done") == "1"
    await goals.set_goal_status(me(request), request.path_params["id"], done)
    message = "Well done — goal marked done." if done else "Goal reopened."
    return redirect(request, "goals:index", message)


async def share(request: Request) -> Response:
    return await share_item(request, goals.share_goal, "goals:index", "goal")

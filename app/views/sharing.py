"""The per-item sharing form used by goals and journal entries."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from app.web import form_list, me, redirect
from coaching.models import User
from coaching.sharing import parse_ids

ShareAction = Callable[[User, int, list[int]], Awaitable[list[User]]]


async def share_item(request: Request, share: ShareAction, back_to: str, noun: str) -> Response:
    coach_ids = parse_ids(await form_list(request, "coach_ids"))
    chosen = await share(me(request), request.path_params["id"], coach_ids)
    names = ", ".join(c.name for c in chosen)
    message = f"Shared with {names}." if chosen else f"This {noun} is private again."
    return redirect(request, back_to, message)

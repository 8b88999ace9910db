from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from app.web import me, redirect, render
from coaching import commitments
from coaching.home import dismiss_notice, home_for
from coaching.policy import Action, can
from playbooks.library import list_drafts, list_unread


async def index(request: Request) -> Response:
    user = me(request)
    home = await home_for(user)
    unread = await list_unread(user) if can(user, Action.LEARN, "playbook") else []
    drafts = await list_drafts(user)
    attends = can(user, Action.ATTEND, "session")
    promised = (await commitments.mine(user)).open if attends else []
    return render(
        request,
        "home/index.html",
        home=home,
        unread_playbooks=unread,
        drafts=drafts,
        commitments=promised,
        attends=attends,
    )


async def dismiss(request: Request) -> Response:
    await dismiss_notice(me(request), request.path_params["id"])
    return redirect(request, "home:index")

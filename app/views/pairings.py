"""Pairings: propose with a coaching agreement, answer, end."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from app.views.calendar import invitations_from
from app.web import form_of, me, redirect, render, render_invalid
from coaching import pairings
from coaching.errors import Conflict, Invalid
from coaching.policy import Action, can

AGREEMENT_HINTS = {
    "sees": "The sessions we schedule, their agenda and shared notes, the goals and reflections "
    "you choose to share, and pipeline snapshots you bring to a session.",
    "why": "To help you prepare deals and grow your skills, at your pace.",
    "cadence": "Every two weeks, 30 minutes",
}


async def index(request: Request) -> Response:
    user = me(request)
    mine = await pairings.list_my_pairings(user)
    everyone = await pairings.list_all_pairings(user) if can(user, Action.MANAGE, "person") else []
    return render(request, "pairings/index.html", mine=mine, everyone=everyone)


async def new(request: Request) -> Response:
    user = me(request)
    coaches, reps = await pairings.pairing_choices(user)
    context: dict[str, Any] = {"coaches": coaches, "reps": reps, "hints": AGREEMENT_HINTS}
    if request.method != "POST":  # GET, or HEAD
        form = {
            "kind": "manager" if can(user, Action.COACH, "pairing") else "mentor",
            "coach_id": str(user.id),
            **AGREEMENT_HINTS,
        }
        return render(request, "pairings/new.html", form=form, errors={}, **context)
    form = await form_of(request)
    try:
        pairing = await pairings.propose_pairing(user, pairings.parse_proposal(form))
    except (Invalid, Conflict) as exc:
        return render_invalid(request, "pairings/new.html", exc, form, **context)
    return redirect(
        request,
        "pairings:detail",
        f"Proposed. {pairing.rep.name} will be asked to accept the agreement.",
        id=pairing.id,
    )


async def detail(request: Request) -> Response:
    pairing = await pairings.get_pairing(me(request), request.path_params["id"])
    return render(request, "pairings/detail.html", pairing=pairing)


async def respond(request: Request) -> Response:
    form = await form_of(request)
    accept = form.get("answer") == "accept"
    pairing = await pairings.respond_to_pairing(me(request), request.path_params["id"], accept)
    message = (
        f"You're paired with {pairing.coach.name}. They can now schedule sessions with you."
        if accept
        else "You declined the pairing. Nothing is shared."
    )
    return redirect(request, "pairings:detail", message, id=pairing.id)


async def end(request: Request) -> Response:
    pairing = await pairings.end_pairing(
        me(request), request.path_params["id"], invitations_from(request)
    )
    return redirect(
        request,
        "pairings:detail",
        "The pairing has ended. Nothing more is shared through it.",
        id=pairing.id,
    )

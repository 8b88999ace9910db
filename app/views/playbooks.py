"""Playbooks: trainers write and publish; everyone reads."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from app.web import form_of, me, redirect, render, render_invalid
from coaching.errors import Invalid
from playbooks import library


async def index(request: Request) -> Response:
    user = me(request)
    found = await library.list_playbooks(user)
    return render(
        request, "playbooks/index.html", playbooks=found, read=await library.read_ids(user)
    )


async def detail(request: Request) -> Response:
    user = me(request)
    playbook = await library.get_playbook(user, request.path_params["id"])
    to_read = library.is_to_read(user, playbook, await library.read_ids(user))
    return render(request, "playbooks/detail.html", playbook=playbook, to_read=to_read)


async def new(request: Request) -> Response:
    if request.method != "POST":  # GET, or HEAD
        return render(request, "playbooks/edit.html", playbook=None, form={}, errors={})
    form = await form_of(request)
    try:
        playbook = await library.write_playbook(me(request), form)
    except Invalid as exc:
        return render_invalid(request, "playbooks/edit.html", exc, form, playbook=None)
    return redirect(
        request, "playbooks:detail", "Draft saved. Publish it when it's ready.", id=playbook.id
    )


async def edit(request: Request) -> Response:
    user = me(request)
    playbook = await library.get_playbook(user, request.path_params["id"])
    if request.method != "POST":  # GET, or HEAD
        form = {"title": playbook.title, "summary": playbook.summary, "body": playbook.body}
        form["signals"] = playbook.signals
        return render(request, "playbooks/edit.html", playbook=playbook, form=form, errors={})
    form = await form_of(request)
    try:
        await library.edit_playbook(user, playbook.id, form)
    except Invalid as exc:
        return render_invalid(request, "playbooks/edit.html", exc, form, playbook=playbook)
    return redirect(request, "playbooks:detail", "Playbook saved.", id=playbook.id)


async def publish(request: Request) -> Response:
    playbook = await library.publish_playbook(me(request), request.path_params["id"])
    return redirect(
        request,
        "playbooks:detail",
        "Published. Managers will find it on their home page.",
        id=playbook.id,
    )


async def mark_read(request: Request) -> Response:
    playbook = await library.mark_read(me(request), request.path_params["id"])
    return redirect(request, "playbooks:detail", "Marked as read.", id=playbook.id)

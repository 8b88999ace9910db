"""Playbooks: trainers write, preview, version and publish; managers find, read, keep."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from app.web import Undo, absolute_url, form_of, me, query_int, redirect, render, render_invalid
from coaching.errors import Invalid
from coaching.policy import Action, can
from coaching.text import clean_text, render_markdown
from playbooks import diff, library, reader
from playbooks.models import Playbook

SHELVES = ("library", "drafts", "archived")


async def index(request: Request) -> Response:
    user = me(request)
    query = request.query_params.get("q", "")[: library.search.MAX_QUERY]
    topic = request.query_params.get("topic", "")[:40]
    shelf = request.query_params.get("shelf", "library")
    if shelf not in SHELVES or (shelf != "library" and not can(user, Action.CREATE, "playbook")):
        shelf = "library"
    found = await library.library_page(
        user, query=query, topic=topic, page=query_int(request, "page"), shelf=shelf
    )
    states = await reader.states(user, [playbook.id for playbook in found.playbooks])
    keep = {k: v for k, v in (("q", query), ("topic", topic), ("shelf", shelf)) if v}
    keep.pop("shelf", None) if shelf == "library" else None
    return render(
        request,
        "playbooks/index.html",
        found=found,
        states=states,
        query=query,
        topic=topic,
        shelf=shelf,
        topics=await library.topics_in_use(),
        bookmarked=await reader.bookmarked(user) if shelf == "library" else [],
        page_query=urlencode(keep) + "&" if keep else "",
    )


async def detail(request: Request) -> Response:
    user = me(request)
    playbook = await library.get_playbook(user, request.path_params["id"])
    state = (await reader.states(user, [playbook.id]))[playbook.id]
    return render(
        request,
        "playbooks/detail.html",
        playbook=playbook,
        version=playbook.current,
        state=state,
        ratings=reader.RATINGS,
        unpublished=library.has_unpublished_changes(playbook),
        form={"reflection": state.reflection},
        errors={},
    )


def _draft_form(playbook: Playbook) -> dict[str, str]:
    return {name: getattr(playbook, name) for name in library.CONTENT_FIELDS}


def _preview(form: dict[str, str]) -> tuple[str | None, dict[str, str]]:
    """The text as managers would see it, or why it can't be shown (too long)."""
    errors: dict[str, str] = {}
    body = clean_text(
        form.get("body"), field="body", label="Playbook text", max_length=library.MAX_BODY,
        errors=errors,
    )  # fmt: skip
    return (None, errors) if errors else (render_markdown(body), {})


async def new(request: Request) -> Response:
    if request.method != "POST":  # GET, or HEAD
        return _edit_page(request, None, {}, {})
    form = await form_of(request)
    if "preview" in form:
        preview, errors = _preview(form)
        return _edit_page(request, None, form, errors, preview=preview)
    try:
        playbook = await library.write_playbook(me(request), form)
    except Invalid as exc:
        return render_invalid(
            request, "playbooks/edit.html", exc, form, playbook=None, preview=None, signals=_SIGNALS
        )
    return redirect(
        request, "playbooks:detail", "Draft saved. Publish it when it's ready.", id=playbook.id
    )


_SIGNALS = sorted(library.SIGNAL_IDS)


def _edit_page(
    request: Request,
    playbook: Playbook | None,
    form: dict[str, str],
    errors: dict[str, str],
    preview: str | None = None,
) -> Response:
    return render(
        request,
        "playbooks/edit.html",
        playbook=playbook,
        form=form,
        errors=errors,
        preview=preview,
        signals=_SIGNALS,
    )


async def edit(request: Request) -> Response:
    user = me(request)
    playbook = await library.get_playbook(user, request.path_params["id"])
    if request.method != "POST":  # GET, or HEAD
        return _edit_page(request, playbook, _draft_form(playbook), {})
    form = await form_of(request)
    if "preview" in form:
        preview, errors = _preview(form)
        return _edit_page(request, playbook, form, errors, preview=preview)
    try:
        await library.edit_playbook(user, playbook.id, form)
    except Invalid as exc:
        return render_invalid(
            request,
            "playbooks/edit.html",
            exc,
            form,
            playbook=playbook,
            preview=None,
            signals=_SIGNALS,
        )
    message = "Draft saved. Managers still read the published version until you publish."
    if playbook.current is None:
        message = "Draft saved. Publish it when it's ready."
    return redirect(request, "playbooks:detail", message, id=playbook.id)


async def publish(request: Request) -> Response:
    user = me(request)
    playbook = await library.get_playbook(user, request.path_params["id"])
    if request.method != "POST":  # GET, or HEAD: the change note, and what will change
        return _publish_page(request, playbook, {}, {})
    form = await form_of(request)
    try:
        version = await library.publish_playbook(user, playbook.id, form.get("change_note", ""))
    except Invalid as exc:
        return _publish_page(request, playbook, form, exc.errors, status_code=400)
    return redirect(
        request,
        "playbooks:detail",
        f"Version {version.number} published. Managers read it from now on.",
        id=playbook.id,
    )


def _publish_page(
    request: Request,
    playbook: Playbook,
    form: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    changes = None
    if playbook.current is not None:
        changes = diff.compare(playbook.current, playbook)
    return render(
        request,
        "playbooks/publish.html",
        status_code=status_code,
        playbook=playbook,
        changes=changes,
        unpublished=library.has_unpublished_changes(playbook),
        form=form,
        errors=errors,
    )


async def versions(request: Request) -> Response:
    playbook, found = await library.versions_of(me(request), request.path_params["id"])
    return render(request, "playbooks/versions.html", playbook=playbook, versions=found)


async def compare(request: Request) -> Response:
    user = me(request)
    newest = query_int(request, "new", 0) if "new" in request.query_params else 0
    oldest = query_int(request, "old", 0) if "old" in request.query_params else 0
    playbook, old, new = await library.version_pair(user, request.path_params["id"], oldest, newest)
    return render(
        request,
        "playbooks/compare.html",
        playbook=playbook,
        old=old,
        new=new,
        changes=diff.compare(old, new),
    )


async def archive(request: Request) -> Response:
    playbook = await library.archive_playbook(me(request), request.path_params["id"])
    undo = Undo(str(absolute_url(request, "playbooks:restore", id=playbook.id)), {})
    message = f"“{playbook.title}” is archived: managers no longer find it."
    return redirect(request, "playbooks:index", message, undo=undo)


async def restore(request: Request) -> Response:
    playbook = await library.restore_playbook(me(request), request.path_params["id"])
    return redirect(request, "playbooks:detail", "Restored to the library.", id=playbook.id)


async def mark_read(request: Request) -> Response:
    playbook = await reader.mark_read(me(request), request.path_params["id"])
    return redirect(request, "playbooks:detail", "Marked as read.", id=playbook.id)


async def bookmark(request: Request) -> Response:
    form = await form_of(request)
    on = form.get("bookmarked") == "1"
    playbook = await reader.set_bookmark(me(request), request.path_params["id"], on)
    message = "Bookmarked: it's at the top of your library." if on else "Bookmark removed."
    return redirect(request, "playbooks:detail", message, id=playbook.id)


async def _detail_with_error(request: Request, exc: Invalid, form: dict[str, str]) -> Response:
    """The playbook page again, with what was wrong beside the form that sent it."""
    user = me(request)
    playbook = await library.get_playbook(user, request.path_params["id"])
    state = (await reader.states(user, [playbook.id]))[playbook.id]
    return render_invalid(
        request,
        "playbooks/detail.html",
        exc,
        {"reflection": state.reflection, **form},
        playbook=playbook,
        version=playbook.current,
        state=state,
        ratings=reader.RATINGS,
        unpublished=library.has_unpublished_changes(playbook),
    )


async def reflect(request: Request) -> Response:
    form = await form_of(request)
    try:
        playbook = await reader.save_reflection(
            me(request), request.path_params["id"], form.get("reflection", "")
        )
    except Invalid as exc:
        return await _detail_with_error(request, exc, form)
    return redirect(
        request, "playbooks:detail", "Reflection saved. Only you can read it.", id=playbook.id
    )


async def rate(request: Request) -> Response:
    form = await form_of(request)
    try:
        playbook = await reader.rate(me(request), request.path_params["id"], form.get("rating", ""))
    except Invalid as exc:
        return await _detail_with_error(request, exc, form)
    return redirect(
        request,
        "playbooks:detail",
        "Thanks: your rating is counted, never shown with your name.",
        id=playbook.id,
    )


async def reception(request: Request) -> Response:
    user = me(request)
    playbook = await library.get_playbook(user, request.path_params["id"])
    threshold = request.app.state.settings.anonymity_threshold
    figures = await reader.reception(user, playbook.id, threshold)
    return render(request, "playbooks/reception.html", playbook=playbook, figures=figures)

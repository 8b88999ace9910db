"""Coaching sessions: schedule, open, agenda, shared and private notes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from app.urls import absolute_url
from app.views.calendar import invitations_from
from app.web import Undo, form_of, me, query_int, redirect, render, render_invalid
from coaching import commitments, sessions
from coaching.clock import now
from coaching.errors import Invalid, PermissionDenied
from coaching.models import CoachingSession, User
from coaching.timezones import to_local
from playbooks import library

PAST_PAGE = 20


async def index(request: Request) -> Response:
    user = me(request)
    page = query_int(request, "page")
    upcoming = await sessions.list_sessions(user, upcoming=True, limit=50) if page == 1 else []
    past = await sessions.list_sessions(
        user, upcoming=False, limit=PAST_PAGE + 1, offset=(page - 1) * PAST_PAGE
    )
    return render(
        request,
        "sessions/index.html",
        upcoming=upcoming,
        past=past[:PAST_PAGE],
        page=page,
        has_more=len(past) > PAST_PAGE,
    )


def _default_schedule(tz: str) -> dict[str, str]:
    start = to_local(now() + timedelta(days=7), tz)
    return {
        "title": "Weekly coaching",
        "date": start.date().isoformat(),
        "time": "10:00",
        "duration": "30",
    }


async def new(request: Request) -> Response:
    user = me(request)
    pairing = await sessions.get_pairing_to_schedule(user, request.path_params["id"])
    if request.method != "POST":  # GET, or HEAD
        form = _default_schedule(user.timezone)
        return render(request, "sessions/new.html", pairing=pairing, form=form, errors={})
    form = await form_of(request)
    try:
        created = await sessions.schedule_session(
            user, pairing.id, sessions.parse_schedule(form), invitations_from(request)
        )
    except Invalid as exc:
        return render_invalid(request, "sessions/new.html", exc, form, pairing=pairing)
    message = "Session scheduled. You and the rep are each mailed a calendar invitation."
    return redirect(request, "sessions:detail", message, id=created.id)


async def _detail(request: Request, session_id: int, status: int = 200, **extra: Any) -> Response:
    user = me(request)
    page = await sessions.get_session_page(user, session_id)
    signals = {signal.id.value for b in page.snapshots for signal in b.signals}
    extra["playbooks_for_signals"] = await library.for_signals(user, signals)
    extra.setdefault("errors", {})
    extra.setdefault("form", {})
    return render(request, "sessions/detail.html", status_code=status, page=page, **extra)


async def detail(request: Request) -> Response:
    return await _detail(request, request.path_params["id"])


SessionWrite = Callable[[User, int, str], Awaitable[object]]


async def _write_then_return(
    request: Request, write: SessionWrite, field: str, done_message: str
) -> Response:
    """Save one field of the session page; on bad input show the page again with it kept."""
    session_id = request.path_params["id"]
    form = await form_of(request)
    try:
        await write(me(request), session_id, form.get(field, ""))
    except Invalid as exc:
        return await _detail(request, session_id, 400, errors=exc.errors, form=form)
    return redirect(request, "sessions:detail", done_message, id=session_id)


async def add_agenda(request: Request) -> Response:
    return await _write_then_return(
        request, sessions.add_agenda_item, "text", "Added to the agenda."
    )


async def toggle_agenda(request: Request) -> Response:
    item = await sessions.toggle_agenda_item(me(request), request.path_params["id"])
    return redirect(request, "sessions:detail", None, id=item.session_id)


async def delete_agenda(request: Request) -> Response:
    item = await sessions.delete_agenda_item(me(request), request.path_params["id"])
    session_id = item.session_id
    action = absolute_url(request, "sessions:add_agenda", id=session_id)
    undo = Undo(str(action), {"text": item.text})
    message = f"Removed “{item.text}” from the agenda."
    return redirect(request, "sessions:detail", message, undo=undo, id=session_id)


async def shared_notes(request: Request) -> Response:
    session_id = request.path_params["id"]
    form = await form_of(request)
    base = form.get("notes_version", "")
    try:
        await sessions.save_shared_notes(
            me(request),
            session_id,
            form.get("shared_notes", ""),
            int(base) if base.isascii() and base.isdigit() else None,
        )
    except sessions.NotesConflict as conflict:  # saving again goes on top of theirs
        kept = {**form, "notes_version": str(conflict.version)}
        return await _detail(
            request, session_id, 409, errors=conflict.errors, form=kept, notes_conflict=conflict
        )
    except Invalid as exc:
        return await _detail(request, session_id, 400, errors=exc.errors, form=form)
    return redirect(request, "sessions:detail", "Shared notes saved.", id=session_id)


async def notes_history(request: Request) -> Response:
    session, revisions = await sessions.notes_history(me(request), request.path_params["id"])
    return render(request, "sessions/notes_history.html", s=session, revisions=revisions)


async def private_note(request: Request) -> Response:
    return await _write_then_return(
        request,
        sessions.save_private_note,
        "private_note",
        "Private note saved. Only you can read it.",
    )


COMMITMENT_FIELDS = ("text", "owner_id", "due_on")  # named commitment_* on the page


async def add_commitment(request: Request) -> Response:
    session_id = request.path_params["id"]
    form = await form_of(request)
    fields = {name: form.get(f"commitment_{name}", "") for name in COMMITMENT_FIELDS}
    try:
        made = await commitments.add_commitment(me(request), session_id, fields)
    except Invalid as exc:
        errors = {f"commitment_{k}": v for k, v in exc.errors.items()}
        return await _detail(request, session_id, 400, errors=errors, form=form)
    return redirect(request, "sessions:detail", f"Commitment added: “{made.text}”.", id=session_id)


def _back_to(request: Request, back: str, session_id: int | None, message: str) -> Response:
    if back == "mine" or session_id is None:
        return redirect(request, "commitments:mine", message)
    return redirect(request, "sessions:detail", message, id=session_id)


async def commitment_done(request: Request) -> Response:
    form = await form_of(request)
    done = form.get("done") == "1"
    item = await commitments.set_done(me(request), request.path_params["id"], done)
    back = form.get("next", "")
    session_id = int(back) if back.isascii() and back.isdigit() else item.made_in_id
    return _back_to(request, back, session_id, "Marked done." if done else "Open again.")


async def commitment_delete(request: Request) -> Response:
    item = await commitments.remove(me(request), request.path_params["id"])
    if item.made_in_id is None:
        return _back_to(request, "mine", None, f"Removed “{item.text}”.")
    action = absolute_url(request, "sessions:add_commitment", id=item.made_in_id)
    due = item.due_on.isoformat() if item.due_on else ""
    fields = {"text": item.text, "owner_id": str(item.owner_id), "due_on": due}
    undo = Undo(str(action), {f"commitment_{k}": v for k, v in fields.items()})
    return redirect(
        request, "sessions:detail", f"Removed “{item.text}”.", undo=undo, id=item.made_in_id
    )


async def my_commitments(request: Request) -> Response:
    found = await commitments.mine(me(request))
    return render(request, "commitments/mine.html", found=found, today=now().date())


def _current_schedule(session: CoachingSession, tz: str) -> dict[str, str]:
    start = to_local(session.starts_at, tz)
    return {
        "title": session.title,
        "date": start.date().isoformat(),
        "time": start.strftime("%H:%M"),
        "duration": str(session.duration_minutes),
    }


async def change(request: Request) -> Response:
    """Move the session (time, length, title), or cancel it, with a reason for the other."""
    user = me(request)
    page = await sessions.get_session_page(user, request.path_params["id"])
    if not page.can_write:
        raise PermissionDenied("This session can't be changed any more.")
    session = page.session
    if request.method != "POST":  # GET, or HEAD
        form = _current_schedule(session, user.timezone)
        return render(request, "sessions/change.html", page=page, form=form, errors={})
    form = await form_of(request)
    try:
        await sessions.change_session(
            user,
            session.id,
            sessions.parse_schedule(form),
            form.get("reason", ""),
            invitations_from(request),
        )
    except Invalid as exc:
        return render_invalid(request, "sessions/change.html", exc, form, page=page)
    message = "Session changed. You both get the updated calendar invitation."
    return redirect(request, "sessions:detail", message, id=session.id)


async def cancel(request: Request) -> Response:
    user = me(request)
    form = await form_of(request)
    session_id = request.path_params["id"]
    try:
        await sessions.cancel_session(
            user, session_id, form.get("cancel_reason", ""), invitations_from(request)
        )
    except Invalid as exc:
        page = await sessions.get_session_page(user, session_id)
        errors = {f"cancel_{k}": v for k, v in exc.errors.items()}
        current = _current_schedule(page.session, user.timezone)
        return render(
            request, "sessions/change.html", 400, page=page, form={**current, **form}, errors=errors
        )
    message = "Session cancelled. You both get a calendar cancellation."
    return redirect(request, "sessions:detail", message, id=session_id)


async def carry_agenda(request: Request) -> Response:
    session_id = request.path_params["id"]
    try:
        carried = await sessions.carry_open_agenda(me(request), session_id)
    except Invalid as exc:
        return redirect(request, "sessions:detail", exc.message, level="error", id=session_id)
    when = to_local(carried.to.starts_at, me(request).timezone)
    message = f"{carried.moved} open point(s) moved to the session of {when:%d %b}."
    if carried.left:
        message += f" {carried.left} didn't fit: that agenda is full."
    return redirect(request, "sessions:detail", message, id=carried.to.id)

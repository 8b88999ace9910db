"""Pipeline snapshots: the rep's list, importing a CRM file (preview, then import), one
snapshot with its pictures and questions, comparing two, and bringing one to a session."""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from app.security import read_form
from app.web import (
    form_id,
    form_list,
    form_of,
    me,
    query_int,
    redirect,
    render,
    render_invalid,
)
from coaching import imports, sessions, snapshots
from coaching.errors import Invalid
from coaching.pipeline import pages as pipeline_pages
from coaching.pipeline.formats import MAX_FILE_BYTES, MAX_ROWS, ColumnMapping, FileFormat
from coaching.pipeline.models import PendingImport
from playbooks import library

FORMAT_CHOICES = [
    ("", "Recognise it from the columns"),
    (FileFormat.SALESFORCE_REPORT.value, "Salesforce report export"),
    (FileFormat.SALESFORCE_EXPORT.value, "Salesforce Data Loader / API export"),
    (FileFormat.HUBSPOT.value, "HubSpot deals export"),
    (FileFormat.PIPEDRIVE.value, "Pipedrive deals export"),
    (FileFormat.GENERIC.value, "Another file: I'll say which column is which"),
]
MAPPED_FIELDS = [
    ("name", "Deal name", True),
    ("stage", "Stage", True),
    ("amount", "Amount", False),
    ("currency", "Currency", False),
    ("close_date", "Close date", False),
    ("crm_id", "Deal id", False),
    ("account", "Account", False),
    ("probability", "Probability", False),
    ("next_step", "Next step", False),
    ("status", "Won / lost / open", False),
]
LIMITS = {"max_mb": MAX_FILE_BYTES // (1024 * 1024), "max_rows": MAX_ROWS}


async def index(request: Request) -> Response:
    user = me(request)
    page = await pipeline_pages.my_pipeline(user)
    return render(request, "snapshots/index.html", page=page)


# --- import --------------------------------------------------------------------------


def _import_context(**more: Any) -> dict[str, Any]:
    return {"formats": FORMAT_CHOICES, "limits": LIMITS, "mapped_fields": MAPPED_FIELDS, **more}


async def import_file(request: Request) -> Response:
    """The form; then the file arrives: keep it aside and show what it would import
    (nothing is written until the person says "Import")."""
    if request.method != "POST":  # GET, or HEAD
        form = {"taken_on": date.today().isoformat(), "format": ""}
        return render(request, "snapshots/import.html", form=form, errors={}, **_import_context())
    user = me(request)
    form, file = await _upload_form(request)
    try:
        taken_on = _taken_on(form.get("taken_on", ""))
        data, name = await _file_bytes(file)
    except Invalid as exc:
        return render_invalid(
            request, "snapshots/import.html", exc, form, exc.status_code, **_import_context()
        )
    pending = await imports.stash_upload(user, name, data)
    return await _preview(request, pending.token, form, pending, taken_on)


async def confirm(request: Request) -> Response:
    """Preview again (the mapping may have changed), then import all or nothing."""
    user = me(request)
    form = await form_of(request)
    token = form.get("token", "")
    pending = await imports.load_upload(user, token)
    try:
        taken_on = _taken_on(form.get("taken_on", ""))
    except Invalid as exc:  # the preview again, with its upload, and the day's message
        return await _preview(request, token, form, pending, None, exc.errors)
    if form.get("action") != "import":
        return await _preview(request, token, form, pending, taken_on)
    mapping = _mapping(form)
    try:
        imported = await imports.import_file(
            user,
            pending.data,
            taken_on=taken_on,
            source="Upload",
            by=user,
            file_name=pending.file_name,
            file_format=_format(form),
            mapping=mapping,
        )
    except imports.ImportRefused:
        return await _preview(request, token, form, pending, taken_on)
    except Invalid as exc:  # the day, say: refused by the import itself
        return await _preview(request, token, form, pending, None, exc.errors)
    if mapping is not None and form.get("save_mapping"):
        headers = await imports.preview_file(user, pending.data, FileFormat.GENERIC, mapping)
        await imports.save_mapping(user, headers.parsed.headers, mapping)
    # The upload stays (a day at most): pressing Import again finds the same snapshot.
    snapshot = imported.snapshot
    deals = "1 deal" if snapshot.deal_count == 1 else f"{snapshot.deal_count:,} deals"
    message = (
        f"Imported {deals} as your snapshot of {snapshot.taken_on:%d %b %Y}."
        if imported.created
        else "This file was already imported for that day: here is that snapshot."
    )
    return redirect(request, "snapshots:detail", message, id=snapshot.id)


async def _preview(
    request: Request,
    token: str,
    form: dict[str, str],
    pending: PendingImport,
    taken_on: date | None,
    errors: dict[str, str] | None = None,
) -> Response:
    """What the upload would import; `taken_on` None keeps the day as typed (refused)."""
    preview = await imports.preview_file(me(request), pending.data, _format(form), _mapping(form))
    parsed = preview.parsed
    if taken_on is not None:
        form = {**form, "taken_on": taken_on.isoformat()}
    if parsed.format is None and parsed.headers and not form.get("format"):
        form = {**form, "format": FileFormat.GENERIC.value}  # not recognised: map the columns
    if preview.mapping is not None:
        form["format"] = FileFormat.GENERIC.value
        form.update({f"map_{k}": v or "" for k, v in preview.mapping.to_dict().items()})
    status = 400 if parsed.problems or errors else 200
    return render(
        request,
        "snapshots/preview.html",
        status_code=status,
        parsed=parsed,
        token=token,
        file_name=pending.file_name,
        form=form,
        errors=errors or {},
        **_import_context(),
    )


async def _upload_form(request: Request) -> tuple[dict[str, str], UploadFile | None]:
    raw = await read_form(request)
    form = {k: v.replace("\x00", "") for k, v in raw.items() if isinstance(v, str)}
    form.pop("csrf_token", None)
    file = raw.get("file")
    return form, file if isinstance(file, UploadFile) else None


async def _file_bytes(file: UploadFile | None) -> tuple[bytes, str]:
    if file is None or not file.filename:
        raise Invalid({"file": "Choose the CSV file your CRM exported."})
    data = await file.read(MAX_FILE_BYTES + 1)
    problem = imports.too_large(len(data))
    if problem:
        raise imports.FileTooLarge(problem.message)
    if not data.strip():
        raise Invalid({"file": "The file is empty."})
    return data, file.filename


def _taken_on(raw: str) -> date:
    try:
        day = date.fromisoformat(raw.strip()) if raw.strip() else date.today()
    except ValueError as exc:
        raise Invalid({"taken_on": "Give the day as YYYY-MM-DD, e.g. 2026-11-20."}) from exc
    snapshots.check_taken_on(day)
    return day


def _format(form: dict[str, str]) -> FileFormat | None:
    value = form.get("format", "")
    try:
        return FileFormat(value) if value else None
    except ValueError:
        return None


def _mapping(form: dict[str, str]) -> ColumnMapping | None:
    if _format(form) != FileFormat.GENERIC:
        return None
    chosen = {field: form.get(f"map_{field}", "") or None for field, _, _ in MAPPED_FIELDS}
    if not chosen["name"] or not chosen["stage"]:
        return None
    return ColumnMapping.from_dict(chosen)


# --- one snapshot, and two compared -----------------------------------------------------


async def detail(request: Request) -> Response:
    user = me(request)
    page = await pipeline_pages.snapshot_page(user, request.path_params["id"])
    signals = {signal.id.value for signal in page.signals}
    playbooks = await library.for_signals(user, signals)
    return render(request, "snapshots/detail.html", page=page, playbooks_for_signals=playbooks)


async def compare(request: Request) -> Response:
    user = me(request)
    try:
        old_id = form_id(request.query_params.get("old", ""))
        new_id = form_id(request.query_params.get("new", ""))
    except ValueError:
        old_id = new_id = None
    if old_id is None or new_id is None:
        mine = await snapshots.list_my_snapshots(user)
        return render(request, "snapshots/compare.html", page=None, choices=mine)
    page = await pipeline_pages.compare_page(user, old_id, new_id)
    return render(request, "snapshots/compare.html", page=page)


async def deal_context(request: Request) -> Response:
    user = me(request)
    form = await form_of(request)
    snapshot_id = request.path_params["id"]
    await snapshots.save_deal_context(
        user,
        snapshot_id,
        request.path_params["deal_id"],
        form.get("note", ""),
        bool(form.get("wants_help")),
    )
    return redirect(request, "snapshots:detail", "Saved your words on the deal.", id=snapshot_id)


async def delete(request: Request) -> Response:
    form = await form_of(request)
    if form.get("confirm") != "yes":
        raise Invalid({"confirm": "Tick the box to confirm that the snapshot should go."})
    snapshot = await snapshots.delete_snapshot(me(request), request.path_params["id"])
    message = f"Deleted your snapshot of {snapshot.taken_on:%d %b %Y}."
    return redirect(request, "snapshots:index", message)


# --- bringing to a session --------------------------------------------------------------


async def bring(request: Request) -> Response:
    """Preview exactly what the coach will see, then bring it (action=bring)."""
    user = me(request)
    snapshot_id = request.path_params["id"]
    form = await form_of(request)
    try:
        session_id = form_id(form.get("session_id", ""))
        deal_ids = await _picked(request, form)
    except ValueError as exc:
        raise Invalid({"session_id": "Choose a session from the list."}) from exc
    if session_id is None:
        raise Invalid({"session_id": "Choose the session to bring it to."})
    if form.get("action") == "bring":
        await snapshots.bring_to_session(user, snapshot_id, session_id, deal_ids)
        return redirect(
            request,
            "snapshots:detail",
            "Brought to the session. Your coach sees it there until you take it back.",
            id=snapshot_id,
        )
    page = await pipeline_pages.bring_preview(user, snapshot_id, session_id, deal_ids)
    return render(request, "snapshots/bring_preview.html", page=page, deal_ids=deal_ids)


async def _picked(request: Request, form: dict[str, str]) -> list[int] | None:
    if form.get("whole", "yes") == "yes":
        return None
    ids = [form_id(raw) for raw in await form_list(request, "deal_ids")]
    return [i for i in ids if i is not None]


async def take_back(request: Request) -> Response:
    user = me(request)
    form = await form_of(request)
    try:
        session_id = form_id(form.get("session_id", ""))
    except ValueError:
        session_id = None
    if session_id is None:
        raise Invalid({"session_id": "Choose the session to take it back from."})
    snapshot_id = request.path_params["id"]
    await snapshots.take_back(user, snapshot_id, session_id)
    back = form.get("next") == "session"
    message = "Taken back. Your coach no longer sees it."
    if back:
        return redirect(request, "sessions:detail", message, id=session_id)
    return redirect(request, "snapshots:detail", message, id=snapshot_id)


async def auto_bring(request: Request) -> Response:
    form = await form_of(request)
    on = form.get("on") == "yes"
    await snapshots.set_auto_bring(me(request), request.path_params["id"], on)
    message = (
        "Your latest snapshot will go to each session of this pairing."
        if on
        else "Snapshots will go to sessions only when you bring them."
    )
    return redirect(request, "snapshots:index", message)


async def brought_deals(request: Request) -> Response:
    """Every deal brought to a session from one snapshot (the newest unless `snapshot`
    says), a page at a time."""
    user = me(request)
    session = await sessions.load_session(user, request.path_params["id"])
    try:
        snapshot_id = form_id(request.query_params.get("snapshot", ""))
    except ValueError:
        snapshot_id = 0  # names no snapshot: a 404 below
    page = await pipeline_pages.brought_deals_page(
        user, session, snapshot_id, query_int(request, "page")
    )
    signals = {signal.id.value for signal in page.shown.signals}
    playbooks = await library.for_signals(user, signals)
    return render(
        request, "snapshots/brought_deals.html", page=page, playbooks_for_signals=playbooks
    )

"""The API's views. Every answer is JSON; every refusal lists its problems (schemas.Problems)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from pydantic import BaseModel, ValidationError
from python_multipart.multipart import parse_options_header
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from app.api.openapi import openapi_document
from app.api.schemas import (
    Problem,
    Problems,
    SnapshotIn,
    SnapshotOut,
    SnapshotUpload,
    problems_of,
)
from app.security import read_form
from coaching import imports
from coaching.errors import Invalid
from coaching.identity.models import ApiToken
from coaching.pipeline.deals import DealStatus
from coaching.pipeline.formats import FileFormat
from coaching.pipeline.pages import open_totals
from coaching.pipeline.values import clean_text
from coaching.snapshots import Imported

NO_STORE = {"Cache-Control": "no-store"}
JSON = b"application/json"
MULTIPART = b"multipart/form-data"


async def openapi(request: Request) -> Response:
    return JSONResponse(openapi_document())


async def import_snapshot(request: Request) -> Response:
    token: ApiToken = request.scope["api_token"]
    kind, _ = parse_options_header(request.headers.get("content-type", ""))
    try:
        if kind == JSON:
            return await _import_json(request, token)
        if kind == MULTIPART:
            return await _import_upload(request, token)
    except imports.ImportRefused as refused:
        return _refused(_file_problems(refused))
    except imports.FileTooLarge as too_large:
        return _problems(413, _field_problems(too_large))
    except Invalid as invalid:
        return _refused(_field_problems(invalid))
    message = "Send deals as application/json, or a CSV file as multipart/form-data."
    return _problems(415, [Problem(line=0, column="", message=message)])


async def _import_json(request: Request, token: ApiToken) -> Response:
    try:
        sent = SnapshotIn.model_validate_json(await request.body())
    except ValidationError as error:
        return _refused(problems_of(error))
    rep = await imports.rep_for_import(sent.rep_email)
    imported = await imports.import_deals(
        rep,
        [deal.fields() for deal in sent.deals],
        taken_on=sent.taken_on or date.today(),
        source=_source(token),
    )
    return await _summary(imported)


async def _import_upload(request: Request, token: ApiToken) -> Response:
    try:
        form = await read_form(request)
    except HTTPException as exc:  # a malformed multipart body: what the parser said
        return _refused([Problem(line=0, column="", message=str(exc.detail))])
    file = form.get("file")
    if not isinstance(file, UploadFile):
        return _refused([Problem(line=0, column="file", message="Attach the CSV file as 'file'.")])
    try:
        fields = SnapshotUpload.model_validate(_text_fields(form))
    except ValidationError as error:
        return _refused(problems_of(error))
    rep = await imports.rep_for_import(fields.rep_email)
    imported = await imports.import_file(
        rep,
        await file.read(),
        taken_on=fields.taken_on or date.today(),
        source=_source(token),
        by=None,
        file_name=clean_text(file.filename or "")[:200],
        file_format=FileFormat(fields.format.value) if fields.format else None,
    )
    return await _summary(imported)


def _text_fields(form: FormData) -> dict[str, str]:
    """The form's text fields; an empty one counts as left out."""
    return {k: v for k, v in form.multi_items() if isinstance(v, str) and v and k != "file"}


def _source(token: ApiToken) -> str:
    return f"API: {token.name}"


async def _summary(imported: Imported) -> Response:
    records = await imports.deals_of(imported)
    snapshot = imported.snapshot
    summary = SnapshotOut(
        snapshot_id=snapshot.id,
        created=imported.created,
        format=snapshot.format,
        taken_on=snapshot.taken_on,
        deals=len(records),
        won=sum(1 for r in records if r.status is DealStatus.WON),
        lost=sum(1 for r in records if r.status is DealStatus.LOST),
        skipped_lines=snapshot.skipped_lines,
        open_totals=open_totals(records),
    )
    return _json(summary, 201 if imported.created else 200)


def _file_problems(refused: imports.ImportRefused) -> list[Problem]:
    return [Problem(line=p.line, column=p.column, message=p.message) for p in refused.problems]


def _field_problems(invalid: Invalid) -> list[Problem]:
    return [
        Problem(line=0, column="" if field == "__all__" else field, message=message)
        for field, message in invalid.errors.items()
    ]


def _refused(problems: Iterable[Problem]) -> Response:
    return _problems(422, list(problems))


def _problems(status: int, problems: list[Problem]) -> Response:
    return _json(Problems(errors=problems), status)


def _json(model: BaseModel, status: int, headers: dict[str, Any] | None = None) -> Response:
    return Response(
        model.model_dump_json(),
        status,
        media_type="application/json",
        headers={**NO_STORE, **(headers or {})},
    )

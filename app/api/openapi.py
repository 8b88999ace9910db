"""The OpenAPI 3.1 document of the API, built from the pydantic models that validate it."""

from __future__ import annotations

import functools
from typing import Any

from pydantic.json_schema import models_json_schema

from app.api.schemas import Problems, SnapshotIn, SnapshotOut, SnapshotUpload
from app.limits import MAX_UPLOAD_MB

REF = "#/components/schemas/{model}"
SNAPSHOTS = "/api/v1/snapshots"


def _problems(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": REF.format(model="Problems")}}},
    }


def _upload_schema(schemas: dict[str, Any]) -> dict[str, Any]:
    """The multipart form: the upload's text fields and the file."""
    fields = schemas.pop("SnapshotUpload")
    properties = {
        "file": {
            "type": "string",
            "format": "binary",
            "contentMediaType": "text/csv",
            "description": f"A CRM export as CSV, at most {MAX_UPLOAD_MB} MB.",
        },
        **fields["properties"],
    }
    return {**fields, "properties": properties, "required": ["file", *fields["required"]]}


def _snapshots_operation(schemas: dict[str, Any]) -> dict[str, Any]:
    created = {"application/json": {"schema": {"$ref": REF.format(model="SnapshotOut")}}}
    return {
        "operationId": "importSnapshot",
        "summary": "Import a rep's pipeline snapshot",
        "description": (
            "All or nothing: a problem in any deal or line imports nothing and lists every "
            "problem. The same content for the same rep and day is imported once: sending it "
            "again answers 200 with the first snapshot."
        ),
        "security": [{"bearerToken": []}],
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": REF.format(model="SnapshotIn")}},
                "multipart/form-data": {"schema": _upload_schema(schemas)},
            },
        },
        "responses": {
            "201": {"description": "Imported as a new snapshot.", "content": created},
            "200": {"description": "Already imported: the same snapshot.", "content": created},
            "401": {
                **_problems("No token, or one that is unknown or revoked."),
                "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
            },
            "413": _problems(f"The body is larger than {MAX_UPLOAD_MB} MB."),
            "415": _problems("Neither JSON nor a multipart form."),
            "422": _problems("Nothing was imported: the problems, by line and column."),
        },
    }


@functools.cache
def openapi_document() -> dict[str, Any]:
    _, defs = models_json_schema(
        [
            (SnapshotIn, "validation"),
            (SnapshotUpload, "validation"),
            (SnapshotOut, "serialization"),
            (Problems, "serialization"),
        ],
        ref_template=REF,
    )
    schemas = defs["$defs"]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Tandem API",
            "version": "1",
            "description": "Import pipeline snapshots for reps from an integration. "
            "An admin creates the bearer token under Admin → API tokens.",
        },
        "paths": {SNAPSHOTS: {"post": _snapshots_operation(schemas)}},
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearerToken": {"type": "http", "scheme": "bearer", "description": "tdm_…"}
            },
        },
    }

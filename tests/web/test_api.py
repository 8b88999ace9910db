"""The integrations API: admins' bearer tokens, and POST /api/v1/snapshots (CSV or JSON)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from app.api.openapi import openapi_document
from coaching.identity import api_tokens
from coaching.identity.accounts import hash_token
from coaching.identity.models import ApiToken, AuditAction, AuditEvent
from coaching.models import PipelineSnapshot
from coaching.pipeline.models import SnapshotDeal
from tests.factories import Browser, make_user, open_browser, reload, text_of

SNAPSHOTS = "/api/v1/snapshots"
CSV = (
    b"Record ID,Deal Name,Deal Stage,Amount,Close Date,Associated Company\n"
    b"9001,Acme renewal,Contract Sent,48000,2026-12-15,Acme Inc.\n"
    b"9002,Globex pilot,Closed Won,12500.50,2026-11-02,Globex Ltd\n"
)
BAD_CSV = CSV + b"9003,Initech expansion,Contract Sent,lots,2026-10-10,Initech\n"


async def admin_and_token(name: str = "HubSpot nightly") -> tuple[Any, str]:
    admin = await reload(await make_user("admin"))
    _, plaintext = await api_tokens.create_token(admin, name)
    return admin, plaintext


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def deals_json(rep_email: str, **more: Any) -> dict[str, Any]:
    return {
        "rep_email": rep_email,
        "deals": [
            {"crm_id": "A-1", "name": "Acme renewal", "stage": "Proposal", "amount": "48000.00",
             "currency": "EUR", "close_date": "2026-12-15", "probability": 40},
            {"name": "Globex pilot", "account": "Globex", "stage": "Closed Won", "amount": 12500},
            {"name": "Initech", "stage": "Discovery", "status": "lost"},
        ],
        **more,
    }  # fmt: skip


async def upload(client: httpx.AsyncClient, token: str, data: bytes, **fields: str):
    files = {"file": ("pipeline.csv", data, "text/csv")}
    return await client.post(SNAPSHOTS, headers=bearer(token), data=fields, files=files)


# --- tokens ------------------------------------------------------------------------------


async def test_token_is_stored_only_as_its_hash_with_a_hint(db) -> None:
    admin = await reload(await make_user("admin"))
    token, plaintext = await api_tokens.create_token(admin, "  HubSpot nightly ")

    assert plaintext.startswith("tdm_") and len(plaintext) > 40
    stored = await ApiToken.get(id=token.id)
    assert stored.name == "HubSpot nightly"
    assert stored.token_hash == hash_token(plaintext) != plaintext
    assert stored.hint == plaintext[:8]
    assert plaintext not in str(await ApiToken.all().values())
    assert await AuditEvent.filter(action=AuditAction.API_TOKEN_CREATED, actor_id=admin.id).exists()


async def test_only_admins_create_or_revoke_tokens(db) -> None:
    from coaching.errors import PermissionDenied

    manager = await reload(await make_user("manager", "trainer", "rep"))
    with pytest.raises(PermissionDenied):
        await api_tokens.create_token(manager, "Mine")
    _, plaintext = await admin_and_token()
    token = await ApiToken.get(token_hash=hash_token(plaintext))
    with pytest.raises(PermissionDenied):
        await api_tokens.revoke_token(manager, token.id)


async def test_last_use_is_recorded_at_most_once_a_minute(db) -> None:
    _, plaintext = await admin_and_token()
    assert (await ApiToken.get(token_hash=hash_token(plaintext))).last_used_at is None

    first = await api_tokens.authenticate_token(plaintext)
    second = await api_tokens.authenticate_token(plaintext)

    assert first is not None and second is not None
    assert first.last_used_at is not None
    assert second.last_used_at == first.last_used_at


async def test_revoked_token_is_refused_on_the_next_request(client) -> None:
    admin, plaintext = await admin_and_token()
    rep = await make_user("rep")
    token = await ApiToken.get(token_hash=hash_token(plaintext))
    await api_tokens.revoke_token(admin, token.id)

    response = await client.post(SNAPSHOTS, headers=bearer(plaintext), json=deals_json(rep.email))

    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert not await PipelineSnapshot.exists()
    assert await AuditEvent.filter(action=AuditAction.API_TOKEN_REVOKED).exists()


@pytest.mark.parametrize(
    "authorization", [None, "Bearer", "Bearer tdm_not-a-token", "Basic dXNlcjpwYXNz", "tdm_x"]
)
async def test_missing_or_wrong_token_is_401_json(client, authorization) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = await client.post(SNAPSHOTS, headers=headers, json={})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["errors"][0]["line"] == 0


# --- the admin pages ---------------------------------------------------------------------


async def test_admin_creates_a_token_sees_it_once_and_revokes_it(browser: Browser) -> None:
    admin = await reload(await make_user("admin"))
    await browser.login(admin)
    people = await browser.get("/admin/people")
    assert 'href="http://testserver/admin/api-tokens"' in people.text or "/admin/api-tokens" in (
        people.text
    )
    empty = await browser.get("/admin/api-tokens")
    assert "No API tokens yet" in text_of(empty.text)

    created = await browser.post("/admin/api-tokens", {"name": "HubSpot nightly"})

    assert created.status_code == 200
    shown = re.search(r'id="new-token"[^>]*value="(tdm_[^"]+)"', created.text)
    assert shown, "the new token is shown in a copy field"
    assert "won't see it again" in text_of(created.text).replace("’", "'")
    plaintext = shown.group(1)
    assert (await ApiToken.get(name="HubSpot nightly")).token_hash == hash_token(plaintext)
    listing = await browser.get("/admin/api-tokens")
    assert plaintext not in listing.text
    assert plaintext[:8] in listing.text and "Never" in text_of(listing.text)

    token = await ApiToken.get(name="HubSpot nightly")
    confirm = await browser.get(f"/admin/api-tokens/{token.id}/revoke")
    assert confirm.status_code == 200 and "Revoke the token" in confirm.text
    revoked = await browser.post(f"/admin/api-tokens/{token.id}/revoke")
    assert revoked.status_code == 303
    assert (await ApiToken.get(id=token.id)).revoked_at is not None
    assert "Revoked" in (await browser.get("/admin/api-tokens")).text


async def test_a_token_needs_a_name(browser: Browser) -> None:
    await browser.login(await reload(await make_user("admin")))
    response = await browser.post("/admin/api-tokens", {"name": "   "})
    assert response.status_code == 400
    assert "Name is required" in text_of(response.text)
    assert not await ApiToken.exists()


@pytest.mark.parametrize("role", ["rep", "manager", "trainer"])
async def test_non_admins_cannot_reach_the_token_pages(app, role) -> None:
    admin, plaintext = await admin_and_token()
    token = await ApiToken.get(token_hash=hash_token(plaintext))
    async with open_browser(app) as browser:
        await browser.login(await reload(await make_user(role)))
        assert (await browser.get("/admin/api-tokens")).status_code == 403
        assert (await browser.post("/admin/api-tokens", {"name": "Mine"})).status_code == 403
        revoke = await browser.post(f"/admin/api-tokens/{token.id}/revoke")
        assert revoke.status_code == 403
    assert await ApiToken.all().count() == 1
    assert (await ApiToken.get(id=token.id)).revoked_at is None


# --- importing ---------------------------------------------------------------------------


async def test_csv_upload_imports_and_is_idempotent(client) -> None:
    _, token = await admin_and_token("HubSpot nightly")
    rep = await make_user("rep")

    first = await upload(client, token, CSV, rep_email=rep.email, taken_on="2026-11-20")
    again = await upload(client, token, CSV, rep_email=rep.email.upper(), taken_on="2026-11-20")

    assert first.status_code == 201, first.text
    body = first.json()
    assert body["created"] is True and body["deals"] == 2 and body["won"] == 1
    assert body["format"] == "hubspot" and body["taken_on"] == "2026-11-20"
    assert body["open_totals"] == {"USD": "48000.00"}
    assert again.status_code == 200
    assert again.json()["snapshot_id"] == body["snapshot_id"] and again.json()["created"] is False
    snapshot = await PipelineSnapshot.get(id=body["snapshot_id"])
    assert snapshot.owner_id == rep.id and snapshot.source == "API: HubSpot nightly"
    assert snapshot.file_name == "pipeline.csv"
    line = await AuditEvent.get(action=AuditAction.SNAPSHOT_IMPORTED, subject_id=rep.id)
    assert line.actor_id is None and "API: HubSpot nightly" in line.detail
    assert first.headers["cache-control"] == "no-store"


async def test_json_deals_import_with_status_from_the_stage(client) -> None:
    _, token = await admin_and_token()
    rep = await make_user("rep")

    response = await client.post(SNAPSHOTS, headers=bearer(token), json=deals_json(rep.email))

    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["deals"], body["won"], body["lost"]) == (3, 1, 1)
    assert body["format"] == "json" and body["taken_on"] == date.today().isoformat()
    assert body["open_totals"] == {"EUR": "48000.00"}
    deals = {d.name: d for d in await SnapshotDeal.filter(snapshot_id=body["snapshot_id"])}
    assert (
        deals["Acme renewal"].amount_minor == 4_800_000 and deals["Acme renewal"].probability == 40
    )
    assert deals["Globex pilot"].currency == "USD"  # the organisation's currency
    reordered = deals_json(rep.email)
    reordered["deals"].reverse()
    again = await client.post(SNAPSHOTS, headers=bearer(token), json=reordered)
    assert again.status_code == 200 and again.json()["snapshot_id"] == body["snapshot_id"]


async def test_bad_csv_line_is_422_with_line_and_column_and_imports_nothing(client) -> None:
    _, token = await admin_and_token()
    rep = await make_user("rep")

    response = await upload(client, token, BAD_CSV, rep_email=rep.email)

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"line": 4, "column": "Amount", "message": "Amount 'lots' is not a number"}
    ]
    assert not await PipelineSnapshot.exists() and not await SnapshotDeal.exists()


async def test_bad_json_deals_are_422_by_deal_and_field_and_import_nothing(client) -> None:
    _, token = await admin_and_token()
    rep = await make_user("rep")
    sent = deals_json(rep.email)
    sent["deals"][1]["amount"] = "12,500"
    sent["deals"][2]["probability"] = 140
    sent["deals"].append({"name": "Acme again", "stage": "Proposal", "crm_id": "A-1"})

    response = await client.post(SNAPSHOTS, headers=bearer(token), json=sent)

    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [(e["line"], e["column"]) for e in errors] == [(2, "amount"), (3, "probability")]
    sent["deals"][1]["amount"], sent["deals"][2]["probability"] = "12500", 40
    duplicate = await client.post(SNAPSHOTS, headers=bearer(token), json=sent)
    assert duplicate.status_code == 422
    assert duplicate.json()["errors"] == [
        {"line": 4, "column": "crm_id", "message": "Duplicate deal: deal 1 is the same deal."}
    ]
    assert not await PipelineSnapshot.exists()


@pytest.mark.parametrize(
    ("body", "column"),
    [
        (b"{not json", ""),
        (b"[]", ""),
        (b'{"rep_email": "x@example.com", "deals": []}', "deals"),
        (b'{"rep_email": "x@example.com", "deals": [{"name": "A"}]}', "stage"),
        (b'{"rep_email": "nobody@example.com", "deals": [{"name": "A", "stage": "B"}]}',
         "rep_email"),
        (b'{"rep_email": "a\\u0000@example.com", "deals": [{"name": "A", "stage": "B"}]}',
         "rep_email"),
        (b'{"rep_email": "x@example.com", "taken_on": "2999-01-01", "deals": []}', "taken_on"),
        (b'{"rep_email": "x@example.com", "surprise": 1, "deals": [{"name": "A", "stage": "B"}]}',
         "surprise"),
        (b'{"rep_email": "x@example.com", "deals": [{"name": "\\u0000", "stage": "B"}]}', "name"),
    ],
)  # fmt: skip
async def test_malformed_json_is_422_never_500(client, body: bytes, column: str) -> None:
    _, token = await admin_and_token()
    await make_user("rep", email="x@example.com")
    headers = {**bearer(token), "content-type": "application/json"}

    response = await client.post(SNAPSHOTS, headers=headers, content=body)

    assert response.status_code == 422, response.text
    assert column in [e["column"] for e in response.json()["errors"]]
    assert not await PipelineSnapshot.exists()


async def test_a_person_who_is_not_a_rep_gets_no_snapshot(client) -> None:
    _, token = await admin_and_token()
    manager = await make_user("manager")
    response = await client.post(SNAPSHOTS, headers=bearer(token), json=deals_json(manager.email))
    assert response.status_code == 422
    assert response.json()["errors"][0]["column"] == "rep_email"


async def test_upload_problems_are_422(client) -> None:
    _, token = await admin_and_token()
    rep = await make_user("rep")
    no_file = await client.post(
        SNAPSHOTS, headers=bearer(token), files={"rep_email": (None, rep.email)}
    )
    wrong_format = await upload(client, token, CSV, rep_email=rep.email, format="excel")
    assert no_file.status_code == 422 and no_file.json()["errors"][0]["column"] == "file"
    assert wrong_format.status_code == 422
    assert wrong_format.json()["errors"][0]["column"] == "format"


async def test_other_content_types_are_415(client) -> None:
    _, token = await admin_and_token()
    response = await client.post(
        SNAPSHOTS, headers={**bearer(token), "content-type": "text/csv"}, content=CSV
    )
    assert response.status_code == 415
    assert response.json()["errors"][0]["message"]


async def test_too_large_is_413_json(client) -> None:
    _, token = await admin_and_token()
    headers = {**bearer(token), "content-type": "application/json"}
    response = await client.post(
        SNAPSHOTS, headers={**headers, "content-length": str(6 * 2**20)}, content=b"{}"
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["message"].startswith("The file is too large")


async def test_the_browser_session_cookie_is_not_authentication(app, browser: Browser) -> None:
    """A signed-in admin's browser (cookie and CSRF token) can't import without a token, so a
    page on another site can't make the browser post to the API."""
    admin = await reload(await make_user("admin", "rep"))
    await browser.login(admin)
    response = await browser.client.post(
        SNAPSHOTS, json=deals_json(admin.email), headers={"x-csrf-token": await browser.csrf()}
    )
    assert response.status_code == 401
    assert "set-cookie" not in response.headers
    assert not await PipelineSnapshot.exists()


async def test_openapi_document_is_served_and_valid(client) -> None:
    from openapi_spec_validator import validate

    response = await client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    document = response.json()
    validate(document)
    assert document == openapi_document()
    operation = document["paths"][SNAPSHOTS]["post"]
    assert set(operation["requestBody"]["content"]) == {"application/json", "multipart/form-data"}
    assert {"200", "201", "401", "413", "415", "422"} <= set(operation["responses"])
    assert document["components"]["securitySchemes"]["bearerToken"]["scheme"] == "bearer"


def test_taken_on_in_the_future_is_named(db) -> None:
    from pydantic import ValidationError

    from app.api.schemas import SnapshotIn, problems_of

    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    with pytest.raises(ValidationError) as refused:
        SnapshotIn.model_validate_json(
            f'{{"rep_email": "a@b.co", "taken_on": "{tomorrow}", '
            '"deals": [{"name": "A", "stage": "B"}]}'
        )
    assert [(p.line, p.column) for p in problems_of(refused.value)] == [(0, "taken_on")]


async def test_a_file_over_the_limit_within_the_body_limit_is_413_like_the_web_form(client) -> None:
    _, token = await admin_and_token()
    rep = await make_user("rep")
    data = b"Opportunity Name,Amount\n" + b"A,1\n" * (5 * 2**20 // 4 + 100)
    response = await upload(client, token, data, rep_email=rep.email)
    assert response.status_code == 413
    assert response.json()["errors"][0]["message"] == "The file is too large: the limit is 5 MB."
    assert not await PipelineSnapshot.exists()

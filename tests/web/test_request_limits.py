"""Body size and form field limits hold however the body is sent: with a Content-Length, or
streamed in chunks without one. The app stops reading at the limit and answers 413."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator

import httpx

from app.limits import MAX_FORM_FIELDS
from app.main import create_app
from tests.factories import text_of

KB = 1024
LIMIT = 512 * KB
CHUNK = 64 * KB
FORM = "application/x-www-form-urlencoded"


class Trickle:
    """A request body streamed chunk by chunk; `sent` says how much the server pulled."""

    def __init__(self, chunk: bytes, total: int) -> None:
        self.chunk = chunk
        self.total = total
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.sent < self.total:
            self.sent += len(self.chunk)
            yield self.chunk


def hidden_token(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "the page has no CSRF field"
    return html.unescape(found.group(1))


async def anonymous_token(client: httpx.AsyncClient) -> str:
    """A visitor's CSRF token, read from the sign-in form as a browser would."""
    return hidden_token((await client.get("/login")).text)


def big_fields(field_bytes: int) -> bytes:
    """Form fields of `field_bytes` each, the shape that once made the server buffer
    hundreds of megabytes: every field under the parser's per-field limit."""
    return b"note=" + b"x" * (field_bytes - 6) + b"&"


async def test_streamed_form_over_the_size_limit_is_refused_before_it_is_all_read(client):
    token = await anonymous_token(client)
    body = Trickle(big_fields(CHUNK), total=8 * 1024 * KB)

    response = await client.post(
        "/login", content=body, headers={"content-type": FORM, "x-csrf-token": token}
    )

    assert body.sent <= LIMIT + CHUNK, f"the app read {body.sent} bytes of a refused body"
    assert response.status_code == 413
    assert "text/html" in response.headers["content-type"]
    assert "too large (the limit is 512 KB)" in text_of(response.text)


async def test_streamed_form_with_too_many_fields_is_refused_before_it_is_parsed(client):
    token = await anonymous_token(client)
    body = Trickle(b"a=1&" * 1000, total=4 * 1024 * KB)

    response = await client.post(
        "/login", content=body, headers={"content-type": FORM, "x-csrf-token": token}
    )

    assert response.status_code == 413
    assert f"too many fields (the limit is {MAX_FORM_FIELDS})" in text_of(response.text)
    assert body.sent <= 4000 * 2


async def test_streamed_multipart_form_with_too_many_fields_is_refused(client):
    token = await anonymous_token(client)
    part = b'--edge\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n'
    body = Trickle(part * 50, total=4 * 1024 * KB)

    response = await client.post(
        "/login",
        content=body,
        headers={"content-type": "multipart/form-data; boundary=edge", "x-csrf-token": token},
    )

    assert response.status_code == 413
    assert "too many fields" in text_of(response.text)
    assert body.sent <= len(part) * 50 * 6


async def test_declared_length_over_the_limit_is_refused_without_reading_the_body(client):
    token = await anonymous_token(client)
    body = Trickle(b"a=" + b"x" * (CHUNK - 2), total=2 * LIMIT)

    response = await client.post(
        "/login",
        content=body,
        headers={"content-type": FORM, "x-csrf-token": token, "content-length": str(2 * LIMIT)},
    )

    assert response.status_code == 413
    assert body.sent == 0


async def test_body_over_the_limit_under_api_is_refused_with_json(client):
    response = await client.post(
        "/api/v1/anything", content=b"{}", headers={"content-length": str(LIMIT + 1)}
    )

    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/json")
    assert "512 KB" in response.json()["detail"]


async def test_form_at_the_limit_still_works(browser):
    """The limit refuses what is over it, not ordinary forms near it."""
    response = await browser.post("/login", {"email": "a@example.com", "password": "x" * 400_000})
    assert response.status_code == 400


async def test_body_limit_is_configurable(db, settings) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    app = create_app(replace(settings, max_body_kb=64), manage_db=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.post(
            "/login", content=b"x" * (65 * KB), headers={"content-type": FORM}
        )
    assert response.status_code == 413
    assert "the limit is 64 KB" in text_of(response.text)

"""Body size and form field limits hold however the body is sent: with a Content-Length, or
streamed in chunks without one. The app stops reading at the limit and answers 413."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import uvicorn

from app.limits import MAX_FORM_FIELDS
from app.main import create_app
from app.settings import Settings
from tests.factories import csrf_from_page, hidden_csrf_token, text_of

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


def big_fields(field_bytes: int) -> bytes:
    """Form fields of `field_bytes` each, the shape that once made the server buffer
    hundreds of megabytes: every field under the parser's per-field limit."""
    return b"note=" + b"x" * (field_bytes - 6) + b"&"


async def test_streamed_form_over_the_size_limit_is_refused_before_it_is_all_read(client):
    token = await csrf_from_page(client)
    body = Trickle(big_fields(CHUNK), total=8 * 1024 * KB)

    response = await client.post(
        "/login", content=body, headers={"content-type": FORM, "x-csrf-token": token}
    )

    assert body.sent <= LIMIT + CHUNK, f"the app read {body.sent} bytes of a refused body"
    assert response.status_code == 413
    assert "text/html" in response.headers["content-type"]
    assert "too large (the limit is 512 KB)" in text_of(response.text)


async def test_streamed_form_with_too_many_fields_is_refused_before_it_is_parsed(client):
    token = await csrf_from_page(client)
    body = Trickle(b"a=1&" * 1000, total=4 * 1024 * KB)

    response = await client.post(
        "/login", content=body, headers={"content-type": FORM, "x-csrf-token": token}
    )

    assert response.status_code == 413
    assert f"too many fields (the limit is {MAX_FORM_FIELDS})" in text_of(response.text)
    assert body.sent <= 4000 * 2


async def test_streamed_multipart_form_with_too_many_fields_is_refused(client):
    token = await csrf_from_page(client)
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
    token = await csrf_from_page(client)
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


# --- over real HTTP, against uvicorn --------------------------------------------------------


@pytest.fixture
def live_url() -> Iterator[str]:
    """The app served by uvicorn on a free port in a thread. It has no database: a visitor's
    sign-in page and a refused body need none (visitors' sessions live in a cookie)."""
    settings = Settings(database_url="sqlite://:memory:", secret_key="limits-test-secret")
    config = uvicorn.Config(
        create_app(settings, manage_db=False),
        host="127.0.0.1",
        port=0,
        lifespan="off",
        log_level="warning",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            pytest.fail("uvicorn did not start")
        threading.Event().wait(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


async def stream_until_answered(
    address: str, head: bytes, chunk: bytes, most: int
) -> tuple[int, bytes]:
    """Send a chunked body until the server answers (or `most` bytes went out); return how
    much was sent before the answer came, and the answer."""
    host, port = address.split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(head)
    answer = asyncio.ensure_future(reader.read(64 * KB))
    sent = 0
    try:
        while sent < most and not answer.done():
            writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            await writer.drain()
            sent += len(chunk)
            await asyncio.sleep(0.002)
        return sent, await asyncio.wait_for(answer, timeout=10)
    finally:
        answer.cancel()
        writer.close()


async def test_chunked_body_over_real_http_is_answered_413_as_soon_as_it_passes_the_limit(
    live_url: str,
) -> None:
    async with httpx.AsyncClient(base_url=f"http://{live_url}") as client:
        page = await client.get("/login")
        cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    head = (
        f"POST /login HTTP/1.1\r\nHost: {live_url}\r\nContent-Type: {FORM}\r\n"
        f"X-CSRF-Token: {hidden_csrf_token(page.text)}\r\nCookie: {cookie}\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    ).encode()

    sent, answer = await stream_until_answered(live_url, head, big_fields(CHUNK), 64 * LIMIT)

    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert sent < 16 * LIMIT, f"the server let {sent} bytes in before answering"

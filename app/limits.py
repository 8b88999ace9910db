"""Request body limits, enforced while the body arrives and before anything parses it.

A declared Content-Length over the limit is refused at once; a streamed (chunked) body is
counted as it is received, and so are the fields of a form, so no route can be made to
buffer or parse more than the limits allow, whichever way the body is sent.
"""

from __future__ import annotations

from python_multipart.multipart import parse_options_header
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_FORM_FIELDS = 200
DEFAULT_MAX_BODY_KB = 512
# Routes that take a file: their own, larger limit (the file plus a few form fields).
MAX_UPLOAD_MB = 5
UPLOAD_PATHS = frozenset({"/snapshots/import", "/api/v1/snapshots"})
UPLOAD_BODY_BYTES = MAX_UPLOAD_MB * 1024 * 1024 + 64 * 1024


def takes_files(path: str) -> bool:
    return path in UPLOAD_PATHS


class BodyTooLarge(Exception):
    """Raised from `receive` when the body passes a limit; the middleware answers 413."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class FieldCounter:
    """Counts form fields as bytes stream in: `&` separators of a urlencoded form, or the
    boundary delimiters of a multipart one (a delimiter may be split across chunks)."""

    def __init__(self, content_type: str) -> None:
        kind, options = parse_options_header(content_type)
        self.marker = b""
        self.fields = 0
        if kind == b"application/x-www-form-urlencoded":
            self.marker, self.fields = b"&", 1
        elif kind == b"multipart/form-data" and options.get(b"boundary"):
            # Every part opens with the delimiter and the body ends with one more.
            self.marker, self.fields = b"--" + options[b"boundary"], -1
        self.tail = b""

    def feed(self, chunk: bytes) -> int:
        if self.marker:
            data = self.tail + chunk
            self.fields += data.count(self.marker)
            keep = len(self.marker) - 1
            self.tail = data[-keep:] if keep else b""
        return self.fields


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, max_bytes: int, max_fields: int = MAX_FORM_FIELDS) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_fields = max_fields

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        limit = UPLOAD_BODY_BYTES if takes_files(scope["path"]) else self.max_bytes
        if _declared_length(request) > limit:
            await self._refuse(scope, send, self._too_large(limit))
            return
        content_type = request.headers.get("content-type", "")
        counted = self._counting(receive, FieldCounter(content_type), limit)
        started = False

        async def send_tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, send_tracking)
        except BodyTooLarge as exc:
            if started:
                raise
            await self._refuse(scope, send, exc.message)

    def _counting(self, receive: Receive, counter: FieldCounter, limit: int) -> Receive:
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                received += len(chunk)
                if received > limit:
                    raise BodyTooLarge(self._too_large(limit))
                if counter.feed(chunk) > self.max_fields:
                    raise BodyTooLarge(
                        f"The form has too many fields (the limit is {self.max_fields})."
                    )
            return message

        return counted

    def _too_large(self, limit: int) -> str:
        if limit == UPLOAD_BODY_BYTES:
            return f"The file is too large: the limit is {MAX_UPLOAD_MB} MB."
        return (
            f"What you sent is too large (the limit is {limit // 1024} KB). "
            "Shorten it, or save it in several parts."
        )

    async def _refuse(self, scope: Scope, send: Send, message: str) -> None:
        from app.errors import error_page  # late: app.errors imports app.security, which imports us

        response = error_page(Request(scope), 413, message)
        await response(scope, _nothing_to_receive, send)


def _declared_length(request: Request) -> int:
    try:
        return int(request.headers.get("content-length") or 0)
    except ValueError:
        return 0


async def _nothing_to_receive() -> Message:
    return {"type": "http.disconnect"}

"""One place turns errors into pages (or JSON under /api/): say what happened, what to do."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from app.logs import get_logger
from app.security import HEADERS
from coaching.errors import TandemError

log = get_logger("tandem")

ADVICE = {
    400: "Check what you entered and try again.",
    403: "If you think you should have access, ask the person who runs Tandem in your team.",
    404: "The link may be old, or the thing it pointed to was removed or isn't shared with you.",
    405: "That address doesn't accept this kind of request. Go back and use the page's buttons.",
    409: "Reload the page to see the current state, then try again.",
    413: "Go back to the form: your browser usually keeps what you typed.",
    500: "Something broke on our side. It has been logged; try again in a moment.",
}
TITLES = {
    400: "Please check your input",
    403: "Not allowed",
    404: "Page not found",
    405: "Not allowed here",
    409: "That clashes with what is there",
    413: "Too large to accept",
    500: "Something went wrong",
}


def error_page(
    request: Request,
    status: int,
    message: str,
    title: str | None = None,
    advice: str | None = None,
) -> Response:
    if request.url.path.startswith("/api/"):
        # `errors` in the shape of the API's own problems (app/api/schemas.py: Problems).
        body = {
            "error": TITLES.get(status, "Error"),
            "detail": message,
            "errors": [{"line": 0, "column": "", "message": message}],
        }
        return JSONResponse(body, status)
    templates = request.app.state.templates
    context = {
        "status": status,
        "title": title or TITLES.get(status, "Error"),
        "message": message,
        "advice": advice if advice is not None else ADVICE.get(status, ""),
    }
    return templates.TemplateResponse(request, "errors/error.html", context, status_code=status)


async def domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TandemError)
    return error_page(request, exc.status_code, exc.message, exc.title)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = {404: "There's nothing at this address."}.get(exc.status_code, exc.detail)
    response = error_page(request, exc.status_code, message)
    for name, value in (exc.headers or {}).items():  # such as a 405's Allow
        response.headers[name] = value
    return response


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("Unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    try:
        response = error_page(request, 500, "The request could not be completed.")
    except Exception:  # the error page itself failed: fall back to plain text
        response = Response(
            "Something went wrong. Try again in a moment.", 500, media_type="text/plain"
        )
    # Starlette answers unhandled errors from ServerErrorMiddleware, outside every other
    # middleware, so SecurityHeadersMiddleware never sees this response: add them here.
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers["Cache-Control"] = "no-store"
    return response


HANDLERS = {TandemError: domain_error, HTTPException: http_error, Exception: server_error}

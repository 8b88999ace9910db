"""Absolute URLs, and which host names requests may be addressed to.

With TANDEM_BASE_URL set, every absolute URL (redirects, links in pages, invitation links,
the single sign-on callback) is built from it, never from the request's Host header, which
the client chooses; requests addressed to any other host are refused. Without it
(development), URLs follow the address the request came to.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import URL
from starlette.requests import HTTPConnection, Request
from starlette.types import ASGIApp, Receive, Scope, Send

from app.errors import error_page

# Load balancers and orchestrators probe a backend by its own address (an IP and port), not
# by the public name, so the health check answers whatever the Host. It builds no URL.
ANY_HOST_PATHS = ("/healthz",)


def absolute_url(request: HTTPConnection, name: str, /, **params: Any) -> URL:
    """The absolute URL of the named route."""
    base: str | None = request.app.state.settings.base_url
    if base is None:
        return request.url_for(name, **params)
    return URL(base + request.app.url_path_for(name, **params))


def host_name(host_header: str) -> str:
    """The name part of a Host header: without the port, brackets of IPv6 removed."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else ""
    return host.rsplit(":", 1)[0] if ":" in host else host


class KnownHostMiddleware:
    def __init__(self, app: ASGIApp, *, base_url: str | None, host: str | None) -> None:
        self.app = app
        self.base_url = base_url
        self.host = host

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.host is None or scope["type"] != "http" or scope["path"] in ANY_HOST_PATHS:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if host_name(request.headers.get("host", "")) == self.host:
            await self.app(scope, receive, send)
            return
        response = error_page(
            request,
            400,
            f"Tandem is served at {self.base_url}, and this request was addressed to "
            "another host name.",
            title="Wrong address",
            advice=f"Open {self.base_url} instead, or fix the link or bookmark you used.",
        )
        await response(scope, receive, send)

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
from starlette.routing import BaseRoute, NoMatchFound, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from app.errors import error_page

# Load balancers and orchestrators probe a backend by its own address (an IP and port), not
# by the public name, so the health check answers whatever the Host. It builds no URL.
ANY_HOST_PATHS = ("/healthz",)


def absolute_url(request: HTTPConnection, name: str, /, **params: Any) -> URL:
    """The absolute URL of the named route."""
    return URL(public_base_url(request) + route_path(request.app.router, name, **params))


def public_base_url(request: HTTPConnection) -> str:
    """TANDEM_BASE_URL, or (in development, without it) the address the request came to."""
    base: str | None = request.app.state.settings.base_url
    if base is None:
        base = str(request.base_url)
    return base.rstrip("/")


def route_path(router: Router, name: str, /, **params: Any) -> str:
    """The path of the named route. Starlette's `url_path_for` tries each route in turn, and
    each that doesn't match raises an exception: with ~60 routes and ~20 links a page, that
    cost as much as rendering the page. Routes are looked up by name instead (the URL table
    doesn't change while serving); anything unusual falls back to Starlette."""
    index: dict[str, BaseRoute] | None = getattr(router, "_tandem_routes_by_name", None)
    if index is None:
        index = {}
        for route in router.routes:
            if (route_name := getattr(route, "name", None)) is not None:
                index.setdefault(route_name, route)  # the first one wins, as in Starlette
        router._tandem_routes_by_name = index  # type: ignore[attr-defined]
    found = index.get(name)
    if found is not None:
        try:
            return str(found.url_path_for(name, **params))
        except NoMatchFound:
            pass
    return str(router.url_path_for(name, **params))


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

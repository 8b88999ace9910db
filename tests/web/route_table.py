"""Walking the URL table for tests that must cover every route, not a hand-kept list."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from starlette.routing import BaseRoute, Mount, Route

from app.access import declared_access


def walk(routes: Iterable[BaseRoute], prefix: str = "") -> Iterator[tuple[str, BaseRoute]]:
    """(full path, route) of every leaf route.

    A mount with its own declared access (static files) counts as one route; a mount
    without one is entered, so each route inside it must declare its own.
    """
    for route in routes:
        if isinstance(route, Mount) and declared_access(route) is None and route.routes:
            yield from walk(route.routes, prefix + route.path)
        else:
            yield prefix + str(getattr(route, "path", "")), route


def http_routes(routes: Iterable[BaseRoute]) -> list[tuple[str, Route]]:
    return [(path, r) for path, r in walk(routes) if isinstance(r, Route)]


def accepts(route: Route, method: str) -> bool:
    return method in (route.methods or set())


def concrete_path(path: str, ids: Mapping[str, object] | None = None) -> str:
    """Fill each path parameter, e.g. '/pairings/{id:id}/end' -> '/pairings/7/end'.

    The value comes from `ids`, keyed by the path segment just before the parameter
    ('pairings' above), so a route gets an object of the kind its URL names. Unknown
    kinds get 1 (or 'x' for a string parameter).
    """
    ids = ids or {}
    segments = path.split("/")
    filled = []
    for i, segment in enumerate(segments):
        if segment.startswith("{") and segment.endswith("}"):
            _, _, convertor = segment[1:-1].partition(":")
            default: object = 1 if convertor in ("int", "id") else "x"
            filled.append(str(ids.get(segments[i - 1], default)))
        else:
            filled.append(segment)
    return "/".join(filled)

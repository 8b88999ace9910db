"""Template helpers that stand in for Starlette's give the same results."""

from __future__ import annotations

import pytest
from starlette.requests import Request
from starlette.routing import Mount, NoMatchFound, Route

from app.main import create_app
from app.settings import Settings
from app.templating import url_for


def _example_params(route: Route | Mount) -> dict[str, object]:
    if isinstance(route, Mount):
        return {"path": "/tandem.css"}
    return {
        name: 7 if convertor.regex.startswith("[0-9]") else "x"
        for name, convertor in route.param_convertors.items()
    }


@pytest.mark.parametrize(
    ("scheme", "host", "root_path"),
    [
        ("https", "tandem.example", ""),
        ("http", "127.0.0.1:8000", ""),
        ("http", "x.test", "/tandem"),
    ],
)
def test_url_for_in_templates_builds_the_same_url_as_starlette_for_every_named_route(
    scheme: str, host: str, root_path: str
):
    app = create_app(Settings(database_url="sqlite://:memory:", secret_key="t"), manage_db=False)
    request = Request(
        {
            "type": "http",
            "app": app,
            "router": app.router,
            "scheme": scheme,
            "server": (host.split(":")[0], 443 if scheme == "https" else 80),
            "headers": [(b"host", host.encode())],
            "root_path": root_path,
            "path": root_path + "/",
        }
    )
    named = [r for r in app.router.routes if getattr(r, "name", None)]
    assert len(named) > 20
    for route in named:
        params = _example_params(route)  # type: ignore[arg-type]
        ours = url_for({"request": request}, route.name, **params)  # type: ignore[attr-defined]
        theirs = request.url_for(route.name, **params)  # type: ignore[attr-defined]
        assert str(ours) == str(theirs), route.name  # type: ignore[attr-defined]
        assert ours.path == theirs.path
    for name, params in [("no-such-route", {}), ("sessions:detail", {"wrong": 1})]:
        with pytest.raises(NoMatchFound):
            url_for({"request": request}, name, **params)

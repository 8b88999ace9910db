"""Template helpers that stand in for Starlette's give the same results."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from jinja2 import Environment
from starlette.requests import Request
from starlette.routing import Mount, NoMatchFound, Route

from app.main import create_app
from app.settings import Settings
from app.templating import kept, url_for


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


def test_kept_renders_a_macro_once_per_object_and_arguments():
    """`kept()` (the session page's changes and pictures): the same object and arguments
    give the HTML made the first time; another object, or other arguments, are rendered."""
    calls: list[str] = []

    @dataclass
    class Thing:
        name: str

    env = Environment(autoescape=True)
    env.globals.update(kept=kept, note=lambda name: calls.append(name) or "")
    template = env.from_string(
        "{% macro show(t, n=1) %}{{ note(t.name) }}<b>{{ t.name }}</b>×{{ n }}{% endmacro %}"
        "{{ kept(thing, show) }} {{ kept(thing, show, 2) }}"
    )
    first, second = Thing("<a>"), Thing("b")
    assert template.render(thing=first) == "<b>&lt;a&gt;</b>×1 <b>&lt;a&gt;</b>×2"
    assert template.render(thing=first) == "<b>&lt;a&gt;</b>×1 <b>&lt;a&gt;</b>×2"
    assert calls == ["<a>", "<a>"]  # once per (object, arguments)
    assert template.render(thing=second) == "<b>b</b>×1 <b>b</b>×2"
    assert calls == ["<a>", "<a>", "b", "b"]

"""The import rule of the architecture (docs/architecture.md), checked with `ast`.

`app` imports `coaching` and `playbooks`; `playbooks` may import `coaching`; `coaching`
imports neither; neither domain package imports starlette, jinja2 or authlib. The domain
knows nothing of HTTP or HTML, so privacy rules can't be bypassed by a view reaching
around them and can be tested without a web server.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WEB_LIBRARIES = {"starlette", "jinja2", "authlib"}
FORBIDDEN = {
    "coaching": {"app", "playbooks"} | WEB_LIBRARIES,
    "playbooks": {"app"} | WEB_LIBRARIES,
}


def imported_top_level_names(path: Path, package: str) -> set[str]:
    """Top-level package of every module the file imports (relative imports stay inside)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # `from . import x` / `from ..y import z`: inside the same package
                names.add(package)
            elif node.module:
                names.add(node.module.split(".")[0])
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (getattr(node.func, "attr", None) or getattr(node.func, "id", None))
            in {"import_module", "__import__"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.add(node.args[0].value.split(".")[0])
    return names


def python_files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_domain_package_imports_nothing_it_must_not(package: str) -> None:
    files = python_files(package)
    assert files, f"found no Python files under {package}/"
    offences = []
    for path in files:
        bad = imported_top_level_names(path, package) & FORBIDDEN[package]
        offences += [f"{path.relative_to(ROOT)} imports {name}" for name in sorted(bad)]
    assert not offences, "the import rule is broken:\n" + "\n".join(offences)


def test_import_checker_sees_imports_of_every_kind(tmp_path: Path) -> None:
    """The rule above is only as good as the parser: it must see each way to import."""
    source = tmp_path / "sample.py"
    source.write_text(
        "import starlette.requests\n"
        "from jinja2 import Environment\n"
        "from . import sibling\n"
        "def later():\n"
        "    import authlib\n"
        "    importlib.import_module('app.web')\n"
    )
    assert imported_top_level_names(source, "coaching") == {
        "starlette",
        "jinja2",
        "coaching",
        "authlib",
        "app",
    }


def test_web_layer_uses_both_domain_packages() -> None:
    """A sanity check that the walk reads real files: `app` does import the domain."""
    seen = set().union(*(imported_top_level_names(p, "app") for p in python_files("app")))
    assert {"coaching", "playbooks", "starlette"} <= seen


# --- reads of people's data go through the policies ----------------------------------------

QUERY_METHODS = {
    "all",
    "filter",
    "exclude",
    "get",
    "get_or_none",
    "first",
    "exists",
    "count",
    "create",
    "bulk_create",
    "get_or_create",
    "update_or_create",
    "raw",
    "select_for_update",
}


def model_class_names() -> set[str]:
    from tortoise.models import Model

    import coaching.identity.models as identity_models
    import coaching.models as coaching_models
    import playbooks.models as playbook_models

    names = set()
    for module in (coaching_models, identity_models, playbook_models):
        names |= {
            name
            for name, value in vars(module).items()
            if isinstance(value, type) and issubclass(value, Model) and value is not Model
        }
    return names


def direct_model_queries(path: Path, models: set[str]) -> list[str]:
    """`Goal.filter(...)`, `User.get(...)`...: model queries written in this file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in QUERY_METHODS
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in models
        ):
            found.append(
                f"{path.relative_to(ROOT)}:{node.lineno} {node.func.value.id}.{node.func.attr}"
            )
    return found


def test_views_and_api_routes_never_query_models_directly() -> None:
    """Views (and the API) call domain functions, which read through `reveal` and the
    policies: a view querying a model could show someone's things without a check or a
    line in their access log."""
    models = model_class_names()
    files = sorted((ROOT / "app" / "views").rglob("*.py")) + sorted(
        (ROOT / "app" / "api").rglob("*.py")
    )
    assert files
    offences = [hit for path in files for hit in direct_model_queries(path, models)]
    assert not offences, "views must not query models:\n" + "\n".join(offences)


def test_model_query_checker_sees_a_query(tmp_path: Path) -> None:
    sample = ROOT / "app" / "views" / "_sample_for_test.py"
    sample.write_text("async def view():\n    return await Goal.filter(owner_id=1)\n")
    try:
        assert direct_model_queries(sample, {"Goal"}) == [
            "app/views/_sample_for_test.py:2 Goal.filter"
        ]
    finally:
        sample.unlink()


def test_absolute_urls_are_built_only_by_the_base_url_helper() -> None:
    """Starlette's `url_for` builds from the Host header the client chose; app/urls.py wraps
    it so that TANDEM_BASE_URL, when set, is used instead."""
    offences = [
        str(path.relative_to(ROOT))
        for path in python_files("app")
        if path.name != "urls.py" and ".url_for(" in path.read_text(encoding="utf-8")
    ]
    assert not offences, "build absolute URLs with app.urls.absolute_url: " + ", ".join(offences)

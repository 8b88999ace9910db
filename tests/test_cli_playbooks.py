"""`tandem playbooks import` and `tandem playbooks export`, run as real subprocesses against a
throw-away database: a SQLite file, or a fresh PostgreSQL database when
TANDEM_TEST_DATABASE_URL is set."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from playbooks.files import STARTER
from tests.conftest import PG_BASE_URL, _pg_url
from tests.test_cli import tandem

STARTER_SLUGS = sorted(path.stem for path in STARTER.glob("*.md"))
GOOD = "---\ntitle: Asking, not telling\nsignals: [no-next-step]\n---\nAsk first.\n"
BAD = "---\ntitle: Gut feeling\nsignals: [gut-feeling]\n---\nTrust it.\n"


async def _pg(statement: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(_pg_url("postgres"))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture
def database(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment that points the command at an empty database of its own."""
    if not PG_BASE_URL:
        yield {}  # tests.test_cli.cli_env: a SQLite file in tmp_path
        return
    name = f"tandem_cli_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    asyncio.run(_pg(f'CREATE DATABASE "{name}"'))
    try:
        yield {"TANDEM_DATABASE_URL": _pg_url(name)}
    finally:
        asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def playbooks(
    tmp_path: Path, database: dict[str, str], *args: str
) -> subprocess.CompletedProcess[str]:
    return tandem(tmp_path, "playbooks", *args, **database)


def test_import_prints_counts_as_json_and_reimporting_it_or_its_export_changes_nothing(
    tmp_path: Path, database: dict[str, str]
) -> None:
    first = playbooks(tmp_path, database, "import", str(STARTER), "--publish", "--json")
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout) == {
        "created": len(STARTER_SLUGS),
        "new_versions": 0,
        "unchanged": 0,
    }

    again = playbooks(tmp_path, database, "import", str(STARTER), "--publish", "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == {
        "created": 0,
        "new_versions": 0,
        "unchanged": len(STARTER_SLUGS),
    }

    out = tmp_path / "exported"
    exported = playbooks(tmp_path, database, "export", str(out))
    assert exported.returncode == 0, exported.stderr
    assert f"Wrote {len(STARTER_SLUGS)} playbooks to {out}." in exported.stdout
    assert sorted(path.name for path in out.iterdir()) == [f"{s}.md" for s in STARTER_SLUGS]
    for slug in STARTER_SLUGS:
        assert (out / f"{slug}.md").read_text().startswith(f"---\nslug: {slug}\ntitle: ")

    back = playbooks(tmp_path, database, "import", str(out), "--json")
    assert back.returncode == 0, back.stderr
    assert json.loads(back.stdout) == {
        "created": 0,
        "new_versions": 0,
        "unchanged": len(STARTER_SLUGS),
    }


def test_import_with_a_bad_file_exits_1_with_json_errors_naming_it_and_writes_nothing(
    tmp_path: Path, database: dict[str, str]
) -> None:
    folder = tmp_path / "playbooks"
    folder.mkdir()
    (folder / "good.md").write_text(GOOD)
    (folder / "bad.md").write_text(BAD)

    result = playbooks(tmp_path, database, "import", str(folder), "--publish", "--json")

    assert result.returncode == 1, result.stderr
    output = json.loads(result.stdout)
    assert list(output) == ["errors"]
    [error] = output["errors"]
    assert error.startswith(f"{folder / 'bad.md'}: Unknown signal 'gut-feeling'")
    assert "Traceback" not in result.stderr

    out = tmp_path / "exported"
    exported = playbooks(tmp_path, database, "export", str(out))
    assert exported.returncode == 0, exported.stderr
    assert f"Wrote 0 playbooks to {out}." in exported.stdout
    assert list(out.iterdir()) == []


def test_import_of_a_missing_path_exits_1_naming_it(
    tmp_path: Path, database: dict[str, str]
) -> None:
    (tmp_path / "good.md").write_text(GOOD)
    missing = tmp_path / "no-such-folder"

    result = playbooks(tmp_path, database, "import", str(tmp_path / "good.md"), str(missing))

    assert result.returncode == 1
    assert f"{missing}: no such file or folder" in result.stderr
    assert "Nothing was imported." in result.stderr
    assert str(tmp_path / "good.md") not in result.stderr
    assert result.stdout == ""

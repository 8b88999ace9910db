"""`tandem snapshots import` and `tandem snapshots diff`, run as real subprocesses against a
throw-away SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_cli import query, tandem

FIXTURES = Path(__file__).parent / "coaching" / "pipeline" / "fixtures"
REPORT = FIXTURES / "salesforce_report.csv"


def _add_rep(tmp_path: Path, email: str = "rosa@example.com") -> None:
    added = tandem(
        tmp_path, "users", "add", email, "--name", "Rosa", "--role", "rep", "--password-stdin",
        stdin="a long and unusual passphrase 42\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr


def test_import_prints_one_json_summary_and_a_second_run_changes_nothing(tmp_path: Path) -> None:
    _add_rep(tmp_path)
    args = ("snapshots", "import", str(REPORT), "--rep", "rosa@example.com")
    first = tandem(tmp_path, *args, "--taken-on", "2026-11-20", "--json")
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    assert summary["format"] == "salesforce-report"
    assert summary["deals"] == 5
    assert (summary["won"], summary["lost"]) == (1, 1)
    assert summary["skipped_lines"] >= 1  # the report's footer
    assert summary["open_totals"] == {"USD": "47500.00"}
    again = tandem(tmp_path, *args, "--taken-on", "2026-11-20", "--json")
    assert json.loads(again.stdout)["snapshot_id"] == summary["snapshot_id"]
    assert query(tmp_path, "SELECT COUNT(*) FROM pipeline_snapshots") == [(1,)]


def test_import_of_a_file_with_errors_writes_nothing_and_lists_each_by_line(tmp_path: Path) -> None:
    _add_rep(tmp_path)
    args = ("snapshots", "import", str(FIXTURES / "problems.csv"), "--rep", "rosa@example.com")
    result = tandem(tmp_path, *args, "--json")
    assert result.returncode != 0
    errors = json.loads(result.stdout)["errors"]
    assert {"line": 3, "column": "Amount"} in [
        {"line": e["line"], "column": e["column"]} for e in errors
    ]
    assert all(set(e) == {"line", "column", "message"} for e in errors)
    assert query(tmp_path, "SELECT COUNT(*) FROM pipeline_snapshots") == [(0,)]
    assert query(tmp_path, "SELECT COUNT(*) FROM snapshot_deals") == [(0,)]
    plain = tandem(tmp_path, *args)
    assert plain.returncode != 0 and "line 3, column Amount" in plain.stderr


def test_import_for_someone_who_is_not_a_rep_is_refused(tmp_path: Path) -> None:
    result = tandem(tmp_path, "snapshots", "import", str(REPORT), "--rep", "nobody@example.com")
    assert result.returncode != 0
    assert "nobody@example.com" in result.stderr


def test_diff_lists_deal_names_per_kind_of_change(tmp_path: Path) -> None:
    _add_rep(tmp_path)
    old = tmp_path / "old.csv"
    new = tmp_path / "new.csv"
    header = '"Opportunity Name","Account Name","Stage","Amount","Close Date","Opportunity ID"\n'
    old.write_text(
        header + '"Acme","Acme","Qualification","$1,000.00","12/15/2026","006A"\n'
        '"Globex","Globex","Proposal","$5,000.00","12/20/2026","006B"\n'
        '"Initech","Initech","Proposal","$2,000.00","12/20/2026","006C"\n'
    )
    new.write_text(
        header + '"Acme","Acme","Qualification","$1,000.00","01/30/2027","006A"\n'
        '"Globex","Globex","Closed Won","$5,000.00","12/01/2026","006B"\n'
        '"Hooli","Hooli","Qualification","$3,000.00","02/01/2027","006D"\n'
    )
    ids = []
    for path, day in ((old, "2026-11-01"), (new, "2026-11-15")):
        result = tandem(tmp_path, "snapshots", "import", str(path), "--rep", "rosa@example.com",
                        "--taken-on", day, "--json")  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        ids.append(str(json.loads(result.stdout)["snapshot_id"]))
    result = tandem(tmp_path, "snapshots", "diff", *ids, "--json")
    assert result.returncode == 0, result.stderr
    changes = json.loads(result.stdout)
    assert changes["new"] == ["Hooli"]
    assert changes["won"] == ["Globex"]
    assert changes["pushed_out"] == ["Acme"]
    assert changes["disappeared"] == ["Initech"]
    assert changes["lost"] == []

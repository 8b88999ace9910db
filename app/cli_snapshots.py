"""`tandem snapshots import FILE --rep EMAIL` and `tandem snapshots diff OLD NEW`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from coaching.errors import NotFound, TandemError

FORMATS = ["auto", "salesforce-report", "salesforce-export", "hubspot", "pipedrive"]


def add_commands(sub: Any) -> None:
    snapshots = sub.add_parser("snapshots", help="import pipeline snapshots, compare two")
    commands = snapshots.add_subparsers(dest="snapshots_command", required=True)
    imp = commands.add_parser("import", help="import a CRM export as a rep's snapshot")
    imp.add_argument("file", type=Path)
    imp.add_argument("--rep", required=True, help="the rep's email")
    imp.add_argument("--format", choices=FORMATS, default="auto")
    imp.add_argument("--taken-on", type=_day, default=None, help="YYYY-MM-DD (default: today)")
    imp.add_argument("--json", action="store_true", help="print one JSON object")
    imp.set_defaults(func=cmd_import)
    diff = commands.add_parser("diff", help="what changed between two snapshots of a rep")
    diff.add_argument("old_id", type=int)
    diff.add_argument("new_id", type=int)
    diff.add_argument("--json", action="store_true", help="deal names per kind of change")
    diff.set_defaults(func=cmd_diff)


def _day(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a day like 2026-11-20") from exc


def cmd_import(args: argparse.Namespace) -> int:
    from app.cli import _with_db
    from coaching.imports import ImportRefused, import_file
    from coaching.pipeline.formats import FileFormat
    from coaching.pipeline.pages import open_totals

    try:
        data = args.file.read_bytes()
    except OSError as exc:
        return _fail(
            args, [{"line": 0, "column": "", "message": f"Can't read {args.file}: {exc.strerror}"}]
        )
    file_format = None if args.format == "auto" else FileFormat(args.format)

    async def work() -> Any:
        rep = await _rep(args.rep)
        imported = await import_file(
            rep, data, taken_on=args.taken_on or date.today(), source="Command line", by=None,
            file_name=args.file.name, file_format=file_format,
        )  # fmt: skip
        deals = await imported.snapshot.deals.all()
        return imported, [deal.record() for deal in deals]

    try:
        imported, records = asyncio.run(_with_db(work))
    except ImportRefused as exc:
        problems = [
            {"line": p.line, "column": p.column, "message": p.message} for p in exc.problems
        ]
        return _fail(args, problems)
    except TandemError as exc:
        return _fail(args, [{"line": 0, "column": k if k != "__all__" else "", "message": m}
                            for k, m in exc.errors.items()])  # fmt: skip
    snapshot = imported.snapshot
    summary = {
        "snapshot_id": snapshot.id,
        "created": imported.created,
        "format": snapshot.format,
        "taken_on": snapshot.taken_on.isoformat(),
        "deals": len(records),
        "won": sum(1 for r in records if r.status.value == "won"),
        "lost": sum(1 for r in records if r.status.value == "lost"),
        "skipped_lines": snapshot.skipped_lines,
        "open_totals": open_totals(records),
    }
    if args.json:
        print(json.dumps(summary))
    else:
        verb = "Imported" if imported.created else "Already imported (nothing changed):"
        totals = ", ".join(f"{amount} {cur}" for cur, amount in summary["open_totals"].items())
        print(f"{verb} snapshot {snapshot.id} of {snapshot.taken_on} for {args.rep}: "
              f"{summary['deals']} deals ({summary['won']} won, {summary['lost']} lost), "
              f"{summary['skipped_lines']} lines skipped, format {snapshot.format}.")  # fmt: skip
        print(f"Open pipeline: {totals or 'none with an amount'}")
    return 0


def _fail(args: argparse.Namespace, problems: list[dict[str, Any]]) -> int:
    if args.json:
        print(json.dumps({"errors": problems}))
    else:
        for p in problems:
            where = f"line {p['line']}" if p["line"] else "file"
            column = f", column {p['column']}" if p["column"] else ""
            print(f"{where}{column}: {p['message']}", file=sys.stderr)
        print("Nothing was imported.", file=sys.stderr)
    return 1


async def _rep(email: str) -> Any:
    from coaching.models import User

    rep = await User.filter(email=email.strip().lower()).prefetch_related("role_rows").first()
    if rep is None:
        raise NotFound(f"No one has the email {email}.")
    return rep


def cmd_diff(args: argparse.Namespace) -> int:
    from app.cli import _with_db
    from coaching.imports import pipeline_rules
    from coaching.pipeline.diff import diff_snapshots
    from coaching.pipeline.models import PipelineSnapshot, SnapshotDeal

    async def work() -> Any:
        found = {s.id: s for s in await PipelineSnapshot.filter(id__in=[args.old_id, args.new_id])}
        for wanted in (args.old_id, args.new_id):
            if wanted not in found:
                raise NotFound(f"No snapshot {wanted}.")
        if found[args.old_id].owner_id != found[args.new_id].owner_id:
            raise TandemError("The two snapshots belong to different reps.")
        deals: dict[int, list[Any]] = {args.old_id: [], args.new_id: []}
        for deal in await SnapshotDeal.filter(snapshot_id__in=list(deals)):
            deals[deal.snapshot_id].append(deal.record())
        rules = await pipeline_rules()
        return diff_snapshots(deals[args.old_id], deals[args.new_id], stage_order=rules.stage_order)

    try:
        changes = asyncio.run(_with_db(work))
    except TandemError as exc:
        print(f"tandem: {exc.message}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(changes.names_by_kind()))
        return 0
    if changes.is_empty:
        print("Nothing changed.")
    for kind, names in changes.names_by_kind().items():
        if names:
            print(f"{kind.replace('_', ' ')} ({len(names)}): {', '.join(names)}")
    return 0

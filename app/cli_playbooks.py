"""`tandem playbooks import PATH... [--publish] [--json]` and `tandem playbooks export DIR`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any


def add_commands(sub: Any) -> None:
    playbooks = sub.add_parser("playbooks", help="import playbooks from Markdown files, export")
    commands = playbooks.add_subparsers(dest="playbooks_command", required=True)
    imp = commands.add_parser(
        "import", help="create or update playbooks from .md files with a front-matter header"
    )
    imp.add_argument("paths", type=Path, nargs="+", help=".md files, or folders holding them")
    imp.add_argument(
        "--publish", action="store_true", help="publish what changed (else it stays a draft)"
    )
    imp.add_argument("--json", action="store_true", help="print one JSON object")
    imp.set_defaults(func=cmd_import)
    exp = commands.add_parser("export", help="write every playbook as SLUG.md into a folder")
    exp.add_argument("directory", type=Path)
    exp.set_defaults(func=cmd_export)


def cmd_import(args: argparse.Namespace) -> int:
    from app.cli import _with_db
    from playbooks.files import import_files

    missing = [str(path) for path in args.paths if not path.exists()]
    if missing:
        return _fail(args, [f"{path}: no such file or folder" for path in missing])
    result = asyncio.run(_with_db(lambda: import_files(args.paths, publish=args.publish)))
    if result.errors:
        return _fail(args, result.errors)
    if args.json:
        print(json.dumps(result.counts()))
    else:
        made = "published" if args.publish else "as drafts"
        print(
            f"{result.created} created, {result.new_versions} changed ({made}), "
            f"{result.unchanged} unchanged."
        )
    return 0


def _fail(args: argparse.Namespace, errors: list[str]) -> int:
    if args.json:
        print(json.dumps({"errors": errors}))
    else:
        for error in errors:
            print(error, file=sys.stderr)
        print("Nothing was imported.", file=sys.stderr)
    return 1


def cmd_export(args: argparse.Namespace) -> int:
    from app.cli import _with_db
    from playbooks.files import all_as_files, write_files

    if args.directory.exists() and not args.directory.is_dir():
        print(f"{args.directory} is a file, not a folder.", file=sys.stderr)
        return 1
    files = asyncio.run(_with_db(all_as_files))
    write_files(args.directory, files)
    print(f"Wrote {len(files)} playbooks to {args.directory}.")
    return 0

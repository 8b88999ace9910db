"""The `tandem` command: serve, worker, migrate, demo, createadmin, users add, purge."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from tortoise import Tortoise

from app.cli_playbooks import add_commands as add_playbook_commands
from app.cli_snapshots import add_commands as add_snapshot_commands
from app.db import apply_migrations
from app.settings import ConfigError, load_settings, tortoise_config
from coaching.errors import TandemError


async def _with_db(work: Callable[[], Awaitable[Any]]) -> Any:
    settings = load_settings()
    await apply_migrations(settings.database_url)
    await Tortoise.init(config=tortoise_config(settings.database_url), _enable_global_fallback=True)
    try:
        return await work()
    finally:
        await Tortoise.close_connections()


def cmd_migrate(args: argparse.Namespace) -> int:
    from playbooks.files import load_starter_library

    loaded = asyncio.run(_with_db(load_starter_library))
    print("Database is up to date.")
    if loaded:
        print(f"Loaded the starter library: {loaded} playbooks for managers.")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from app.demo import DEMO_PASSWORD, DEMO_PEOPLE, create_demo, demo_exists

    async def work() -> bool:
        if await demo_exists():
            return False
        await create_demo()
        return True

    created = asyncio.run(_with_db(work))
    print("Demo organisation created." if created else "Demo organisation already there.")
    print(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for email, name, roles, _ in DEMO_PEOPLE:
        print(f"  {email:<22} {name:<16} {', '.join(roles)}")
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    from coaching.identity.throttle import purge_stale
    from coaching.identity.web_sessions import purge_expired

    async def work() -> tuple[int, int]:
        return await purge_expired(), await purge_stale()

    sessions, throttles = asyncio.run(_with_db(work))
    print(f"Deleted {sessions} expired web session{'' if sessions == 1 else 's'}.")
    print(f"Forgot {throttles} old sign-in failure record{'' if throttles == 1 else 's'}.")
    return 0


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password (12 characters or more): ")
    if getpass.getpass("Password again: ") != first:
        raise TandemError("The two passwords differ.")
    return first


def cmd_users_add(args: argparse.Namespace) -> int:
    from coaching.identity.accounts import create_user

    password = (
        _read_password(args.password_stdin) if args.password_stdin or sys.stdin.isatty() else None
    )
    user = asyncio.run(_with_db(lambda: create_user(args.email, args.name, args.role, password)))
    print(f"Added {user.name} <{user.email}> as {', '.join(user.roles)}.")
    if password is None:
        print("No password set: invite them from the People page, or sign in with single sign-on.")
    return 0


def cmd_createadmin(args: argparse.Namespace) -> int:
    email = args.email or input("Email: ").strip()
    name = args.name or input("Name: ").strip()
    args.email, args.name, args.role = email, name, ["admin"]
    args.password_stdin = args.password_stdin
    if not args.password_stdin and not sys.stdin.isatty():
        args.password_stdin = True
    return cmd_users_add(args)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from app.main import create_app

    settings = load_settings()
    host = args.host or settings.host
    port = args.port or settings.port
    print(f"Tandem is running at http://{host}:{port}/  (Ctrl+C to stop)")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", proxy_headers=True)
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from app.logs import bound
    from coaching.mail.worker import MAIL_LOGGER, run_worker

    mail = load_settings().mail
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    bound(MAIL_LOGGER)

    async def work() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for stop_signal in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(stop_signal, stop.set)
        await run_worker(mail, stop, poll_seconds=args.poll)

    target = f"{mail.host}:{mail.port}" if mail.sends else "nowhere (TANDEM_SMTP_HOST is not set)"
    print(f"Tandem worker: sending mail to {target}  (Ctrl+C or SIGTERM to stop)", flush=True)
    asyncio.run(_with_db(work))
    print("Tandem worker stopped.")
    return 0


def cmd_permissions(args: argparse.Namespace) -> int:
    import playbooks.policy  # noqa: F401  (registers the playbook policy)
    from coaching.policy.docs import permissions_markdown

    sys.stdout.write(permissions_markdown())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tandem", description="Tandem sales coaching")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the web server")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(func=cmd_serve)
    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)
    sub.add_parser("demo", help="create the demo organisation once").set_defaults(func=cmd_demo)
    sub.add_parser(
        "permissions", help="print the table of who may do what (docs/permissions.md)"
    ).set_defaults(func=cmd_permissions)
    sub.add_parser(
        "purge", help="delete expired web sessions and old sign-in failures"
    ).set_defaults(func=cmd_purge)
    worker = sub.add_parser("worker", help="send the mail outbox (runs until stopped)")
    worker.add_argument(
        "--poll", type=float, default=5.0, help="seconds between looks at the outbox (5)"
    )
    worker.set_defaults(func=cmd_worker)
    admin = sub.add_parser("createadmin", help="create an admin account")
    admin.add_argument("--email")
    admin.add_argument("--name")
    admin.add_argument("--password-stdin", action="store_true")
    admin.set_defaults(func=cmd_createadmin)
    users = sub.add_parser("users", help="manage people").add_subparsers(
        dest="users_command", required=True
    )
    add = users.add_parser("add", help="add a person")
    add.add_argument("email")
    add.add_argument("--name", required=True)
    add.add_argument(
        "--role", action="append", required=True, choices=["rep", "manager", "trainer", "admin"]
    )
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.set_defaults(func=cmd_users_add)
    add_snapshot_commands(sub)
    add_playbook_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (TandemError, ConfigError) as exc:
        messages = exc.errors.values() if hasattr(exc, "errors") else [str(exc)]
        for message in messages:
            print(f"tandem: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

"""Where a page's time goes, per request, measured in-process (no HTTP server, no network).

    .venv/bin/python bench/anatomy.py [--database postgres://...] [--batches 15 --size 20]
        [--queries] [--cprofile home-manager]

Builds the demo organisation on a fresh database (as bench/throughput.py does), signs in
through the real login form over ASGI, then calls the ASGI app directly, one request at a time,
for the pages bench/throughput.py measures (and the baseline's table page). Per page, in ms per
request: wall time and CPU time (all threads) of a plain run, the number of queries, and the
CPU time of the event-loop thread split into exclusive parts (CPU rather than wall time, so
that other load on the machine barely changes the split):

- sql build: Tortoise turning QuerySets into SQL text (`_make_query`, pypika `get_sql`);
- driver: inside `execute_query` & co. on the loop thread (aiosqlite's hand-over to its
  thread, asyncpg's encoding and decoding);
- rows→objects: Tortoise building model instances from rows, and prefetch bookkeeping;
- jinja: `Template.render` (filters included), with `url_for` inside templates split out;
- session mw: the server-side session middleware's own code (its query is counted above);
- rest: everything else: Starlette routing and responses, middleware plumbing, views, domain
  code (privacy checks, dataclasses);

then "db thread", CPU spent outside the loop thread (SQLite executing in aiosqlite's thread),
and "db wait", the wall time spent awaiting the driver. Each figure is from the batch that used
the least CPU, the one least disturbed by other load. The metered run is slower than the plain
one (timing calls): read the proportions. `--queries` lists each page's SQL statements in
order; `--cprofile KEY` prints where one page spends its time according to cProfile.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import functools
import io
import pstats
import re
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from tortoise import Tortoise  # noqa: E402

from app.db import apply_migrations  # noqa: E402
from app.demo import DEMO_PASSWORD, create_demo  # noqa: E402
from app.main import create_app  # noqa: E402
from app.settings import Settings, tortoise_config  # noqa: E402
from bench.throughput import COOKIE, MANAGER, REP, fresh_postgres  # noqa: E402

PARTS = ["sql build", "driver", "rows→objects", "jinja", "url_for", "session mw", "rest"]


class Meter:
    """Exclusive CPU time of the event-loop thread per part: entering a part pauses the one it
    was called from. Valid because requests run one at a time in a single task. CPU time, not
    wall time, so that other load on the machine barely changes the split."""

    def __init__(self) -> None:
        self.on = False
        self.stack: list[list[Any]] = []
        self.totals: dict[str, float] = defaultdict(float)
        self.db_wall = 0.0
        self.queries: list[tuple[str, float]] = []

    def enter(self, part: str) -> None:
        now = time.thread_time()
        if self.stack:
            top = self.stack[-1]
            self.totals[top[0]] += now - top[1]
        self.stack.append([part, now])

    def leave(self) -> None:
        now = time.thread_time()
        part, start = self.stack.pop()
        self.totals[part] += now - start
        if self.stack:
            self.stack[-1][1] = now


METER = Meter()


def wrap_sync(owner: Any, name: str, part: str) -> None:
    original = owner.__dict__[name]

    @functools.wraps(original)
    def timed(*args: Any, **kwargs: Any) -> Any:
        if not METER.on:
            return original(*args, **kwargs)
        METER.enter(part)
        try:
            return original(*args, **kwargs)
        finally:
            METER.leave()

    setattr(owner, name, timed)


def wrap_async(owner: Any, name: str, part: str, log_sql: bool = False) -> None:
    original = owner.__dict__[name]

    @functools.wraps(original)
    async def timed(*args: Any, **kwargs: Any) -> Any:
        if not METER.on:
            return await original(*args, **kwargs)
        METER.enter(part)
        start = time.perf_counter()
        try:
            return await original(*args, **kwargs)
        finally:
            METER.leave()
            if log_sql:
                METER.db_wall += time.perf_counter() - start
                METER.queries.append((str(args[1]), time.perf_counter() - start))

    setattr(owner, name, timed)


def instrument() -> None:
    import jinja2
    import pypika_tortoise.queries as pq
    import tortoise.queryset as qs
    from starlette.datastructures import URLPath
    from starlette.routing import Mount, Route, Router
    from tortoise.backends.base.executor import BaseExecutor

    import app.web_sessions as ws

    for cls in vars(qs).values():
        if isinstance(cls, type) and "_make_query" in cls.__dict__:
            wrap_sync(cls, "_make_query", "sql build")
    for cls in vars(pq).values():
        if isinstance(cls, type):
            for name in ("get_sql", "get_parameterized_sql"):
                if name in cls.__dict__ and hasattr(cls, "_wrapper_cls"):
                    wrap_sync(cls, name, "sql build")
    clients = []
    from tortoise.backends.sqlite import client as sqlite_client

    clients += [sqlite_client.SqliteClient, sqlite_client.SqliteTransactionWrapper]
    try:
        from tortoise.backends.asyncpg import client as pg_client

        clients += [pg_client.AsyncpgDBClient, pg_client.TransactionWrapper]
    except ImportError:
        pass
    for cls in clients:
        for name in ("execute_query", "execute_query_dict", "execute_insert", "execute_many"):
            if name in cls.__dict__:
                wrap_async(cls, name, "driver", log_sql=True)
    wrap_async(BaseExecutor, "execute_select", "rows→objects")
    wrap_sync(jinja2.Template, "render", "jinja")
    for owner in (Router, Route, Mount):  # Starlette's search, or app/templating.py's by name
        wrap_sync(owner, "url_path_for", "url_for")
    wrap_sync(URLPath, "make_absolute_url", "url_for")
    wrap_async(ws.ServerSessionMiddleware, "_load", "session mw")
    wrap_async(ws.ServerSessionMiddleware, "_persist", "session mw")


async def asgi_get(app: Any, path: str, cookie: str | None) -> tuple[int, bytes]:
    headers = [(b"host", b"bench"), (b"accept", b"text/html")]
    if cookie:
        headers.append((b"cookie", f"{COOKIE}={cookie}".encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    status, body = 0, []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        else:
            body.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(body)


async def sign_in(app: Any, email: str) -> str:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        page = await client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None
        form = {"email": email, "password": DEMO_PASSWORD, "csrf_token": token.group(1)}
        assert (await client.post("/login", data=form)).status_code == 303
        await client.get("/")  # pops the welcome flash
        return client.cookies[COOKIE]


@dataclass
class Batch:
    wall: float  # seconds per request
    cpu: float  # process CPU seconds per request (all threads)
    loop_cpu: float  # CPU seconds per request of the event-loop thread
    parts: dict[str, float]  # loop-thread CPU seconds per request, by part
    db_wall: float  # seconds per request awaiting the database driver
    queries: list[tuple[str, float]]


async def timed_requests(app: Any, path: str, cookie: str | None, n: int) -> Batch:
    METER.totals.clear()
    METER.queries.clear()
    METER.db_wall = 0.0
    wall, cpu, loop_cpu = time.perf_counter(), time.process_time(), time.thread_time()
    for _ in range(n):
        status, _ = await asgi_get(app, path, cookie)
        assert status == 200, (path, status)
    loop_cpu = (time.thread_time() - loop_cpu) / n
    cpu = (time.process_time() - cpu) / n
    wall = (time.perf_counter() - wall) / n
    parts = {p: METER.totals.get(p, 0.0) / n for p in PARTS}
    parts["rest"] += max(loop_cpu - sum(METER.totals.values()) / n, 0.0) if METER.on else 0.0
    return Batch(wall, cpu, loop_cpu, parts, METER.db_wall / n, list(METER.queries))


async def best_batch(app: Any, path: str, cookie: str | None, batches: int, size: int) -> Batch:
    """The batch that used the least CPU (the one least disturbed by other load)."""
    await timed_requests(app, path, cookie, 5)  # warm-up
    results = [await timed_requests(app, path, cookie, size) for _ in range(batches)]
    return min(results, key=lambda b: b.cpu)


async def run(args: argparse.Namespace, url: str) -> None:
    await apply_migrations(url)
    await Tortoise.init(config=tortoise_config(url), _enable_global_fallback=True)
    try:
        await create_demo()
        app = create_app(Settings(database_url=url, secret_key="bench"), manage_db=False)
        manager, rep = await sign_in(app, MANAGER), await sign_in(app, REP)
        _, home = await asgi_get(app, "/", manager)
        session = re.search(rb'href="[^"]*?(/sessions/\d+)"', home)
        assert session is not None
        session_path = session.group(1).decode()
        pages: list[tuple[str, str, str | None]] = [
            ("baseline-table", "", None),
            ("healthz", "/healthz", None),
            ("home-manager", "/", manager),
            ("home-rep", "/", rep),
            ("session-manager", session_path, manager),
            ("session-rep", session_path, rep),
        ]
        from bench.baseline_app import app as baseline_app

        def target(path: str) -> tuple[Any, str]:
            return (baseline_app, "/table") if not path else (app, path)

        if args.cprofile:
            key, path, cookie = next(p for p in pages if p[0] == args.cprofile)
            the_app, path = target(path)
            await timed_requests(the_app, path, cookie, 20)
            profiler = cProfile.Profile()
            profiler.enable()
            await timed_requests(the_app, path, cookie, args.batches * args.size)
            profiler.disable()
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out).sort_stats("tottime")
            stats.print_stats(35)
            print(out.getvalue())
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(60)
            print(out.getvalue())
            return

        plain = {}
        for key, path, cookie in pages:
            the_app, path = target(path)
            plain[key] = await best_batch(the_app, path, cookie, args.batches, args.size)
        instrument()
        METER.on = True
        print(
            f"ms per request, the batch with the least CPU of {args.batches} batches of "
            f"{args.size} requests, one request at a time. wall and cpu (all threads): plain run; "
            "the split: event-loop thread CPU of a metered run (slower; read the proportions)"
        )
        columns = ["wall", "cpu", "queries", *PARTS, "db thread", "db wait"]
        print(f"{'page':<16}" + "".join(f"{c:>13}" for c in columns))
        for key, path, cookie in pages:
            the_app, path = target(path)
            run_ = await best_batch(the_app, path, cookie, args.batches, args.size)
            base = plain[key]
            values = [
                base.wall * 1000,
                base.cpu * 1000,
                len(run_.queries) / args.size,
                *(run_.parts[p] * 1000 for p in PARTS),
                (run_.cpu - run_.loop_cpu) * 1000,
                run_.db_wall * 1000,
            ]
            print(f"{key:<16}" + "".join(f"{v:>13.2f}" for v in values))
            if args.queries:  # one more request, its statements in order
                METER.queries.clear()
                await asgi_get(the_app, path, cookie)
                for sql, seconds in METER.queries:
                    print(f"    {seconds * 1000:6.2f} ms  {sql[:200]}")
    finally:
        await Tortoise.close_connections()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="sqlite")
    parser.add_argument("--batches", type=int, default=15)
    parser.add_argument("--size", type=int, default=20, help="requests per batch")
    parser.add_argument("--queries", action="store_true", help="list each page's SQL")
    parser.add_argument("--cprofile", help="profile one page, e.g. home-manager")
    args = parser.parse_args()
    if str(args.database).startswith(("postgres://", "postgresql://")):
        with fresh_postgres(args.database) as url:
            asyncio.run(run(args, url))
    else:
        url = f"sqlite://{Path(tempfile.mkdtemp()) / 'anatomy.sqlite3'}?busy_timeout=5000"
        asyncio.run(run(args, url))


if __name__ == "__main__":
    main()

"""Pipeline snapshots against their speed goals: import, diff, and the session page.

    .venv/bin/python bench/pipeline.py [--db sqlite|postgres] [--rounds 5]
        [--postgres postgres://postgres@127.0.0.1:5432/postgres] [--seconds 3] [--only 1,2,3]

Each goal is a ratio against a baseline measured in the same run, on the same database, so the
machine's speed cancels out. Goals 1 and 2 alternate the two sides round by round and judge on
each side's fastest round (the least disturbed by other load on the machine); the median and
the spread over the rounds are printed too, and the median of the rounds' own ratios.

1. Import of a 10,000-deal file end to end: `coaching.imports.import_file` on the file from
   `samples.salesforce_report_csv(10_000)` (decode, parse, validate, the duplicate check, then
   one transaction writing the snapshot and its deals), against a raw bulk insert of the same
   rows (the 13 columns `_insert_deals` writes, the tuples the parse gave) into the same table:
   on SQLite `sqlite3` `executemany` in one transaction on a fresh copy of the migrated
   database file, with the pragmas Tortoise sets (WAL, foreign keys on); on PostgreSQL one
   asyncpg `copy_records_to_table` in a transaction. Every round starts from an empty table
   (SQLite: a fresh copy of the migrated file for each side; PostgreSQL: TRUNCATE first).
   Goal: at most 1 s, and a rate at least 0.15x the raw one on SQLite, 0.3x COPY's on
   PostgreSQL.
2. Diff of two 10,000-deal snapshots: our code path loads both snapshots' deals as the pages
   do (`coaching.pipeline.pages.deal_records`, the compare page's and the snapshot page's
   loader: one query, rows straight to `DealRecord`s in the model's order) and runs
   `diff_snapshots` (every change, sorted). The baseline is one SQL statement: the
   two snapshots' deals FULL OUTER JOINed on `key` (SQLite 3.39+ and PostgreSQL both have it;
   on SQLite the right side is the table itself, so that each key is looked up in the unique
   index, a subquery there makes SQLite compare every pair),
   returning for each deal its key, name and account and, computed in SQL with CASE, its
   change of status (new, won, lost, reopened, disappeared), of stage (advanced or moved back
   by probability, else stage changed; stages compared lower(trim())), of close date (pushed
   out or pulled in, with the days) and of amount (up or down, same currency, with the delta);
   then a loop that counts the categories. Run through Tortoise's connection
   (`execute_query`), as raw SQL in this code base would be. The counts of both sides are
   checked to be equal. Goal: ours at most 3x the baseline's time.
3. The session page over real HTTP: the coach's page for a session with a 1,000-deal snapshot
   brought (whole, and 1,000 deals brought to the pairing's previous session, so the page has
   "what changed" too) against the same page with 10 deals (and 10 before). Both pages are
   served by `tandem serve` (one uvicorn worker, as bench/throughput.py runs it), loaded in
   alternating bursts; the ratio is the big page's req/s over the mean of the small page's
   bursts around it. The number of queries of each page is counted in-process first (as
   tests/web/test_query_counts.py does). Goal: the same number of queries, and a ratio of at
   least 0.5.

It reports and does not gate: the exit status is 0 whatever the figures (1 when it could not
measure). Databases it creates (a temporary directory of SQLite files, or a database named
bench_pipeline_* on the PostgreSQL server) are removed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tortoise import Tortoise  # noqa: E402

from app.db import apply_migrations  # noqa: E402
from app.settings import tortoise_config  # noqa: E402
from bench.throughput import (  # noqa: E402
    DEMO_PASSWORD,
    cpu_seconds,
    fetch,
    fresh_postgres,
    python_burst,
    serve,
    sign_in,
    tandem_env,
    wrk_burst,
)
from coaching.identity.accounts import create_user  # noqa: E402
from coaching.identity.models import User  # noqa: E402
from coaching.models import CoachingSession, Pairing, PairingKind, PairingStatus  # noqa: E402
from coaching.pipeline.deals import DealRecord, DealStatus, deal_key  # noqa: E402
from coaching.pipeline.diff import ChangeKind, diff_snapshots  # noqa: E402
from coaching.pipeline.formats import FileFormat, parse_pipeline_file  # noqa: E402
from coaching.pipeline.pages import deal_records  # noqa: E402
from coaching.pipeline.samples import salesforce_report_csv  # noqa: E402
from coaching.snapshots import (  # noqa: E402
    DEAL_COLUMNS,
    ImportOrigin,
    _row,
    bring_to_session,
    content_hash_of_deals,
    import_snapshot,
)

DEALS = 10_000
PAGE_DEALS = (10, 1_000)
REP, COACH = "rep@example.com", "coach@example.com"
PAGE_REPS = {10: "rep-small@example.com", 1_000: "rep-big@example.com"}
IMPORT_SECONDS = 1.0
IMPORT_RATIO = {"sqlite": 0.15, "postgres": 0.3}
DIFF_TIMES = 3.0
PAGE_RATIO = 0.5


# --- databases ------------------------------------------------------------------------------


class Databases:
    """Where the bench writes. SQLite: a migrated template file with the people in it, copied
    whenever a fresh database is wanted. PostgreSQL: one fresh database for the whole run."""

    def __init__(self, kind: str, workdir: Path, url: str) -> None:
        self.kind, self.workdir, self.url = kind, workdir, url
        self.copies = 0

    def fresh_sqlite(self) -> Path:
        self.copies += 1
        path = self.workdir / f"copy{self.copies}.sqlite3"
        shutil.copyfile(self.workdir / "template.sqlite3", path)
        return path

    def fresh_url(self) -> str:
        """A database with the people and no snapshots."""
        if self.kind == "sqlite":
            return f"sqlite://{self.fresh_sqlite()}"
        return self.url


@contextmanager
def databases(kind: str, server: str) -> Iterator[Databases]:
    workdir = Path(tempfile.mkdtemp(prefix="tandem-bench-pipeline-"))
    try:
        if kind == "sqlite":
            url = f"sqlite://{workdir / 'template.sqlite3'}"
            asyncio.run(prepare(url))
            yield Databases(kind, workdir, url)
        else:
            with fresh_postgres(server, prefix="bench_pipeline") as url:
                asyncio.run(prepare(url))
                yield Databases(kind, workdir, url)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


async def prepare(url: str) -> None:
    """The schema and the people: a rep for the import and the diff, and a coach with two reps
    for the session pages."""
    await apply_migrations(url)
    async with tortoise(url):
        await create_user(REP, "Rita Rep", ["rep"], password=DEMO_PASSWORD)
        await create_user(COACH, "Cora Coach", ["manager"], password=DEMO_PASSWORD)
        for n, email in PAGE_REPS.items():
            await create_user(email, f"Rep {n}", ["rep"], password=DEMO_PASSWORD)


class tortoise:  # noqa: N801  (used as `async with tortoise(url):`)
    def __init__(self, url: str) -> None:
        self.url = url

    async def __aenter__(self) -> None:
        await Tortoise.init(config=tortoise_config(self.url), _enable_global_fallback=True)

    async def __aexit__(self, *exc: object) -> None:
        await Tortoise.close_connections()


async def person(email: str) -> User:
    return await User.filter(email=email).prefetch_related("role_rows").get()


def sqlite_path(url: str) -> str:
    return url.removeprefix("sqlite://").split("?", 1)[0]


# --- made-up pipelines ----------------------------------------------------------------------

_OPEN_STAGES = [
    ("Prospecting", 10),
    ("Qualification", 20),
    ("Needs Analysis", 30),
    ("Proposal/Price Quote", 60),
    ("Negotiation/Review", 80),
]


def parsed_deals(n: int) -> list[DealRecord]:
    parsed = parse_pipeline_file(salesforce_report_csv(n), format=FileFormat.SALESFORCE_REPORT)
    assert parsed.ok and len(parsed.deals) == n, parsed.problems[:3]
    return parsed.deals


def evolve(deals: list[DealRecord], seed: int = 1, size: int | None = None) -> list[DealRecord]:
    """The same pipeline a fortnight later: some deals gone, won, lost, moved, re-priced,
    and a few new ones (as many as make `size` deals, when given)."""
    rng = random.Random(seed)
    later = []
    for deal in deals:
        roll = rng.random()
        is_open = deal.status is DealStatus.OPEN
        if roll < 0.03:
            continue  # no longer in the export
        if roll < 0.08 and is_open:
            deal = deal._replace(stage="Closed Won", status=DealStatus.WON,
                                       probability=100)  # fmt: skip
        elif roll < 0.11 and is_open:
            deal = deal._replace(stage="Closed Lost", status=DealStatus.LOST,
                                       probability=0)  # fmt: skip
        elif roll < 0.21 and is_open:
            stage, probability = rng.choice(_OPEN_STAGES)
            deal = deal._replace(stage=stage, probability=probability)
        elif roll < 0.36 and deal.close_date:
            later_date = deal.close_date + timedelta(days=rng.randrange(7, 60))
            deal = deal._replace(close_date=later_date)
        elif roll < 0.41 and deal.close_date:
            earlier = deal.close_date - timedelta(days=rng.randrange(1, 20))
            deal = deal._replace(close_date=earlier)
        elif roll < 0.51 and deal.amount_minor:
            amount = int(deal.amount_minor * rng.choice([0.5, 0.8, 1.1, 1.5]))
            deal = deal._replace(amount_minor=amount)
        later.append(deal)
    new_deals = max(1, len(deals) * 3 // 100) if size is None else size - len(later)
    later = later[:size] if size is not None else later
    for number in range(new_deals):
        crm_id = f"007{number:015d}"
        stage, probability = rng.choice(_OPEN_STAGES)
        later.append(DealRecord(
            key=deal_key(crm_id, "Newco Ltd", f"New deal {number}"), crm_id=crm_id,
            name=f"New deal {number}", account="Newco Ltd", stage=stage, status=DealStatus.OPEN,
            amount_minor=rng.randrange(1_000, 90_000) * 100, currency="USD",
            close_date=date.today() + timedelta(days=rng.randrange(10, 150)),
            probability=probability, next_step="Discovery call",
        ))  # fmt: skip
    return later


async def store(owner: User, deals: list[DealRecord], taken_on: date) -> int:
    origin = ImportOrigin("Bench", "salesforce-report", taken_on, by=owner)
    imported = await import_snapshot(owner, deals, origin, content_hash_of_deals(deals))
    return imported.snapshot.id


# --- the figures ----------------------------------------------------------------------------


@dataclasses.dataclass
class Goal:
    number: int
    title: str
    lines: list[str] = dataclasses.field(default_factory=list)
    passed: bool | None = None  # None: not measured

    def say(self, text: str) -> None:
        self.lines.append(text)
        print("   " + text, flush=True)


def spread(values: list[float], unit: str = "", digits: int = 3) -> str:
    """The median and the range: "0.412 s (0.398–0.530)"."""
    median = statistics.median(values)
    low, high = min(values), max(values)
    return f"{median:.{digits}f}{unit} ({low:.{digits}f}–{high:.{digits}f})"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


# --- measuring ------------------------------------------------------------------------------


@dataclasses.dataclass
class Spent:
    wall: float  # seconds
    cpu: float  # CPU seconds of this process (all threads) and of the database server's work


class Meter:
    """Wall time, and CPU time: this process's (SQLite works in it), plus on PostgreSQL that of
    the server processes connected to the bench database, read from /proc (0 when the server
    runs on another machine). CPU time barely changes with other load on the machine."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.admin: Any = None
        self.own_pid = 0

    async def __aenter__(self) -> Meter:
        if not self.url.startswith("sqlite"):
            import asyncpg

            self.admin = await asyncpg.connect(_asyncpg_url(self.url))
            self.own_pid = await self.admin.fetchval("SELECT pg_backend_pid()")
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.admin is not None:
            await self.admin.close()

    async def _cpu(self) -> dict[int, float]:
        used = {0: time.process_time()}
        if self.admin is not None:
            sql = "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            for row in await self.admin.fetch(sql):
                if row["pid"] != self.own_pid:
                    used[row["pid"]] = cpu_seconds(row["pid"])
        return used

    async def measure(self, work: Callable[[], Awaitable[Any]]) -> tuple[Spent, Any]:
        before, start = await self._cpu(), time.perf_counter()
        result = await work()
        wall = time.perf_counter() - start
        after = await self._cpu()
        cpu = sum(value - before.get(key, 0.0) for key, value in after.items())
        return Spent(wall, cpu), result


def _asyncpg_url(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(scheme="postgresql"))


def walls(spent: list[Spent]) -> list[float]:
    return [s.wall for s in spent]


def cpu_ratio(numerator: list[Spent], denominator: list[Spent]) -> float:
    """Of the medians of CPU time (steady under load: a cross-check of the wall-time ratio)."""
    return statistics.median(s.cpu for s in numerator) / statistics.median(
        s.cpu for s in denominator
    )


# --- goal 1: import ---------------------------------------------------------------------------


async def import_once(url: str, data: bytes) -> tuple[Spent, float]:
    """(what import_file took, seconds of parsing alone), on a database with no snapshots."""
    from coaching.imports import import_file

    async with tortoise(url):
        if not url.startswith("sqlite"):
            await _truncate_snapshots()
        rep = await person(REP)
        async with Meter(url) as meter:
            spent, imported = await meter.measure(
                lambda: import_file(
                    rep,
                    data,
                    taken_on=date.today(),
                    source="Bench",
                    by=rep,
                    file_name="pipeline.csv",
                )  # fmt: skip
            )
        assert imported.created and imported.snapshot.deal_count == DEALS
        parse = time.perf_counter()
        parse_pipeline_file(data)
        return spent, time.perf_counter() - parse


async def _truncate_snapshots() -> None:
    conn = Tortoise.get_connection("default")
    await conn.execute_script("TRUNCATE pipeline_snapshots, snapshot_deals CASCADE")


async def _snapshot_row(rep_id: int) -> int:
    """A snapshot row for the baseline's deals to belong to (not timed)."""
    from coaching.pipeline.models import PipelineSnapshot

    snap = await PipelineSnapshot.create(
        owner_id=rep_id, taken_on=date.today(), format="bench", source="Bench",
        content_hash="x", deal_count=DEALS,
    )  # fmt: skip
    return snap.id


async def raw_insert_once(dbs: Databases, deals: list[DealRecord]) -> Spent:
    """Seconds for the raw bulk insert of the same rows into an empty table."""
    url = dbs.fresh_url()
    async with tortoise(url):
        if dbs.kind == "postgres":
            await _truncate_snapshots()
        snapshot_id = await _snapshot_row((await person(REP)).id)
    rows = [(snapshot_id, *_row(deal)) for deal in deals]
    if dbs.kind == "sqlite":
        return _sqlite_executemany(sqlite_path(url), rows)
    return await _postgres_copy(url, rows)


def _sqlite_executemany(path: str, rows: list[tuple]) -> Spent:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in ("journal_mode=WAL", "journal_size_limit=16384", "foreign_keys=ON"):
            conn.execute(f"PRAGMA {pragma}")
        marks = ", ".join("?" for _ in DEAL_COLUMNS)
        sql = f"INSERT INTO snapshot_deals ({', '.join(DEAL_COLUMNS)}) VALUES ({marks})"
        start, cpu = time.perf_counter(), time.process_time()
        conn.execute("BEGIN")
        conn.executemany(sql, rows)
        conn.execute("COMMIT")
        return Spent(time.perf_counter() - start, time.process_time() - cpu)
    finally:
        conn.close()


async def _postgres_copy(url: str, rows: list[tuple]) -> Spent:
    import asyncpg

    conn = await asyncpg.connect(_asyncpg_url(url))

    async def copy() -> None:
        async with conn.transaction():
            await conn.copy_records_to_table("snapshot_deals", records=rows, columns=DEAL_COLUMNS)

    try:
        async with Meter(url) as meter:
            spent, _ = await meter.measure(copy)
        return spent
    finally:
        await conn.close()


def goal_import(dbs: Databases, rounds: int) -> Goal:
    goal = Goal(1, f"Import of a {DEALS:,}-deal file, end to end")
    print(f"1. {goal.title}", flush=True)
    data = salesforce_report_csv(DEALS)
    deals = parsed_deals(DEALS)
    ours: list[Spent] = []
    raw: list[Spent] = []
    parse: list[float] = []
    asyncio.run(import_once(dbs.fresh_url(), data))  # warm-up
    for _ in range(rounds):
        spent, parsing = asyncio.run(import_once(dbs.fresh_url(), data))
        ours.append(spent)
        parse.append(parsing)
        raw.append(asyncio.run(raw_insert_once(dbs, deals)))
    baseline = "sqlite3 executemany" if dbs.kind == "sqlite" else "asyncpg COPY"
    target = IMPORT_RATIO[dbs.kind]
    best = min(walls(ours))
    ratio = min(walls(raw)) / best
    seconds_ok, ratio_ok = best <= IMPORT_SECONDS, ratio >= target
    paired = [r.wall / o.wall for r, o in zip(raw, ours, strict=True)]
    goal.say(f"import_file: {spread(walls(ours), ' s')}; parsing alone {spread(parse, ' s')}")
    goal.say(f"{baseline} of the same {len(deals):,} rows: {spread(walls(raw), ' s')}")
    goal.say(f"time (fastest round): {best:.3f} s, goal ≤ {IMPORT_SECONDS:.0f} s: "
             f"{verdict(seconds_ok)}")  # fmt: skip
    goal.say(f"rate ratio (ours / {baseline}, fastest rounds): {ratio:.3f}×, goal ≥ {target}×: "
             f"{verdict(ratio_ok)}")  # fmt: skip
    goal.say(f"cross-checks: median of the rounds' ratios {spread(paired, '×')}; CPU-time ratio "
             f"{cpu_ratio(raw, ours):.3f}× (ours {statistics.median(s.cpu for s in ours):.3f} "
             f"CPU s)")  # fmt: skip
    goal.passed = seconds_ok and ratio_ok
    return goal


# --- goal 2: diff -----------------------------------------------------------------------------


def _baseline_sql(dialect: str) -> str:
    if dialect == "sqlite":
        days = "CAST(julianday(n.close_date) - julianday(o.close_date) AS INTEGER)"
    else:
        days = "(n.close_date - o.close_date)"
    both_open = "o.status = 'open' AND n.status = 'open'"
    if dialect == "sqlite":  # the plan SQLite needs to look up each key in the unique index
        joined = (
            "FROM (SELECT * FROM snapshot_deals WHERE snapshot_id = ?) AS o\n"
            "FULL OUTER JOIN snapshot_deals AS n ON n.snapshot_id = ? AND n.key = o.key\n"
            "WHERE n.id IS NULL OR n.snapshot_id = ?"
        )
    else:  # a hash full join
        joined = (
            "FROM (SELECT * FROM snapshot_deals WHERE snapshot_id = $1) AS o\n"
            "FULL OUTER JOIN (SELECT * FROM snapshot_deals WHERE snapshot_id = $2) AS n\n"
            "  ON o.key = n.key"
        )
    return f"""
SELECT
  COALESCE(n.key, o.key), COALESCE(n.name, o.name), COALESCE(n.account, o.account),
  CASE
    WHEN o.key IS NULL THEN 'new'
    WHEN n.key IS NULL THEN CASE WHEN o.status = 'open' THEN 'disappeared' END
    WHEN o.status <> n.status THEN
      CASE n.status WHEN 'won' THEN 'won' WHEN 'lost' THEN 'lost' ELSE 'reopened' END
  END,
  CASE
    WHEN {both_open} AND lower(trim(o.stage)) <> lower(trim(n.stage)) THEN
      CASE
        WHEN o.probability IS NULL OR n.probability IS NULL
          OR o.probability = n.probability THEN 'stage_changed'
        WHEN n.probability > o.probability THEN 'advanced'
        ELSE 'moved_back'
      END
  END,
  CASE
    WHEN {both_open} AND n.close_date > o.close_date THEN 'pushed_out'
    WHEN {both_open} AND n.close_date < o.close_date THEN 'pulled_in'
  END,
  CASE WHEN {both_open} THEN {days} END,
  CASE
    WHEN {both_open} AND o.currency = n.currency AND n.amount_minor > o.amount_minor
      THEN 'amount_up'
    WHEN {both_open} AND o.currency = n.currency AND n.amount_minor < o.amount_minor
      THEN 'amount_down'
  END,
  n.amount_minor - o.amount_minor
{joined}
"""


async def diff_baseline(old_id: int, new_id: int) -> Counter[str]:
    conn = Tortoise.get_connection("default")
    dialect = conn.capabilities.dialect
    params = [old_id, new_id, new_id] if dialect == "sqlite" else [old_id, new_id]
    _, rows = await conn.execute_query(_baseline_sql(dialect), params)
    counts: Counter[str] = Counter()
    for row in rows:
        for kind in (row[3], row[4], row[5], row[7]):
            if kind is not None:
                counts[kind] += 1
    return counts


async def diff_ours(old_id: int, new_id: int) -> Counter[str]:
    records = await deal_records([old_id, new_id])
    changes = diff_snapshots(records[old_id], records[new_id])
    return Counter({kind.value: n for kind, n in changes.counts.items() if n})


async def diff_rounds(url: str, rounds: int) -> tuple[list[Spent], list[Spent], Counter[str]]:
    async with tortoise(url):
        rep = await person(REP)
        old = parsed_deals(DEALS)
        old_id = await store(rep, old, date.today() - timedelta(days=14))
        new_id = await store(rep, evolve(old), date.today())
        ours_counts, base_counts = (
            await diff_ours(old_id, new_id),
            await diff_baseline(old_id, new_id),
        )
        assert ours_counts == base_counts, (ours_counts, base_counts)
        ours, base = [], []
        async with Meter(url) as meter:
            for _ in range(rounds):
                base.append((await meter.measure(lambda: diff_baseline(old_id, new_id)))[0])
                ours.append((await meter.measure(lambda: diff_ours(old_id, new_id)))[0])
        return ours, base, ours_counts


def goal_diff(dbs: Databases, rounds: int) -> Goal:
    goal = Goal(2, f"Diff of two {DEALS:,}-deal snapshots, loaded from the database")
    print(f"2. {goal.title}", flush=True)
    ours, base, counts = asyncio.run(diff_rounds(dbs.fresh_url(), rounds))
    times = min(walls(ours)) / min(walls(base))
    ok = times <= DIFF_TIMES
    paired = [o.wall / b.wall for o, b in zip(ours, base, strict=True)]
    shown = ", ".join(f"{k.value} {counts[k.value]}" for k in ChangeKind if counts[k.value])
    goal.say(f"changes found (the same both ways): {shown}")
    goal.say(f"deal_records + diff_snapshots: {spread(walls(ours), ' s')}")
    goal.say(f"one FULL OUTER JOIN + counting loop: {spread(walls(base), ' s')}")
    goal.say(f"time ratio (ours / SQL join, fastest rounds): {times:.2f}×, "
             f"goal ≤ {DIFF_TIMES:.0f}×: {verdict(ok)}")  # fmt: skip
    goal.say(f"cross-checks: median of the rounds' ratios {spread(paired, '×', 2)}; CPU-time "
             f"ratio {cpu_ratio(ours, base):.2f}×")  # fmt: skip
    goal.passed = ok
    return goal


# --- goal 3: the session page -------------------------------------------------------------------


async def session_pages(url: str) -> dict[int, str]:
    """For each size: a pairing of the coach with a rep, a past session with the older snapshot
    brought and an upcoming one with the newer; the upcoming session's path."""
    paths = {}
    async with tortoise(url):
        coach = await person(COACH)
        for n, email in PAGE_REPS.items():
            rep = await person(email)
            pairing = await Pairing.create(
                coach=coach, rep=rep, kind=PairingKind.MENTOR if n > 10 else PairingKind.MANAGER,
                status=PairingStatus.ACTIVE, proposed_by=coach, agreement_sees="Sessions",
                agreement_why="Bench", agreement_cadence="Weekly",
            )  # fmt: skip
            older = parsed_deals(n)
            for days, deals in ((-7, older), (2, evolve(older, size=n))):
                session = await CoachingSession.create(
                    pairing=pairing, title="Weekly coaching", duration_minutes=30,
                    starts_at=_now() + timedelta(days=days), created_by_id=coach.id,
                )  # fmt: skip
                snapshot_id = await store(rep, deals, date.today() + timedelta(days=min(days, 0)))
                await bring_to_session(rep, snapshot_id, session.id)
            paths[n] = f"/sessions/{session.id}"
    return paths


def _now() -> Any:
    from coaching.clock import now

    return now()


async def count_queries(url: str, paths: dict[int, str]) -> dict[int, int]:
    """Queries per page, in-process, as tests/web/test_query_counts.py counts them."""
    from app.main import create_app
    from app.settings import Settings
    from bench.anatomy import asgi_get
    from bench.anatomy import sign_in as asgi_sign_in

    counted: dict[int, int] = {}

    class Counter_(logging.Handler):
        count = 0

        def emit(self, record: logging.LogRecord) -> None:
            if "Created connection" not in str(record.msg):
                Counter_.count += 1

    async with tortoise(url):
        app = create_app(Settings(database_url=url, secret_key="bench"), manage_db=False)
        cookie = await asgi_sign_in(app, COACH)
        logger = logging.getLogger("tortoise.db_client")
        handler, level = Counter_(), logger.level
        for n, path in paths.items():
            await asgi_get(app, path, cookie)
            Counter_.count = 0
            logger.addHandler(handler)
            logger.setLevel(logging.DEBUG)
            try:
                status, _ = await asgi_get(app, path, cookie)
            finally:
                logger.removeHandler(handler)
                logger.setLevel(level)
            assert status == 200, (path, status)
            counted[n] = Counter_.count
    return counted


def goal_page(dbs: Databases, rounds: int, seconds: int) -> Goal:
    small, big = PAGE_DEALS
    goal = Goal(3, f"Session page with {big:,} deals brought, against {small} deals, over HTTP")
    print(f"3. {goal.title}", flush=True)
    url = dbs.fresh_url()
    paths = asyncio.run(session_pages(url))
    queries = asyncio.run(count_queries(url, paths))
    env = tandem_env(dbs.workdir, url)
    command = [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1"]
    use_wrk = shutil.which("wrk") is not None
    burst = wrk_burst if use_wrk else python_burst
    rps: dict[int, list[float]] = {small: [], big: []}
    cpu: dict[int, list[float]] = {small: [], big: []}
    ratios, cpu_ratios = [], []
    sizes: dict[int, int] = {}
    with serve("tandem", command, env, dbs.workdir) as app:
        cookie = sign_in(app.url, COACH)

        def run(n: int, length: int, counted: bool = True) -> float:
            before = cpu_seconds(app.process.pid)
            result = burst(app.url + paths[n], cookie, length, 1)
            used = cpu_seconds(app.process.pid) - before
            if result.bad:
                raise RuntimeError(f"{result.bad} bad answers for the {n}-deal page")
            if counted:
                rps[n].append(result.rps)
                cpu[n].append(used * 1000 / max(result.requests, 1))
            return result.rps

        for n in paths:
            answer = fetch(app.url, paths[n], cookie)
            assert answer.status_code == 200 and f"{n} deals" in answer.text, n
            sizes[n] = len(answer.content)
            run(n, 1, counted=False)  # warm-up
        before = run(small, seconds)
        for _ in range(rounds):
            page = run(big, seconds)
            after = run(small, seconds)
            ratios.append(page / ((before + after) / 2))
            cpu_ratios.append(cpu[small][-1] / cpu[big][-1])
            before = after
    same = queries[small] == queries[big]
    ok = statistics.median(ratios) >= PAGE_RATIO
    client = "wrk, 1 connection" if use_wrk else "python keep-alive client, 1 connection"
    goal.say(f"queries per page: {queries[small]} with {small} deals, {queries[big]} with {big:,}: "
             f"{'the same: PASS' if same else 'not the same: MISS'}")  # fmt: skip
    for n in paths:
        cpu_ms, kib = statistics.median(cpu[n]), sizes[n] / 1024
        goal.say(f"{n:>5,} deals: {spread(rps[n], ' req/s', 1)}, server CPU "
                 f"{cpu_ms:.1f} ms/request, page {kib:,.0f} KiB")  # fmt: skip
    goal.say(f"({client}, {rounds} rounds of {seconds} s bursts, the pages alternating)")
    goal.say(f"CPU ratio ({small}-deal CPU ms / {big:,}-deal): {spread(cpu_ratios, '×')}")
    goal.say(f"speed ratio ({big:,} deals / {small}): {spread(ratios, '×')}, "
             f"goal ≥ {PAGE_RATIO}×: {verdict(ok)}")  # fmt: skip
    goal.passed = same and ok
    return goal


# --- the run --------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432/postgres",
                        help="the PostgreSQL server for --db postgres (a fresh database is "
                        "created there and dropped at the end)")  # fmt: skip
    parser.add_argument("--rounds", type=int, default=5, help="rounds per goal (default 5)")
    parser.add_argument("--seconds", type=int, default=3, help="HTTP burst length (default 3)")
    parser.add_argument("--only", default="1,2,3", help="goals to measure, e.g. 1,3")
    args = parser.parse_args()
    wanted = {int(x) for x in args.only.split(",") if x.strip()}
    print(f"Pipeline speed goals on {args.db}, {args.rounds} rounds; {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.2f}")  # fmt: skip
    logging.getLogger("tortoise").setLevel(logging.WARNING)
    goals: list[Goal] = []
    try:
        with databases(args.db, args.postgres) as dbs:
            if 1 in wanted:
                goals.append(goal_import(dbs, args.rounds))
            if 2 in wanted:
                goals.append(goal_diff(dbs, args.rounds))
            if 3 in wanted:
                goals.append(goal_page(dbs, args.rounds, args.seconds))
    except Exception as exc:  # it could not measure: say why
        print(f"bench/pipeline.py could not measure: {exc!r}", file=sys.stderr)
        return 1
    print("summary: " + ", ".join(f"goal {g.number} {verdict(bool(g.passed))}" for g in goals)
          + f"; load average now {os.getloadavg()[0]:.2f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())

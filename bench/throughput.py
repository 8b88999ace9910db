"""Page throughput over real HTTP, as a ratio against a bare Starlette page measured alongside.

    .venv/bin/python bench/throughput.py [--database postgres://postgres@127.0.0.1:5432/postgres]
        [--seconds 3] [--rounds 5] [--connections 4] [--only home,session] [--json]

Two servers run in subprocesses, one uvicorn worker each:

- Tandem as `tandem serve` runs it (`python -m app.cli serve`), on a fresh SQLite file holding
  the demo organisation from `tandem demo`, or on a fresh PostgreSQL database created on the
  server named by `--database` (dropped at the end);
- the baseline, `bench/baseline_app.py`: a bare Starlette app rendering a 50-row Jinja table
  (a base layout and a loop), with no database and no middleware.

The load generator is `wrk` (one thread, a few keep-alive connections) when installed
(`apt-get install wrk`), otherwise a small keep-alive HTTP/1.1 client in this process. Sign-in
goes through the real login form; the cookie is then sent with every request.

Each round measures the baseline, then a page, then the baseline again, and so on, so machine
load falls on both alike; a page's ratio for the round is its req/s over the mean of the two
baseline bursts around it. The table shows the median over the rounds and the spread (min–max).
A warm-up burst per URL comes first and is not counted.

It reports and does not gate: the exit status is 0 whatever the figures (1 only when it could
not measure at all, e.g. a server did not start). `--json` prints the figures as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
DEMO_PASSWORD = "tandem-demo-2026"  # app/demo.py; not imported, so the bench needs no Tortoise
MANAGER, REP = "maya@example.com", "rosa@example.com"
COOKIE = "tandem_session"
TARGET = 0.2
START_TIMEOUT = 60.0


@dataclass
class Target:
    key: str
    label: str
    path: str
    cookie: str | None = None
    rps: list[float] = field(default_factory=list)
    ratios: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)  # server CPU time per request
    errors: int = 0


# --- servers --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen
    log: Path


@contextmanager
def serve(name: str, command: list[str], env: dict[str, str], workdir: Path) -> Iterator[Server]:
    port = free_port()
    log = workdir / f"{name}.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [*command, "--port", str(port)], env=env, cwd=ROOT, stdout=out, stderr=out
        )
    server = Server(name, f"http://127.0.0.1:{port}", process, log)
    try:
        wait_until_up(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_up(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"{server.name} exited with code {server.process.returncode}:\n"
                + server.log.read_text()[-2000:]
            )
        try:
            httpx.get(server.url + "/", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{server.name} did not answer within {START_TIMEOUT:.0f} s")


def tandem_env(workdir: Path, database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}
    env.update(
        TANDEM_DATA_DIR=str(workdir / "data"),
        TANDEM_SECRET_KEY="bench-secret-key-not-for-production",
        PYTHONUNBUFFERED="1",
    )
    if database_url:  # otherwise the default: a SQLite file in TANDEM_DATA_DIR
        env["TANDEM_DATABASE_URL"] = database_url
    return env


@contextmanager
def fresh_postgres(server_url: str, prefix: str = "tandem_bench") -> Iterator[str]:
    """A new empty database on the server named by the URL, dropped afterwards."""
    import asyncpg

    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    parts = urlsplit(server_url)
    admin_url = urlunsplit(parts._replace(scheme="postgresql"))

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(admin_url)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    try:
        yield urlunsplit(parts._replace(path="/" + name))
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# --- signing in and finding the pages -------------------------------------------------------


def sign_in(base_url: str, email: str) -> str:
    """Log in through the real form; the session cookie, with the welcome flash consumed."""
    with httpx.Client(base_url=base_url, timeout=30) as client:
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        if token is None:
            raise RuntimeError("no CSRF token on the login page")
        form = {"email": email, "password": DEMO_PASSWORD, "csrf_token": token.group(1)}
        answer = client.post("/login", data=form)
        if answer.status_code != 303:
            raise RuntimeError(f"signing in as {email} answered {answer.status_code}")
        client.get("/")  # the first page after signing in pops the welcome flash (a write)
        return client.cookies[COOKIE]


def fetch(base_url: str, path: str, cookie: str | None) -> httpx.Response:
    cookies = {COOKIE: cookie} if cookie else None
    return httpx.get(base_url + path, cookies=cookies, timeout=30)


def session_path(base_url: str, manager_cookie: str, rep_cookie: str) -> str:
    """The first upcoming session on the manager's home page that the rep can open as well."""
    home = fetch(base_url, "/", manager_cookie).text
    for path in dict.fromkeys(re.findall(r'href="[^"]*?(/sessions/\d+)"', home)):
        if all(fetch(base_url, path, c).status_code == 200 for c in (manager_cookie, rep_cookie)):
            return path
    raise RuntimeError("no session on the manager's home page that both can open")


# --- load generators ------------------------------------------------------------------------


@dataclass
class Burst:
    requests: int
    seconds: float
    bad: int
    cpu_seconds: float = 0.0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def wrk_burst(url: str, cookie: str | None, seconds: int, connections: int) -> Burst:
    headers = ["-H", f"Cookie: {COOKIE}={cookie}"] if cookie else []
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", *headers]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    total = re.search(r"(\d+) requests in ([\d.]+)(m?s|m)", out)
    if total is None:
        raise RuntimeError("unexpected wrk output:\n" + out)
    unit = {"ms": 0.001, "s": 1.0, "m": 60.0}[total.group(3)]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: .*?timeout (\d+)", out)
    count = int(bad.group(1)) if bad else 0
    count += int(errors.group(1)) if errors else 0
    return Burst(int(total.group(1)), float(total.group(2)) * unit, count)


async def _keepalive_client(
    host: str, port: int, request: bytes, deadline: float, tally: list[int]
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < deadline:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
            if length is None:
                raise RuntimeError("response without Content-Length")
            await reader.readexactly(int(length.group(1)))
            tally[0] += 1
            if head[9:10] != b"2":
                tally[1] += 1
    finally:
        writer.close()


def python_burst(url: str, cookie: str | None, seconds: int, connections: int) -> Burst:
    parts = urlsplit(url)
    cookie_line = f"Cookie: {COOKIE}={cookie}\r\n" if cookie else ""
    request = (
        f"GET {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n{cookie_line}"
        "Accept: text/html\r\n\r\n"
    ).encode()

    async def run() -> Burst:
        tally = [0, 0]
        start = time.perf_counter()
        deadline = start + seconds
        await asyncio.gather(
            *(
                _keepalive_client(parts.hostname or "", parts.port or 80, request, deadline, tally)
                for _ in range(connections)
            )
        )
        return Burst(tally[0], time.perf_counter() - start, tally[1])

    return asyncio.run(run())


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- the run --------------------------------------------------------------------------------


def spread(values: list[float]) -> tuple[float, float, float]:
    return statistics.median(values), min(values), max(values)


@contextmanager
def servers(args: argparse.Namespace) -> Iterator[tuple[Server, Server]]:
    """(baseline, tandem), each in its own process; Tandem on a fresh demo database."""
    python = sys.executable
    workdir = Path(tempfile.mkdtemp(prefix="tandem-bench-"))
    try:
        with fresh_postgres(args.database) if is_postgres(args) else _nothing() as database_url:
            env = tandem_env(workdir, database_url)
            demo = [python, "-m", "app.cli", "demo"]
            subprocess.run(demo, env=env, cwd=ROOT, check=True, capture_output=True)
            baseline = [python, "-m", "uvicorn", "bench.baseline_app:app", "--host", "127.0.0.1"]
            entry = [str(Path(args.serve_with).resolve())] if args.serve_with else ["-m", "app.cli"]
            tandem = [python, *entry, "serve", "--host", "127.0.0.1"]
            with (
                serve("baseline", baseline, dict(os.environ), workdir) as base,
                serve("tandem", tandem, env, workdir) as app,
            ):
                yield base, app
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def is_postgres(args: argparse.Namespace) -> bool:
    return str(args.database).startswith(("postgres://", "postgresql://"))


@contextmanager
def _nothing() -> Iterator[None]:
    yield None


def pages_of(app: Server, only: str | None) -> list[Target]:
    manager, rep = sign_in(app.url, MANAGER), sign_in(app.url, REP)
    session = session_path(app.url, manager, rep)
    targets = [
        Target("healthz", "GET /healthz", "/healthz"),
        Target("home-manager", "home, manager (maya)", "/", manager),
        Target("home-rep", "home, rep (rosa)", "/", rep),
        Target("session-manager", "session page, manager", session, manager),
        Target("session-rep", "session page, rep", session, rep),
    ]
    if only:
        wanted = [w.strip() for w in only.split(",") if w.strip()]
        targets = [t for t in targets if any(t.key.startswith(w) for w in wanted)]
    for t in targets:
        answer = fetch(app.url, t.path, t.cookie)
        if answer.status_code != 200:
            raise RuntimeError(f"{t.label} answered {answer.status_code}")
    return targets


def measure(args: argparse.Namespace) -> dict:
    use_wrk = shutil.which("wrk") is not None and not args.python_client
    burst = wrk_burst if use_wrk else python_burst

    def run(server: Server, target: Target, seconds: int, counted: bool = True) -> float:
        cpu = cpu_seconds(server.process.pid)
        result = burst(server.url + target.path, target.cookie, seconds, args.connections)
        cpu = cpu_seconds(server.process.pid) - cpu
        target.errors += result.bad
        if counted and result.requests:
            target.cpu_ms.append(cpu * 1000 / result.requests)
        return result.rps

    with servers(args) as (base, app):
        baseline = Target("baseline", "baseline: bare Starlette, 50-row table", "/table")
        if fetch(base.url, baseline.path, None).status_code != 200:
            raise RuntimeError("the baseline page does not answer 200")
        targets = pages_of(app, args.only)
        for t in [baseline, *targets]:  # warm-up, not counted
            run(base if t is baseline else app, t, 1, counted=False)
        load_before = os.getloadavg()[0]
        for _ in range(args.rounds):
            before = run(base, baseline, args.seconds)
            baseline.rps.append(before)
            for t in targets:
                page = run(app, t, args.seconds)
                after = run(base, baseline, args.seconds)
                baseline.rps.append(after)
                t.rps.append(page)
                t.ratios.append(page / ((before + after) / 2))
                before = after
        for t in targets:  # still the same page at the end (the cookie still signs in)?
            if fetch(app.url, t.path, t.cookie).status_code != 200:
                t.errors += 1
        base_cpu = statistics.median(baseline.cpu_ms)
        return {
            "database": "postgresql" if is_postgres(args) else "sqlite",
            "load_generator": (
                f"wrk -t1 -c{args.connections}"
                if use_wrk
                else f"python keep-alive client, {args.connections} connections"
            ),
            "seconds_per_burst": args.seconds,
            "rounds": args.rounds,
            "cpus": os.cpu_count(),
            "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            "target_ratio": TARGET,
            "baseline": _figures(baseline, base_cpu),
            "pages": [_figures(t, base_cpu) for t in targets],
        }


def _figures(t: Target, base_cpu: float) -> dict:
    rps = spread(t.rps)
    figures = {
        "key": t.key,
        "label": t.label,
        "path": t.path,
        "rps_median": round(rps[0], 1),
        "rps_min": round(rps[1], 1),
        "rps_max": round(rps[2], 1),
        "errors": t.errors,
    }
    if t.cpu_ms:  # load-insensitive: the server's own CPU time per request, and its ratio
        cpu = statistics.median(t.cpu_ms)
        figures.update(cpu_ms_per_request=round(cpu, 3), cpu_ratio=round(base_cpu / cpu, 3))
    if t.ratios:
        ratio = spread(t.ratios)
        figures.update(
            ratio_median=round(ratio[0], 3),
            ratio_min=round(ratio[1], 3),
            ratio_max=round(ratio[2], 3),
        )
    return figures


def print_table(result: dict) -> None:
    print(
        f"Tandem page throughput on {result['database']}: one uvicorn worker per app, "
        f"{result['load_generator']}, {result['rounds']} rounds of {result['seconds_per_burst']} s "
        f"bursts alternating with the baseline; {result['cpus']} CPUs, load average "
        f"{result['load_average'][0]} → {result['load_average'][1]}"
    )
    head = ("page", "req/s median (min–max)", "ratio median (min–max)", "CPU ms/req", "CPU ratio")
    row = "{:<38} {:>24} {:>24} {:>11} {:>10}"
    print(row.format(*head))
    for p in [result["baseline"], *result["pages"]]:
        rps = f"{p['rps_median']:.0f} ({p['rps_min']:.0f}–{p['rps_max']:.0f})"
        ratio = "1"
        if "ratio_median" in p:
            ratio = f"{p['ratio_median']:.3f} ({p['ratio_min']:.3f}–{p['ratio_max']:.3f})"
        cpu = f"{p.get('cpu_ms_per_request', 0):.2f}"
        note = f"  {p['errors']} bad responses!" if p["errors"] else ""
        print(row.format(p["label"], rps, ratio, cpu, f"{p.get('cpu_ratio', 0):.3f}") + note)
    print(f"target {result['target_ratio']}")
    print(
        "ratio: page req/s over the baseline's in the bursts around it; CPU ratio: the "
        "baseline's server CPU time per request over the page's (insensitive to machine load)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database",
        default="sqlite",
        help="'sqlite' (a fresh file, the default) or a PostgreSQL server URL such as "
        "postgres://postgres@127.0.0.1:5432/postgres (a fresh database is created there)",
    )
    parser.add_argument("--seconds", type=int, default=3, help="length of each burst (default 3)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds over all pages (default 5)")
    parser.add_argument("--connections", type=int, default=4, help="concurrent connections")
    parser.add_argument("--only", help="comma-separated page keys or prefixes, e.g. home,session")
    parser.add_argument("--python-client", action="store_true", help="don't use wrk")
    parser.add_argument(
        "--serve-with",
        metavar="FILE",
        help="start Tandem with `python FILE serve ...` instead of `python -m app.cli serve ...` "
        "(to measure a patched server)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    try:
        result = measure(args)
    except Exception as exc:  # it could not measure: say why
        print(f"bench/throughput.py could not measure: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Browser-test fixtures: the real app served by `tandem serve`, and headless Chromium.

The server is a separate process (`python -m app.cli demo`, then `... serve`) on 127.0.0.1 and
a free port, backed by a fresh SQLite file holding the demo organisation. It goes through the
production start-up path and shares nothing with the test process: Tortoise keeps per-process
state (one global context; query builders bound to the first dialect used), so an in-process
server on SQLite would leave the PostgreSQL tests that follow speaking the wrong SQL.

Even when TANDEM_TEST_DATABASE_URL is set (the PostgreSQL run), the browser tests keep their own
SQLite file: they check pages and behaviour in the browser, which the database engine does not
change, and the PostgreSQL paths are covered by the HTTP tests.

Chromium is shared by the tests of this package and closed after its last test (package scope):
Playwright's sync API marks its event loop as the running one in the main thread for as long
as it is started, which would break the async tests that run after these.
Tests that change data (adding agenda items, inviting someone) must not assume they run first.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from app.demo import DEMO_PASSWORD
from tests.conftest import require_or_skip

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
# axe-core from npm: `make test` runs `npm ci` in tests/browser (package-lock.json pins it).
AXE_JS = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
START_TIMEOUT = 30.0
ROOT = Path(__file__).resolve().parents[2]

try:
    from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
except ImportError:  # pragma: no cover - the dev extra installs it
    sync_playwright = None  # type: ignore[assignment]


@dataclass(frozen=True)
class LiveServer:
    url: str
    env: dict[str, str] | None = None  # the server's environment (its database), if known

    def __call__(self, path: str = "/") -> str:
        return self.url + path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}
    env.update(
        TANDEM_DATA_DIR=str(data_dir),
        TANDEM_DATABASE_URL=f"sqlite://{data_dir / 'tandem.sqlite3'}",
        TANDEM_SECRET_KEY="browser-test-secret-key",
        PYTHONUNBUFFERED="1",
    )
    return env


def _wait_until_healthy(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"tandem serve exited with code {process.returncode}")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"tandem serve did not answer within {START_TIMEOUT:.0f} s")


@pytest.fixture(scope="package")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("browser")
    env = _server_env(data_dir)
    cli = [sys.executable, "-m", "app.cli"]
    subprocess.run([*cli, "demo"], env=env, cwd=ROOT, check=True, capture_output=True, timeout=120)
    port = _free_port()
    log = (data_dir / "server.log").open("w")
    process = subprocess.Popen(
        [*cli, "serve", "--port", str(port)], env=env, cwd=ROOT, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(url, process)
        yield LiveServer(url, env)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


_stuck: list[str] = []  # the browser test that hung, if one did


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    report = yield
    if report.failed and "Timeout" in str(report.longrepr) and item.get_closest_marker("browser"):
        _stuck.append(item.nodeid)
    return report


@pytest.fixture(autouse=True)
def _not_after_a_hang() -> None:
    """After one browser test hung, the shared Chromium can't be trusted: fail the rest fast
    (each would otherwise wait for its own timeout) and name the test that hung."""
    if _stuck:
        pytest.fail(f"Chromium hung in {_stuck[0]}; the browser tests after it were not run")


@pytest.fixture(scope="package")
def chromium() -> Iterator[Browser]:
    require_or_skip(sync_playwright is not None, "Playwright is not installed")
    require_or_skip(
        shutil.which(CHROMIUM) is not None,
        f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)",
    )
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(chromium: Browser) -> Iterator[Callable[..., Page]]:
    """Open pages in fresh browser contexts (own cookies); all are closed after the test."""
    contexts: list[BrowserContext] = []

    def make(viewport: dict[str, int] | None = None, storage_state: object = None) -> Page:
        context = chromium.new_context(
            viewport=viewport or DESKTOP,
            storage_state=storage_state,  # type: ignore[arg-type]
            locale="en-GB",
        )
        context.set_default_timeout(5000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="package")
def axe_js() -> Path:
    require_or_skip(
        AXE_JS.is_file(),
        f"axe-core is not installed at {AXE_JS} (`make test` installs it: npm ci --prefix "
        "tests/browser)",
    )
    return AXE_JS


@pytest.fixture
def browser_page(
    new_page: Callable[..., Page], live_server: LiveServer, axe_js: Path
) -> Iterator[Callable[[str], Page]]:
    """A signed-in page per person, with axe served from the app's origin and the browser's
    errors collected: none may happen (a CSP violation is one). A refused form answers 400,
    which the browser logs as a failed load: that one is expected."""
    from tests.browser.axe import serve_axe  # axe.py imports this module: import it late

    errors: list[str] = []

    def open_as(email: str) -> Page:
        page = new_page()
        serve_axe(page.context, live_server, axe_js)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        sign_in(page, live_server, email)
        return page

    yield open_as
    assert [e for e in errors if "status of 400" not in e] == []


def sign_in(page: Page, server: LiveServer, email: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the real login form and land on the home page."""
    page.goto(server("/login"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(server("/"))


def artifact(name: str) -> Path:
    path = ARTIFACTS / name
    path.parent.mkdir(parents=True, exist_ok=True)
    return path

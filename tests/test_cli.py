"""The `tandem` command, run as a real subprocess against a throw-away SQLite file, and the
start-up configuration rules for the secret key."""

from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from app.settings import ROOT, ConfigError, load_settings
from coaching.clock import now
from coaching.identity.models import WebSession
from playbooks.files import STARTER
from tests.factories import make_user

ENV_PREFIX = "TANDEM_"
STRONG = "a long enough secret"


def cli_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    env.update(
        TANDEM_DATA_DIR=str(tmp_path),
        TANDEM_DATABASE_URL=f"sqlite://{tmp_path / 'cli.sqlite3'}",
        TANDEM_ENV="development",
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update(extra)
    return env


def tandem(
    tmp_path: Path, *args: str, stdin: str = "", **extra_env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=cli_env(tmp_path, **extra_env),
        timeout=60,
    )


def query(tmp_path: Path, sql: str, *params: object) -> list[tuple]:
    with sqlite3.connect(tmp_path / "cli.sqlite3") as conn:
        return conn.execute(sql, params).fetchall()


ROLES = "(SELECT group_concat(role) FROM user_roles WHERE user_id = users.id)"


def test_users_add_creates_a_person_with_both_roles_and_an_argon2id_password(tmp_path):
    result = tandem(
        tmp_path,
        *("users", "add", "Maya@Example.com", "--name", "Maya Okafor"),
        *("--role", "manager", "--role", "trainer", "--password-stdin"),
        stdin=STRONG + "\n",
    )

    assert result.returncode == 0, result.stderr
    assert "Added Maya Okafor <maya@example.com> as manager, trainer." in result.stdout
    [(name, roles, password_hash, active)] = query(
        tmp_path,
        f"SELECT name, {ROLES}, password_hash, is_active FROM users WHERE email = ?",
        "maya@example.com",
    )
    assert name == "Maya Okafor"
    assert set(roles.split(",")) == {"manager", "trainer"}
    assert password_hash.startswith("$argon2id$")
    assert STRONG not in password_hash
    assert active


def test_users_add_with_a_duplicate_email_fails_with_a_clear_message_and_exit_code_2(tmp_path):
    first = tandem(
        tmp_path,
        "users",
        "add",
        "sam@example.com",
        "--name",
        "Sam",
        "--role",
        "rep",
        "--password-stdin",
        stdin=STRONG + "\n",
    )
    assert first.returncode == 0, first.stderr

    again = tandem(
        tmp_path,
        "users",
        "add",
        "SAM@example.com",
        "--name",
        "Other Sam",
        "--role",
        "admin",
        "--password-stdin",
        stdin=STRONG + "\n",
    )

    assert again.returncode == 2
    assert "tandem: Someone with the email sam@example.com already has an account." in (
        again.stderr
    )
    assert "Traceback" not in again.stderr
    assert query(
        tmp_path,
        f"SELECT name, {ROLES} FROM users",
    ) == [("Sam", "rep")]


def test_users_add_with_a_short_password_fails_with_a_clear_message(tmp_path):
    result = tandem(
        tmp_path,
        "users",
        "add",
        "kim@example.com",
        "--name",
        "Kim",
        "--role",
        "rep",
        "--password-stdin",
        stdin="short\n",
    )
    assert result.returncode == 2
    assert "tandem: Use at least 12 characters." in result.stderr
    assert query(tmp_path, "SELECT count(*) FROM users") == [(0,)]


def test_createadmin_creates_an_admin(tmp_path):
    result = tandem(
        tmp_path,
        *("createadmin", "--email", "ada@example.com", "--name", "Ada Lindqvist"),
        "--password-stdin",
        stdin=STRONG + "\n",
    )

    assert result.returncode == 0, result.stderr
    assert "Added Ada Lindqvist <ada@example.com> as admin." in result.stdout
    [(roles, password_hash)] = query(
        tmp_path,
        f"SELECT {ROLES}, password_hash FROM users WHERE email = 'ada@example.com'",
    )
    assert roles == "admin"
    assert password_hash.startswith("$argon2id$")


def test_migrate_is_idempotent_and_keeps_data(tmp_path):
    first = tandem(tmp_path, "migrate")
    assert first.returncode == 0, first.stderr
    assert "Database is up to date." in first.stdout
    tables = query(tmp_path, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    assert ("users",) in tables and ("web_sessions",) in tables
    added = tandem(
        tmp_path,
        "users",
        "add",
        "lee@example.com",
        "--name",
        "Lee",
        "--role",
        "rep",
        "--password-stdin",
        stdin=STRONG + "\n",
    )
    assert added.returncode == 0, added.stderr

    second = tandem(tmp_path, "migrate")

    assert second.returncode == 0, second.stderr
    assert "Database is up to date." in second.stdout
    assert (
        query(tmp_path, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        == tables
    )
    assert query(tmp_path, "SELECT email FROM users") == [("lee@example.com",)]


def test_a_fresh_install_loads_the_published_starter_library_once(tmp_path):
    first = tandem(tmp_path, "migrate")
    assert first.returncode == 0, first.stderr
    starters = len(list(STARTER.glob("*.md")))
    assert starters >= 10
    assert f"Loaded the starter library: {starters} playbooks" in first.stdout
    published = (
        "SELECT count(*) FROM playbooks WHERE status = 'published' AND current_id IS NOT NULL"
    )
    assert query(tmp_path, published) == [(starters,)]
    assert query(tmp_path, "SELECT count(*) FROM playbook_search") == [(starters,)]
    second = tandem(tmp_path, "migrate")
    assert "starter library" not in second.stdout
    assert query(tmp_path, "SELECT count(*) FROM playbook_versions") == [(starters,)]


def test_demo_creates_the_demo_organisation_once(tmp_path):
    first = tandem(tmp_path, "demo")
    assert first.returncode == 0, first.stderr
    assert "Demo organisation created." in first.stdout
    assert "admin@example.com" in first.stdout  # it tells you how to sign in
    people_after_first = query(tmp_path, "SELECT email FROM users ORDER BY email")
    assert ("admin@example.com",) in people_after_first
    assert query(tmp_path, "SELECT count(*) FROM pairings")[0][0] > 0

    second = tandem(tmp_path, "demo")

    assert second.returncode == 0, second.stderr
    assert "Demo organisation already there." in second.stdout
    assert "created" not in second.stdout
    assert query(tmp_path, "SELECT email FROM users ORDER BY email") == people_after_first


def test_production_without_secret_key_refuses_to_start_with_a_clear_message(tmp_path):
    result = tandem(tmp_path, "serve", "--port", "0", TANDEM_ENV="production", TANDEM_SECRET_KEY="")

    assert result.returncode == 2
    assert "tandem: TANDEM_SECRET_KEY must be set when TANDEM_ENV=production." in result.stderr
    assert "Traceback" not in result.stderr
    assert "running at" not in result.stdout
    assert not (tmp_path / "secret_key").exists()  # no key was quietly invented


@pytest.fixture
def clean_env(monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    for name in list(os.environ):
        if name.startswith(ENV_PREFIX):
            monkeypatch.delenv(name)
    monkeypatch.setenv("TANDEM_DATA_DIR", str(tmp_path))
    return monkeypatch


def test_production_settings_without_secret_key_raise_config_error(clean_env):
    clean_env.setenv("TANDEM_ENV", "production")
    with pytest.raises(ConfigError, match="TANDEM_SECRET_KEY must be set"):
        load_settings()


def test_production_settings_use_the_given_secret_key(clean_env):
    clean_env.setenv("TANDEM_ENV", "production")
    clean_env.setenv("TANDEM_SECRET_KEY", "from-the-environment")
    clean_env.setenv("TANDEM_BASE_URL", "https://tandem.example.com")
    settings = load_settings()
    assert settings.secret_key == "from-the-environment"
    assert settings.production and settings.secure_cookies


def test_production_settings_without_a_base_url_raise_config_error(clean_env):
    """In production, links must not depend on a Host header someone else chose."""
    clean_env.setenv("TANDEM_ENV", "production")
    clean_env.setenv("TANDEM_SECRET_KEY", "from-the-environment")
    with pytest.raises(ConfigError, match="TANDEM_BASE_URL must be set"):
        load_settings()


def test_settings_know_whether_the_base_url_was_set(clean_env):
    assert load_settings().base_url is None
    clean_env.setenv("TANDEM_BASE_URL", "https://Tandem.Example.com/")
    settings = load_settings()
    assert settings.base_url == "https://tandem.example.com"
    assert settings.public_host == "tandem.example.com"
    assert settings.secure_cookies


@pytest.mark.parametrize(
    "value", ["tandem.example.com", "ftp://tandem.example.com", "https://x.example/tandem"]
)
def test_a_base_url_that_is_not_scheme_and_host_is_refused(clean_env, value):
    clean_env.setenv("TANDEM_BASE_URL", value)
    with pytest.raises(ConfigError, match="TANDEM_BASE_URL must look like"):
        load_settings()


def test_development_secret_key_is_generated_once_under_the_data_dir_and_reused(
    clean_env, tmp_path
):
    first = load_settings()
    key_file = tmp_path / "secret_key"

    assert key_file.read_text().strip() == first.secret_key
    assert len(first.secret_key) >= 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600  # readable by the owner only
    assert load_settings().secret_key == first.secret_key
    assert key_file.read_text().strip() == first.secret_key


async def test_purge_deletes_expired_web_sessions_and_keeps_live_ones(db, database_url, tmp_path):
    someone = await make_user("rep")
    hour = timedelta(hours=1)
    for n, expires in enumerate([now() - hour, now() - 2 * hour, now() + hour]):
        await WebSession.create(key_hash=f"{n:064d}", user=someone, expires_at=expires)

    result = tandem(tmp_path, "purge", TANDEM_DATABASE_URL=database_url)

    assert result.returncode == 0, result.stderr
    assert "Deleted 2 expired web sessions." in result.stdout
    assert await WebSession.all().values_list("key_hash", flat=True) == [f"{2:064d}"]


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_migrate_creates_data_directory_database_and_key_readable_by_the_owner_only(tmp_path):
    data = tmp_path / "data"

    result = tandem(tmp_path, "migrate", TANDEM_DATA_DIR=str(data), TANDEM_DATABASE_URL="")

    assert result.returncode == 0, result.stderr
    assert mode_of(data) == 0o700
    assert mode_of(data / "tandem.sqlite3") == 0o600
    assert mode_of(data / "secret_key") == 0o600


def test_migrate_makes_an_existing_database_file_private(tmp_path):
    assert tandem(tmp_path, "migrate").returncode == 0
    database = tmp_path / "cli.sqlite3"
    database.chmod(0o644)

    assert tandem(tmp_path, "migrate").returncode == 0

    assert mode_of(database) == 0o600


def test_running_server_keeps_database_and_its_write_ahead_log_private(tmp_path):
    data = tmp_path / "data"
    with running_tandem(tmp_path, TANDEM_DATA_DIR=str(data), TANDEM_DATABASE_URL="") as url:
        assert httpx.get(url + "/login").status_code == 200
        files = {path.name: mode_of(path) for path in data.iterdir()}

    assert mode_of(data) == 0o700
    assert files == {
        "secret_key": 0o600,
        "tandem.sqlite3": 0o600,
        "tandem.sqlite3-wal": 0o600,
        "tandem.sqlite3-shm": 0o600,
    }


def test_running_server_writes_access_log_lines_of_bounded_length(tmp_path):
    with running_tandem(tmp_path) as url:
        assert httpx.get(url + "/login?next=/" + "x" * 12_000).status_code == 200
    lines = (tmp_path / "server.log").read_text().splitlines()

    assert any("GET /login?next=/xxx" in line for line in lines), lines
    assert max(len(line) for line in lines) <= 2100


@contextlib.contextmanager
def running_tandem(tmp_path: Path, **extra_env: str) -> Iterator[str]:
    """`tandem serve` in a subprocess on a free port, until the block ends; what it prints
    goes to tmp_path/server.log."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with (tmp_path / "server.log").open("w") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
            cwd=ROOT,
            env=cli_env(tmp_path, **extra_env),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while not _answers(url + "/healthz"):
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail("tandem serve did not start: " + (tmp_path / "server.log").read_text())
            time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False

"""`tandem worker` and `tandem serve` send the outbox: real subprocesses, a throw-away
SQLite file, and a real SMTP server (aiosmtpd) in the test process."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from app.settings import ROOT
from tests.coaching.mail.in_another_process import enqueue_elsewhere
from tests.coaching.mail.smtp_server import Inbox, smtp_server
from tests.test_cli import cli_env, query, running_tandem, tandem


def enqueue_a_message(tmp_path: Path) -> None:
    enqueue_elsewhere(cli_env(tmp_path))


def smtp_env(port: int) -> dict[str, str]:
    return {
        "TANDEM_SMTP_HOST": "127.0.0.1",
        "TANDEM_SMTP_PORT": str(port),
        "TANDEM_SMTP_SECURITY": "none",
    }


def wait_until(condition: Callable[[], bool], seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


def test_worker_sends_the_outbox_beats_and_stops_on_sigterm(tmp_path: Path) -> None:
    enqueue_a_message(tmp_path)
    inbox = Inbox()
    with smtp_server(inbox) as mail:
        env = cli_env(tmp_path, **smtp_env(mail.port))
        worker = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "worker", "--poll", "0.1"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            wait_until(lambda: len(inbox.received) == 1 or worker.poll() is not None)
            assert query(tmp_path, "SELECT count(*) FROM mail_worker_heartbeats") == [(1,)]
        finally:
            worker.send_signal(signal.SIGTERM)
            output, _ = worker.communicate(timeout=15)

    assert worker.returncode == 0, output
    assert "Tandem worker stopped." in output
    assert inbox.received[0].message["Subject"] == "Your coaching session"
    assert query(tmp_path, "SELECT count(*) FROM mail_outbox WHERE sent_at IS NOT NULL") == [(1,)]
    assert query(tmp_path, "SELECT count(*) FROM mail_worker_heartbeats") == [(0,)]


def test_serve_sends_the_outbox_when_no_worker_runs(tmp_path: Path) -> None:
    enqueue_a_message(tmp_path)
    inbox = Inbox()
    with smtp_server(inbox) as mail, running_tandem(tmp_path, **smtp_env(mail.port)):
        wait_until(lambda: len(inbox.received) == 1)
    assert query(tmp_path, "SELECT count(*) FROM mail_outbox WHERE sent_at IS NOT NULL") == [(1,)]


def test_worker_refuses_a_bad_smtp_setting_with_a_clear_message(tmp_path: Path) -> None:
    result = tandem(tmp_path, "worker", TANDEM_SMTP_SECURITY="ssl")
    assert result.returncode == 2
    assert "TANDEM_SMTP_SECURITY must be one of starttls, tls, none, got 'ssl'." in result.stderr

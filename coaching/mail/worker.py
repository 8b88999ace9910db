"""The loops that send mail: `tandem worker`'s, and the web server's stand-in that runs
only while no worker has said it is alive (so mail goes out with or without a worker)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from datetime import datetime, timedelta

from coaching import clock
from coaching.mail.config import MailSettings
from coaching.mail.models import WorkerHeartbeat
from coaching.mail.sender import BATCH, send_due

MAIL_LOGGER = "tandem.mail"
log = logging.getLogger(MAIL_LOGGER)

POLL_SECONDS = 5.0
# A worker beats every poll; one silent for this long is taken for dead.
HEARTBEAT_FRESH = timedelta(seconds=30)
FORGET_AFTER = timedelta(days=1)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


async def beat(name: str, now: datetime | None = None) -> None:
    """Say this worker is alive, and forget workers that died without saying goodbye."""
    moment = now or clock.now()
    await WorkerHeartbeat.update_or_create(worker=name, defaults={"beat_at": moment})
    await WorkerHeartbeat.filter(beat_at__lt=moment - FORGET_AFTER).delete()


async def a_worker_is_running(now: datetime | None = None) -> bool:
    since = (now or clock.now()) - HEARTBEAT_FRESH
    return await WorkerHeartbeat.filter(beat_at__gt=since).exists()


async def forget(name: str) -> None:
    await WorkerHeartbeat.filter(worker=name).delete()


async def run_worker(
    mail: MailSettings, stop: asyncio.Event, poll_seconds: float = POLL_SECONDS
) -> None:
    """Beat and send until `stop` is set; a batch being sent is finished first."""
    name = worker_name()
    if not mail.sends:
        log.warning("TANDEM_SMTP_HOST is not set: mail is kept in the outbox, not sent.")
    try:
        while not stop.is_set():
            await beat(name)
            delivered = await _send_logging_errors(mail)
            if delivered < BATCH:
                await _wait(stop, poll_seconds)
    finally:
        await forget(name)  # the web server takes over at once


async def run_server_sender(
    mail: MailSettings, stop: asyncio.Event, poll_seconds: float = POLL_SECONDS
) -> None:
    """The web server's loop: sends only while no worker is running, until `stop` is set.
    Stopped between batches, never cancelled mid-query: a task cancelled inside a database
    transaction could leave SQLite's connection lock held for whoever comes next."""
    while not stop.is_set():
        if not await _worker_running_logging_errors():
            await _send_logging_errors(mail)
        await _wait(stop, poll_seconds)


async def _send_logging_errors(mail: MailSettings) -> int:
    try:
        return await send_due(mail)
    except Exception:  # the database may be away for a moment: try again next poll
        log.exception("Sending the outbox failed; trying again shortly")
        return 0


async def _worker_running_logging_errors() -> bool:
    try:
        return await a_worker_is_running()
    except Exception:
        log.exception("Could not read the worker heartbeat")
        return True  # neither send nor crash; next poll tries again


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)

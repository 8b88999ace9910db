"""The loops that send mail: the worker's heartbeat, and the web server's loop that sends
only while no worker is alive. Both run briefly against a real SMTP server."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from email.message import EmailMessage

from asgi_lifespan import LifespanManager

from app.main import MAIL_SENDER_TASK, create_app
from coaching.clock import now
from coaching.mail.models import MailKind, MailState, OutboxMessage, WorkerHeartbeat
from coaching.mail.outbox import enqueue
from coaching.mail.worker import (
    HEARTBEAT_FRESH,
    a_worker_is_running,
    beat,
    forget,
    run_server_sender,
    run_worker,
    worker_name,
)
from tests.coaching.mail.smtp_server import Inbox, smtp_server

FAST = 0.01


async def enqueue_one() -> OutboxMessage:
    message = EmailMessage()
    message["To"] = "rosa@example.com"
    message["Subject"] = "Reminder: session tomorrow"
    message.set_content("See you tomorrow.")
    return await enqueue(message, MailKind.REMINDER)


async def eventually(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out waiting"
        await asyncio.sleep(FAST)


async def test_a_worker_counts_as_running_while_its_heartbeat_is_fresh(db) -> None:
    moment = now()
    assert not await a_worker_is_running(moment)
    await beat("host:1", moment)
    assert await a_worker_is_running(moment + HEARTBEAT_FRESH - timedelta(seconds=1))
    assert not await a_worker_is_running(moment + HEARTBEAT_FRESH)
    await forget("host:1")
    assert not await a_worker_is_running(moment)


async def test_a_worker_that_died_silently_is_forgotten_after_a_day(db) -> None:
    moment = now()
    await beat("killed:9", moment - timedelta(days=1, seconds=1))
    await beat("alive:1", moment)
    assert [row.worker for row in await WorkerHeartbeat.all()] == ["alive:1"]


async def test_the_server_loop_leaves_mail_to_a_live_worker_and_sends_without_one(db) -> None:
    row = await enqueue_one()
    await beat("elsewhere:7")
    inbox = Inbox()
    stop = asyncio.Event()
    with smtp_server(inbox) as mail:
        loop = asyncio.create_task(run_server_sender(mail, stop, poll_seconds=FAST))
        try:
            await asyncio.sleep(0.3)
            assert not inbox.received, "a worker is alive: the server must not send"
            await forget("elsewhere:7")
            await eventually(lambda: len(inbox.received) == 1)
        finally:
            stop.set()
            await asyncio.wait_for(loop, timeout=5)
    assert loop.done() and loop.exception() is None
    assert (await OutboxMessage.get(id=row.id)).state == MailState.SENT


async def test_the_worker_sends_beats_and_stops_cleanly_when_asked(db) -> None:
    await enqueue_one()
    inbox = Inbox()
    stop = asyncio.Event()
    with smtp_server(inbox) as mail:
        worker = asyncio.create_task(run_worker(mail, stop, poll_seconds=FAST))
        await eventually(lambda: len(inbox.received) == 1)
        assert await WorkerHeartbeat.filter(worker=worker_name()).exists()
        stop.set()
        await asyncio.wait_for(worker, timeout=5)
    assert not await WorkerHeartbeat.exists(), "a stopped worker hands over at once"


async def test_an_app_started_by_tests_runs_no_mail_loop(db, settings) -> None:
    """Tests build the app with manage_db=False: no background sender outlives them."""
    with smtp_server(Inbox()) as mail:
        app = create_app(replace(settings, mail=mail), manage_db=False)
        async with LifespanManager(app):
            names = {task.get_name() for task in asyncio.all_tasks()}
    assert MAIL_SENDER_TASK not in names

"""Putting mail into the outbox of a Tandem that runs in another process (a `tandem serve`
or `tandem worker` under test), through the same code the app uses, in a subprocess that
reads its database URL from the environment given."""

from __future__ import annotations

import subprocess
import sys

from app.settings import ROOT

ENQUEUE = """
import asyncio
from email.message import EmailMessage
from app.cli import _with_db
from coaching.mail.models import OutboxMessage
from coaching.mail.outbox import enqueue

async def work():
    message = EmailMessage()
    message["To"] = "Rosa Rep <rosa@example.com>"
    message["Subject"] = "Your coaching session"
    message.set_content(
        "Maya invites you to a coaching session on Tuesday at 10:00.\\n\\n"
        "Join: https://tandem.example.com/sessions/1?" + "x" * 120 + "\\n"
    )
    message.add_alternative("<p>Maya invites you.</p>", subtype="html")
    await enqueue(message, "invitation")
    if FAILED:
        failed = await enqueue(message, "reminder")
        await OutboxMessage.filter(id=failed.id).update(
            attempts=12, failed_at=failed.created_at, next_attempt_at=None,
            last_error="SMTPRecipientsRefused: 550 5.1.1 No such user here",
        )

asyncio.run(_with_db(work))
"""


def enqueue_elsewhere(env: dict[str, str], *, with_a_failed_one: bool = False) -> None:
    script = f"FAILED = {with_a_failed_one!r}\n" + ENQUEUE
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, timeout=60)

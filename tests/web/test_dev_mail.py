"""/dev/mail: the outbox as an admin reads it in development; refused to others, and absent
in production."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from email.message import EmailMessage

from app.main import create_app
from coaching.clock import now
from coaching.mail.models import MailKind, OutboxMessage
from coaching.mail.outbox import PAGE_SIZE, enqueue
from tests.factories import make_user, open_browser, reload, text_of


async def write(subject: str, body: str = "Hello Rosa.", to: str = "rosa@example.com") -> int:
    message = EmailMessage()
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    message.add_alternative("<p>The HTML part, not shown.</p>", subtype="html")
    return (await enqueue(message, MailKind.INVITATION)).id


def plain_texts(page: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r'<pre class="mail-body">(.*?)</pre>', page, re.S)]


async def test_an_admin_reads_the_outbox_newest_first_with_state_and_plain_text(app) -> None:
    first = await write("Session on Tuesday", "Tuesday at 10:00 <b>sharp</b>.\n\nMaya")
    await write("Reminder", "Tomorrow.", to="Sam <sam@example.com>")
    await OutboxMessage.filter(id=first).update(sent_at=now(), next_attempt_at=None)
    failed = await write("Digest", "Your week.")
    await OutboxMessage.filter(id=failed).update(
        attempts=12, failed_at=now(), next_attempt_at=None, last_error="550 No such user"
    )
    admin = await reload(await make_user("admin"))
    async with open_browser(app) as browser:
        await browser.login(admin)
        response = await browser.get("/dev/mail")

    assert response.status_code == 200
    page = text_of(html.unescape(response.text))
    assert page.index("Digest") < page.index("Reminder") < page.index("Session on Tuesday")
    assert "Failed" in page and "Sent" in page and "Waiting" in page
    assert "sam@example.com" in page and "invitation" in page
    assert "<dt>Attempts</dt><dd>12</dd>" in response.text
    assert "550 No such user" in page
    assert "No SMTP server is set up" in page
    texts = plain_texts(response.text)
    assert texts[2] == "Tuesday at 10:00 <b>sharp</b>.\n\nMaya\n"
    assert "<b>sharp</b>" not in response.text, "the plain text is escaped"
    assert "The HTML part" not in response.text


async def test_the_outbox_is_paginated(app) -> None:
    for n in range(PAGE_SIZE + 1):
        await write(f"Message number {n}")
    admin = await reload(await make_user("admin"))
    async with open_browser(app) as browser:
        await browser.login(admin)
        first = await browser.get("/dev/mail")
        second = await browser.get("/dev/mail?page=2")
        beyond = await browser.get("/dev/mail?page=3")

    assert len(plain_texts(first.text)) == PAGE_SIZE
    assert 'href="?page=2" rel="next"' in first.text
    assert "Message number 0" not in first.text
    assert len(plain_texts(second.text)) == 1 and "Message number 0 " in text_of(second.text)
    assert 'rel="prev"' in second.text and 'rel="next"' not in second.text
    assert "No older messages." in beyond.text


async def test_an_empty_outbox_says_so(app) -> None:
    admin = await reload(await make_user("admin"))
    async with open_browser(app) as browser:
        await browser.login(admin)
        response = await browser.get("/dev/mail")
    assert response.status_code == 200
    assert "The outbox is empty." in response.text
    assert "<h1>Mail outbox</h1>" in response.text


async def test_people_who_are_not_admins_are_refused(app) -> None:
    await write("Not for you")
    for role in ("rep", "manager", "trainer"):
        person = await reload(await make_user(role))
        async with open_browser(app) as browser:
            await browser.login(person)
            response = await browser.get("/dev/mail")
        assert response.status_code == 403, role
        assert "Not for you" not in response.text


async def test_the_page_does_not_exist_in_production(db, settings) -> None:
    await write("Secret invitation link")
    app = create_app(
        replace(settings, production=True, base_url="https://testserver"), manage_db=False
    )
    admin = await reload(await make_user("admin"))
    async with open_browser(app, base_url="https://testserver") as browser:
        assert (await browser.login(admin)).status_code == 303
        response = await browser.get("/dev/mail")
    assert response.status_code == 404
    assert "Secret invitation link" not in response.text

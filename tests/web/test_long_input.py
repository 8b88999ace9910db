"""An email address longer than the columns hold (254 characters) is an input error with a
message wherever it arrives, never a 500; and no log record copies input whole."""

from __future__ import annotations

import logging

import pytest

from coaching.identity.models import Invitation, LoginThrottle
from tests.factories import make_user
from tests.web.test_text_input import field_error, kept_value

LONGEST_LOG_RECORD = 2100  # characters: a small bound next to the 100 KB sent
HUGE_EMAIL = "a" * 100_000 + "@example.com"
LONG_EMAIL = "a" * 243 + "@example.com"  # 255 characters: one too many


def assert_log_records_are_bounded(caplog: pytest.LogCaptureFixture) -> None:
    for record in caplog.records:
        if record.name == "httpx" and "http://testserver/" in record.getMessage():
            continue  # the test's own client, playing the browser
        assert len(record.getMessage()) <= LONGEST_LOG_RECORD, (record.name, record.levelname)
        assert len(record.exc_text or "") <= 50 * LONGEST_LOG_RECORD


async def test_sign_in_with_a_100_kb_email_is_refused_and_nothing_long_is_logged(
    browser, caplog
) -> None:
    caplog.set_level(logging.DEBUG)

    page = await browser.post("/login", {"email": HUGE_EMAIL, "password": "any password"})

    assert page.status_code == 400
    assert field_error(page, "email") == (
        f"An email address has at most 254 characters; this one has {len(HUGE_EMAIL)}."
    )
    assert kept_value(page, "email") == HUGE_EMAIL
    assert not await LoginThrottle.exists(), "no account can have it: not a failed attempt"
    assert_log_records_are_bounded(caplog)


async def test_invitation_with_an_email_one_character_too_long_is_refused(browser) -> None:
    await browser.login(await make_user("admin"))

    page = await browser.post(
        "/admin/invite", {"name": "Nina New", "email": LONG_EMAIL, "roles": ["rep"]}
    )

    assert page.status_code == 400
    assert field_error(page, "email") == (
        "An email address has at most 254 characters; this one has 255."
    )
    assert kept_value(page, "email") == LONG_EMAIL
    assert kept_value(page, "name") == "Nina New"
    assert not await Invitation.exists()


async def test_invitation_with_a_100_kb_email_is_refused_and_nothing_long_is_logged(
    browser, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    await browser.login(await make_user("admin"))

    page = await browser.post(
        "/admin/invite", {"name": "Nina New", "email": HUGE_EMAIL, "roles": ["rep"]}
    )

    assert page.status_code == 400
    assert "at most 254 characters" in field_error(page, "email")
    assert_log_records_are_bounded(caplog)

"""Visitors cost no database rows: their CSRF token and messages travel in a small signed
cookie, and only signed-in people get a server-side session. Expired sessions are purged."""

from __future__ import annotations

import html
import secrets
from dataclasses import replace
from datetime import timedelta

import httpx
from itsdangerous import TimestampSigner

from app.main import create_app
from app.web_sessions import COOKIE, MAX_VISITOR_COOKIE, VISITOR_COOKIE, VisitorCookie
from coaching.clock import now
from coaching.identity.models import WebSession
from tests.factories import PASSWORD, Browser, make_user, open_browser, text_of

DAY = 24 * 60 * 60


def set_cookie_header(response: httpx.Response, name: str) -> str:
    found = [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}=")]
    assert len(found) == 1, f"expected one {name} cookie, got {found}"
    return found[0]


async def test_visiting_the_sign_in_page_writes_no_session_row(client) -> None:
    response = await client.get("/login")

    assert response.status_code == 200
    assert not await WebSession.exists()
    assert COOKIE not in client.cookies


async def test_visitor_cookie_is_small_signed_http_only_and_same_site_lax(client) -> None:
    header = set_cookie_header(await client.get("/login"), VISITOR_COOKIE)

    attributes = {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}
    assert {"httponly", "samesite", "path", "max-age"} <= attributes
    assert "samesite=lax" in header.lower()
    assert f"max-age={DAY}" in header.lower()
    assert "secure" not in attributes, "plain-HTTP development must not send Secure cookies"
    assert len(header) < 1024


async def test_visitor_cookie_is_secure_when_secure_cookies_are_configured(db, settings) -> None:
    app = create_app(replace(settings, production=True), manage_db=False)
    async with open_browser(app, base_url="https://testserver") as browser:
        header = set_cookie_header(await browser.get("/login"), VISITOR_COOKIE)
    assert "; secure" in header.lower()


async def test_visitor_signs_in_with_the_token_from_the_page_and_gets_one_row(browser) -> None:
    rep = await make_user("rep", name="Rosa Rep")

    response = await browser.login(rep)

    assert response.status_code == 303
    [row] = await WebSession.all()
    assert row.user_id == rep.id  # type: ignore[attr-defined]
    assert VISITOR_COOKIE not in browser.client.cookies, "the visitor cookie is dropped"
    assert "Welcome back, Rosa." in text_of((await browser.get("/")).text)


async def test_message_for_a_visitor_is_shown_once_without_a_row(client) -> None:
    await client.get("/login/sso")  # single sign-on isn't configured: a message says so

    first = await client.get("/login")
    second = await client.get("/login")

    assert "Single sign-on isn't set up here." in html.unescape(first.text)
    assert "Single sign-on isn't set up here." not in html.unescape(second.text)
    assert not await WebSession.exists()


async def test_form_with_a_tampered_visitor_cookie_is_refused(browser: Browser) -> None:
    rep = await make_user("rep")
    token = await browser.csrf()
    payload, signature = browser.client.cookies[VISITOR_COOKIE].rsplit(".", 1)
    browser.client.cookies.set(VISITOR_COOKIE, f"{payload}.{signature[::-1]}")

    response = await browser.client.post(
        "/login", data={"csrf_token": token, "email": rep.email, "password": PASSWORD}
    )

    assert response.status_code == 403
    assert not await WebSession.exists()


async def test_visitor_cookie_older_than_a_day_is_not_accepted(browser, monkeypatch) -> None:
    rep = await make_user("rep")
    token = await browser.csrf()
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) + DAY + 60)

    response = await browser.client.post(
        "/login", data={"csrf_token": token, "email": rep.email, "password": PASSWORD}
    )

    assert response.status_code == 403


async def test_signed_in_sessions_still_last_the_configured_days(browser) -> None:
    await browser.login(await make_user("rep"))
    row = await WebSession.get()
    assert row.expires_at > now() + timedelta(days=13)


async def test_signing_in_purges_expired_sessions(browser) -> None:
    someone, rep = await make_user("rep"), await make_user("rep")
    await WebSession.create(key_hash="a" * 64, user=someone, expires_at=now() - timedelta(hours=1))
    live = await WebSession.create(
        key_hash="b" * 64, user=someone, expires_at=now() + timedelta(hours=1)
    )

    await browser.login(rep)

    assert await WebSession.filter(user_id=someone.id).values_list("id", flat=True) == [live.id]


async def test_a_session_cookie_without_its_row_is_cleared(browser) -> None:
    await browser.login(await make_user("rep"))
    await WebSession.all().delete()

    response = await browser.get("/login")

    assert response.status_code == 200
    assert "max-age=0" in set_cookie_header(response, COOKIE).lower()
    assert COOKIE not in browser.client.cookies


def test_many_pending_single_sign_ons_keep_the_visitor_cookie_small() -> None:
    """Authlib keeps each pending sign-in's state in the session for an hour; the oldest
    are dropped rather than letting the cookie grow past what browsers keep (4 KB)."""
    cookie = VisitorCookie("test-secret")
    data = {"csrf": "t" * 43, "flash": [{"level": "error", "message": "Try again."}]}
    for n in range(12):
        data[f"_state_oidc_{n:030d}"] = {
            "data": {"url": "https://id.example/?" + secrets.token_urlsafe(300)}
        }

    value = cookie.encode(data)

    assert len(value) <= MAX_VISITOR_COOKIE
    kept = cookie.decode(value)
    assert kept["csrf"] == "t" * 43 and kept["flash"] == data["flash"]
    assert f"_state_oidc_{11:030d}" in kept, "the newest sign-in attempt is kept"
    assert f"_state_oidc_{0:030d}" not in kept

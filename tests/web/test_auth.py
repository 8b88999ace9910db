"""Signing in and out, login throttling, server-side sessions, and admin changes that must
reach a signed-in person on their very next request."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
import pytest_asyncio

from app.main import create_app
from app.settings import Settings
from app.web_sessions import COOKIE, VISITOR_COOKIE
from coaching.identity.accounts import hash_token
from coaching.identity.models import LoginThrottle, WebSession
from coaching.identity.throttle import FREE_ATTEMPTS
from coaching.models import User
from tests.factories import PASSWORD, Browser, make_user, text_of

GENERIC_LOGIN_ERROR = "That email and password don't match an active account."


def alert_of(response: httpx.Response) -> str:
    """The text of the login page's error box (the only place a login error is shown)."""
    found = re.search(r'<div class="form-errors" role="alert">(.*?)</div>', response.text, re.S)
    assert found, "the page shows no error box"
    return html.unescape(text_of(found.group(1))).strip()


@pytest_asyncio.fixture
async def admin_browser(app) -> AsyncIterator[Browser]:  # type: ignore[no-untyped-def]
    """A second, independent browser (own cookie jar) on the same app, for the admin."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield Browser(c)


def session_key(browser: Browser) -> str | None:
    return browser.client.cookies.get(COOKIE)


async def test_login_with_email_and_password_starts_a_server_side_session(browser):
    rep = await make_user("rep", name="Rosa Rep")
    await browser.get("/login")
    assert session_key(browser) is None, "a visitor has no server-side session"

    response = await browser.login(rep)

    assert response.status_code == 303
    assert response.headers["location"] == "/"
    key = session_key(browser)
    assert key, "signing in issues a fresh session key"
    row = await WebSession.get(key_hash=hash_token(key))
    assert row.user_id == rep.id
    # The cookie is only a random key: nothing about the person travels in it.
    assert rep.email not in key and str(rep.id) != key
    # The visitor's cookie (with its pre-login CSRF token) is gone.
    assert VISITOR_COOKIE not in browser.client.cookies
    home = await browser.get("/")
    assert home.status_code == 200
    assert "Welcome back, Rosa." in home.text


async def test_login_email_is_case_insensitive(browser):
    rep = await make_user("rep", email="mixed@example.com")
    response = await browser.post("/login", {"email": "  MIXED@Example.com ", "password": PASSWORD})
    assert response.status_code == 303
    assert (await browser.get("/")).status_code == 200
    assert rep.email == "mixed@example.com"


async def test_wrong_password_shows_a_clear_error_and_keeps_the_email(browser):
    rep = await make_user("rep", email="rosa@example.com")

    response = await browser.post(
        "/login", {"email": "rosa@example.com", "password": "not-the-password"}
    )

    assert response.status_code == 400
    assert "text/html" in response.headers["content-type"]
    assert alert_of(response) == GENERIC_LOGIN_ERROR
    assert 'value="rosa@example.com"' in response.text
    assert "not-the-password" not in response.text
    assert not await WebSession.filter(user_id=rep.id).exists()


async def test_login_error_does_not_say_whether_the_email_or_the_password_was_wrong(browser):
    await make_user("rep", email="known@example.com")

    wrong_password = await browser.post(
        "/login", {"email": "known@example.com", "password": "wrong-password-1"}
    )
    unknown_email = await browser.post(
        "/login", {"email": "nobody@example.com", "password": PASSWORD}
    )

    assert wrong_password.status_code == unknown_email.status_code == 400
    assert alert_of(wrong_password) == alert_of(unknown_email) == GENERIC_LOGIN_ERROR


async def test_login_right_after_five_failures_waits_a_moment_even_with_the_right_password(
    browser,
):
    rep = await make_user("rep", email="target@example.com")
    for _ in range(FREE_ATTEMPTS):
        failed = await browser.post("/login", {"email": rep.email, "password": "guess-guess-1"})
        assert failed.status_code == 400

    refused = await browser.login(rep)

    assert refused.status_code == 429
    assert alert_of(refused).startswith("Too many attempts for this account from here. Wait 1 ")
    assert 'value="target@example.com"' in refused.text
    assert not await WebSession.filter(user_id=rep.id).exists()
    assert (await browser.get("/")).status_code == 303  # still not signed in
    await LoginThrottle.filter(email=rep.email).update(next_attempt_ms=0)  # the second passed
    assert (await browser.login(rep)).status_code == 303


async def test_login_throttling_for_one_account_does_not_lock_out_others(browser):
    target = await make_user("rep", email="target@example.com")
    bystander = await make_user("rep", email="bystander@example.com")
    for _ in range(FREE_ATTEMPTS):
        await browser.post("/login", {"email": target.email, "password": "guess-guess-1"})

    assert (await browser.login(bystander)).status_code == 303


async def test_successful_login_clears_earlier_failures(browser):
    rep = await make_user("rep")
    for _ in range(FREE_ATTEMPTS - 1):
        await browser.post("/login", {"email": rep.email, "password": "guess-guess-1"})

    assert (await browser.login(rep)).status_code == 303
    assert (await LoginThrottle.get(email=rep.email)).failures == 0


async def test_logout_deletes_the_session_so_the_old_cookie_no_longer_works(browser, app):
    rep = await make_user("rep")
    await browser.login(rep)
    old_key = session_key(browser)
    assert old_key

    response = await browser.post("/logout")

    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert not await WebSession.filter(key_hash=hash_token(old_key)).exists()
    assert not await WebSession.filter(user_id=rep.id).exists()
    # Replaying the old cookie from somewhere else gets you the sign-in page, not the app.
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", cookies={COOKIE: old_key}
    ) as replay:
        home = await replay.get("/")
    assert home.status_code == 303
    assert home.headers["location"].startswith("/login")
    login_page = await browser.get("/login")
    assert "You have signed out." in login_page.text


async def test_deactivated_person_is_signed_out_on_their_next_request(browser, admin_browser):
    admin = await make_user("admin")
    rep = await make_user("rep")
    await admin_browser.login(admin)
    await browser.login(rep)
    assert (await browser.get("/")).status_code == 200

    done = await admin_browser.post(f"/admin/people/{rep.id}/active", {"active": "0"})

    assert done.status_code == 303
    next_request = await browser.get("/")
    assert next_request.status_code == 303
    assert next_request.headers["location"] == "/login?next=/"
    assert (await User.get(id=rep.id)).is_active is False
    # And they can't simply sign in again.
    await browser.get(next_request.headers["location"])
    again = await browser.login(rep)
    assert again.status_code == 400
    assert alert_of(again) == GENERIC_LOGIN_ERROR


async def test_reactivating_a_person_does_not_revive_their_old_sessions(
    browser, admin_browser, app
):
    admin = await make_user("admin")
    rep = await make_user("rep")
    await admin_browser.login(admin)
    await browser.login(rep)
    old_key = session_key(browser)

    await admin_browser.post(f"/admin/people/{rep.id}/active", {"active": "0"})
    await admin_browser.post(f"/admin/people/{rep.id}/active", {"active": "1"})

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://testserver",
        cookies={COOKIE: old_key or ""},
    ) as replay:
        assert (await replay.get("/")).status_code == 303
        fresh = Browser(replay)
        replay.cookies.clear()
        assert (await fresh.login(rep)).status_code == 303  # a fresh sign-in works again


async def test_removing_a_role_takes_effect_on_the_next_request(browser, admin_browser):
    admin = await make_user("admin")
    manager = await make_user("manager", "rep")
    await admin_browser.login(admin)
    await browser.login(manager)
    assert (await browser.get("/pairings/new")).status_code == 200

    done = await admin_browser.post(f"/admin/people/{manager.id}/roles", {"roles": ["rep"]})

    assert done.status_code == 303
    refused = await browser.get("/pairings/new")
    assert refused.status_code == 403
    assert "manager" in text_of(refused.text)
    assert (await browser.get("/")).status_code == 200  # still signed in, just as a rep


async def test_adding_a_role_takes_effect_on_the_next_request(browser, admin_browser):
    admin = await make_user("admin")
    rep = await make_user("rep")
    await admin_browser.login(admin)
    await browser.login(rep)
    assert (await browser.get("/admin/people")).status_code == 403

    await admin_browser.post(f"/admin/people/{rep.id}/roles", {"roles": ["rep", "admin"]})

    assert (await browser.get("/admin/people")).status_code == 200


@pytest.mark.parametrize("target", ["/goals", "/sessions?page=2"])
async def test_login_redirects_to_a_same_site_next_path(browser, target):
    rep = await make_user("rep")
    response = await browser.post(
        "/login", {"email": rep.email, "password": PASSWORD, "next": target}
    )
    assert response.status_code == 303
    assert response.headers["location"] == target


async def test_a_signed_out_visit_is_sent_to_login_with_next_and_back_after_signing_in(browser):
    rep = await make_user("rep")
    bounced = await browser.get("/goals")
    assert bounced.status_code == 303
    assert bounced.headers["location"] == "/login?next=/goals"
    login_page = await browser.get(bounced.headers["location"])
    assert 'name="next" value="/goals"' in login_page.text

    response = await browser.post(
        "/login", {"email": rep.email, "password": PASSWORD, "next": "/goals"}
    )

    assert response.headers["location"] == "/goals"


OFF_SITE = [
    "https://evil.example/",
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "javascript:alert(1)",
    "evil.example",
    "/\t/evil.example/",
    "http:/evil.example",
]


def stays_on_site(location: str) -> bool:
    resolved = urlsplit(urljoin("http://testserver/login", location.replace("\\", "/")))
    return resolved.scheme == "http" and resolved.netloc == "testserver"


@pytest.mark.parametrize("target", OFF_SITE)
async def test_login_refuses_to_redirect_off_site(browser, target):
    rep = await make_user("rep")
    response = await browser.post(
        "/login", {"email": rep.email, "password": PASSWORD, "next": target}
    )
    assert response.status_code == 303
    assert stays_on_site(response.headers["location"]), response.headers["location"]


@pytest.mark.parametrize("target", OFF_SITE)
async def test_login_page_never_carries_an_off_site_next(browser, target):
    page = await browser.get("/login", params={"next": target})
    assert page.status_code == 200
    assert "evil.example" not in page.text and "javascript:" not in page.text


async def test_signed_in_visit_to_login_with_off_site_next_stays_on_site(browser):
    rep = await make_user("rep")
    await browser.login(rep)
    response = await browser.get("/login", params={"next": "//evil.example/"})
    assert response.status_code == 303
    assert response.headers["location"] == "/"


async def test_session_cookie_is_httponly_and_samesite_lax(browser):
    rep = await make_user("rep")
    response = await browser.login(rep)
    cookie = response.headers["set-cookie"]
    attributes = [part.strip().lower() for part in cookie.split(";")]
    assert cookie.startswith(f"{COOKIE}=")
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert "path=/" in attributes
    assert "secure" not in attributes  # plain http in development


async def test_session_cookie_is_secure_when_served_over_https(db, database_url):
    settings = Settings(
        database_url=database_url,
        secret_key="test-secret-key-not-for-production",
        base_url="https://tandem.example",
    )
    app = create_app(settings, manage_db=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://tandem.example") as client:
        response = await client.get("/login")
    attributes = [p.strip().lower() for p in response.headers["set-cookie"].split(";")]
    assert "secure" in attributes and "httponly" in attributes and "samesite=lax" in attributes


async def test_password_is_stored_as_argon2id(browser):
    rep = await make_user("rep")
    stored = (await User.get(id=rep.id)).password_hash or ""
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert (await browser.login(rep)).status_code == 303  # and that hash verifies at login


async def test_session_cookie_with_a_forged_signature_is_treated_as_signed_out(browser, app):
    user = await make_user("rep")
    await browser.login(user)
    cookie = browser.client.cookies[COOKIE]
    key, signature = cookie.rsplit(".", 1)
    forged = f"{key}.{'A' * len(signature)}"
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        other.cookies.set(COOKIE, forged)
        response = await other.get("/")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert (await browser.get("/")).status_code == 200  # the genuine cookie still works


async def test_session_cookie_signed_with_another_secret_key_is_refused(browser, db, settings):
    user = await make_user("rep")
    await browser.login(user)
    cookie = browser.client.cookies[COOKIE]
    rekeyed = create_app(
        Settings(database_url=settings.database_url, secret_key="another-key"), manage_db=False
    )
    transport = httpx.ASGITransport(app=rekeyed)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        other.cookies.set(COOKIE, cookie)
        response = await other.get("/")
    assert response.status_code == 303

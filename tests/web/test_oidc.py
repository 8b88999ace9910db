"""Single sign-on end to end against a real OpenID provider (oidc-provider-mock in a thread).

One httpx client plays the browser: requests to http://testserver go to Tandem in-process,
everything else (the provider) over real HTTP; Tandem itself talks to the provider over HTTP
for discovery, the token exchange and the signing keys.
"""

from __future__ import annotations

import contextlib
import html
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import replace
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import pytest
import pytest_asyncio
from starlette.applications import Starlette

from app.main import create_app
from app.settings import OidcSettings, Settings
from app.web_sessions import VISITOR_COOKIE
from coaching.identity.accounts import hash_token
from coaching.identity.models import WebSession
from coaching.models import User
from tests.factories import csrf_from_page, make_user, text_of
from tests.web.oidc_provider import Provider, running_provider
from tests.web.test_long_input import assert_log_records_are_bounded

TANDEM = "http://testserver"
CALLBACK = f"{TANDEM}/login/sso/callback"
SSO_LABEL = "Sign in with Acme ID"
NOT_COMPLETED = "Single sign-on didn't complete"
NOT_VERIFIED = "Your identity provider didn't confirm your email address"

# The mock provider (in its server thread) uses an Authlib API Authlib now deprecates.
pytestmark = pytest.mark.filterwarnings("ignore:get_jwt_config:DeprecationWarning")


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider() as running:
        yield running


def oidc_settings(provider: Provider) -> OidcSettings:
    return OidcSettings(
        issuer=provider.issuer,
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        label=SSO_LABEL,
    )


@pytest.fixture
def sso_app(db, settings: Settings, provider: Provider) -> Starlette:  # type: ignore[no-untyped-def]
    return create_app(replace(settings, oidc=oidc_settings(provider)), manage_db=False)


@contextlib.asynccontextmanager
async def open_browser(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    mounts = {TANDEM: httpx.ASGITransport(app=app), "all://": httpx.AsyncHTTPTransport()}
    async with httpx.AsyncClient(mounts=mounts, base_url=TANDEM) as client:
        yield client


@pytest_asyncio.fixture
async def browser_sso(sso_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with open_browser(sso_app) as client:
        yield client


def page_text(response: httpx.Response) -> str:
    return html.unescape(text_of(response.text))


async def sign_in_at_provider(
    client: httpx.AsyncClient, provider: Provider, sub: str, *, action: str | None = None
) -> str:
    """Press the SSO button, sign in at the provider as `sub`; return the callback URL."""
    start = await client.get("/login/sso")
    assert start.status_code == 302
    authorize_url = start.headers["location"]
    assert provider.owns(authorize_url)
    assert dict(parse_qsl(urlsplit(authorize_url).query))["state"]

    form = await client.get(authorize_url)
    assert form.status_code == 200 and 'name="sub"' in form.text

    data = {"action": action} if action else {"sub": sub}
    consent = await client.post(authorize_url, data=data)
    assert consent.status_code == 302
    callback_url = consent.headers["location"]
    assert callback_url.startswith(CALLBACK + "?")
    return callback_url


async def return_to_tandem(client: httpx.AsyncClient, callback_url: str) -> httpx.Response:
    """Follow the provider's redirect back to Tandem; the callback always redirects, never fails."""
    response = await client.get(callback_url)
    assert response.status_code == 303, response.text[:500]
    return await client.get(response.headers["location"])


def with_query(url: str, change: Callable[[dict[str, str]], None]) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    change(query)
    return urlunsplit(parts._replace(query=urlencode(query)))


async def assert_refused(client: httpx.AsyncClient, landing: httpx.Response, message: str) -> None:
    assert str(landing.url) == f"{TANDEM}/login"
    assert landing.status_code == 200
    assert message in page_text(landing)
    assert SSO_LABEL in page_text(landing)  # they can try again from the same page
    home = await client.get("/")
    assert home.status_code == 303 and home.headers["location"].startswith("/login")
    assert not await WebSession.filter(user_id__isnull=False).exists()


async def make_sso_user(name: str = "Sunita Sharma", email: str = "sunita@example.com") -> User:
    return await make_user("rep", name=name, email=email)


# --- success ---------------------------------------------------------------------------


async def test_sso_signs_in_person_whose_verified_email_matches_an_account(
    browser_sso: httpx.AsyncClient, provider: Provider
) -> None:
    user = await make_sso_user()
    sub = provider.add_person(email="sunita@example.com", email_verified=True, name="S. Sharma")

    callback_url = await sign_in_at_provider(browser_sso, provider, sub)
    assert VISITOR_COOKIE in browser_sso.cookies, "the pending sign-in lives in the cookie"
    assert not await WebSession.exists(), "and costs no row before sign-in"
    landing = await return_to_tandem(browser_sso, callback_url)

    assert str(landing.url) == f"{TANDEM}/"
    assert landing.status_code == 200
    text = page_text(landing)
    assert "Sunita Sharma" in text
    assert "Welcome back, Sunita." in text
    # The browser's cookie now names a session row for this person...
    key = browser_sso.cookies["tandem_session"]
    row = await WebSession.get(key_hash=hash_token(key))
    assert row.user_id == user.id
    assert await WebSession.filter(user_id=user.id).count() == 1
    # ...a fresh one: the visitor's cookie (which held the OIDC state) is gone.
    assert VISITOR_COOKIE not in browser_sso.cookies
    assert not any(k.startswith("_state_") for k in row.data)


async def test_sso_matches_account_email_ignoring_case(
    browser_sso: httpx.AsyncClient, provider: Provider
) -> None:
    user = await make_sso_user()
    sub = provider.add_person(email="Sunita@Example.COM", email_verified=True)

    landing = await return_to_tandem(
        browser_sso, await sign_in_at_provider(browser_sso, provider, sub)
    )

    assert str(landing.url) == f"{TANDEM}/"
    assert "Sunita Sharma" in page_text(landing)
    assert await WebSession.filter(user_id=user.id).exists()


# --- refusals --------------------------------------------------------------------------


async def test_sso_refuses_email_without_a_tandem_account(
    browser_sso: httpx.AsyncClient, provider: Provider
) -> None:
    await make_sso_user()
    sub = provider.add_person(email="stranger@example.com", email_verified=True)

    landing = await return_to_tandem(
        browser_sso, await sign_in_at_provider(browser_sso, provider, sub)
    )

    await assert_refused(
        browser_sso,
        landing,
        "There's no active Tandem account for stranger@example.com. Ask an admin to invite you.",
    )


@pytest.mark.parametrize(
    "claims",
    [
        {"email": "sunita@example.com", "email_verified": False},
        {"email": "sunita@example.com"},
        {"email_verified": True},
    ],
    ids=["email_verified-false", "email_verified-absent", "no-email"],
)
async def test_sso_refuses_unverified_email(
    browser_sso: httpx.AsyncClient, provider: Provider, claims: dict[str, object]
) -> None:
    await make_sso_user()
    sub = provider.add_person(**claims)

    landing = await return_to_tandem(
        browser_sso, await sign_in_at_provider(browser_sso, provider, sub)
    )

    await assert_refused(browser_sso, landing, NOT_VERIFIED)


async def test_sso_refuses_an_email_claim_longer_than_an_account_can_have(
    browser_sso: httpx.AsyncClient, provider: Provider
) -> None:
    long_email = "s" * 243 + "@example.com"
    sub = provider.add_person(email=long_email, email_verified=True)

    landing = await return_to_tandem(
        browser_sso, await sign_in_at_provider(browser_sso, provider, sub)
    )

    await assert_refused(
        browser_sso,
        landing,
        "Your identity provider gave an email address of 255 characters; "
        "Tandem accounts have at most 254.",
    )
    assert long_email not in landing.text


async def test_sso_refusal_logs_a_bounded_line_whatever_the_callback_error_says(
    browser_sso: httpx.AsyncClient, provider: Provider, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    callback_url = await sign_in_at_provider(browser_sso, provider, "", action="deny")
    noisy = with_query(callback_url, lambda q: q.update(error="x" * 20_000))

    landing = await return_to_tandem(browser_sso, noisy)

    await assert_refused(browser_sso, landing, NOT_COMPLETED)
    refusals = [r for r in caplog.records if r.name == "tandem.oidc"]
    assert refusals, "the refusal is logged"
    assert_log_records_are_bounded(caplog)


async def test_sso_refuses_deactivated_account(
    browser_sso: httpx.AsyncClient, provider: Provider
) -> None:
    user = await make_sso_user()
    user.is_active = False
    await user.save(update_fields=["is_active"])
    sub = provider.add_person(email="sunita@example.com", email_verified=True)

    landing = await return_to_tandem(
        browser_sso, await sign_in_at_provider(browser_sso, provider, sub)
    )

    await assert_refused(
        browser_sso, landing, "There's no active Tandem account for sunita@example.com."
    )


@pytest.mark.parametrize(
    "tamper",
    [
        lambda q: q.update(state=q["state"][:-4] + "AAAA"),
        lambda q: q.pop("state"),
        lambda q: q.update(state=""),
    ],
    ids=["tampered-state", "missing-state", "empty-state"],
)
async def test_sso_refuses_callback_with_bad_state(
    browser_sso: httpx.AsyncClient,
    provider: Provider,
    tamper: Callable[[dict[str, str]], None],
) -> None:
    await make_sso_user()
    sub = provider.add_person(email="sunita@example.com", email_verified=True)
    callback_url = await sign_in_at_provider(browser_sso, provider, sub)

    landing = await return_to_tandem(browser_sso, with_query(callback_url, tamper))

    await assert_refused(browser_sso, landing, NOT_COMPLETED)


async def test_sso_refuses_callback_with_forged_code(
    browser_sso: httpx.AsyncClient, provider: Provider
) -> None:
    await make_sso_user()
    sub = provider.add_person(email="sunita@example.com", email_verified=True)
    callback_url = await sign_in_at_provider(browser_sso, provider, sub)

    forged = with_query(callback_url, lambda q: q.update(code="not-a-code-the-provider-issued"))
    landing = await return_to_tandem(browser_sso, forged)

    await assert_refused(browser_sso, landing, NOT_COMPLETED)


async def test_sso_refuses_callback_started_in_another_browser(
    sso_app: Starlette, provider: Provider
) -> None:
    """Login CSRF: an attacker's callback URL must not sign a victim in as the attacker."""
    await make_sso_user(name="Mallory Attacker", email="mallory@example.com")
    sub = provider.add_person(email="mallory@example.com", email_verified=True)
    async with open_browser(sso_app) as attacker, open_browser(sso_app) as victim:
        callback_url = await sign_in_at_provider(attacker, provider, sub)
        await victim.get("/login")

        landing = await return_to_tandem(victim, callback_url)

        await assert_refused(victim, landing, NOT_COMPLETED)


async def test_sso_callback_cannot_be_replayed(
    browser_sso: httpx.AsyncClient, provider: Provider
) -> None:
    await make_sso_user()
    sub = provider.add_person(email="sunita@example.com", email_verified=True)
    callback_url = await sign_in_at_provider(browser_sso, provider, sub)
    response = await browser_sso.get(callback_url)
    assert response.headers["location"] == "/"
    await browser_sso.post("/logout", data={"csrf_token": await _csrf(browser_sso)})
    assert not await WebSession.filter(user_id__isnull=False).exists()

    landing = await return_to_tandem(browser_sso, callback_url)

    await assert_refused(browser_sso, landing, NOT_COMPLETED)


async def test_sso_refuses_when_person_denies_at_provider(
    browser_sso: httpx.AsyncClient, provider: Provider
) -> None:
    await make_sso_user()
    callback_url = await sign_in_at_provider(browser_sso, provider, "", action="deny")
    assert dict(parse_qsl(urlsplit(callback_url).query))["error"] == "access_denied"

    landing = await return_to_tandem(browser_sso, callback_url)

    await assert_refused(browser_sso, landing, NOT_COMPLETED)


# --- configuration ---------------------------------------------------------------------


async def test_sso_callback_address_comes_from_the_base_url_not_the_request(
    db, settings: Settings, provider: Provider
) -> None:  # type: ignore[no-untyped-def]
    public = "https://tandem.example.com"
    app = create_app(
        replace(settings, base_url=public, oidc=oidc_settings(provider)), manage_db=False
    )
    transport = httpx.ASGITransport(app=app)
    # What a TLS-terminating proxy forwards: plain HTTP on another port.
    async with httpx.AsyncClient(
        transport=transport, base_url="http://tandem.example.com:8080"
    ) as c:
        start = await c.get("/login/sso")

    assert start.status_code == 302
    query = dict(parse_qsl(urlsplit(start.headers["location"]).query))
    assert query["redirect_uri"] == f"{public}/login/sso/callback"


async def test_login_page_shows_sso_button_when_oidc_is_configured(
    browser_sso: httpx.AsyncClient,
) -> None:
    page = await browser_sso.get("/login")

    assert page.status_code == 200
    assert 'href="/login/sso"' in page.text or f'href="{TANDEM}/login/sso"' in page.text
    assert SSO_LABEL in page_text(page)


async def test_login_page_has_no_sso_button_without_oidc_settings(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/login")

    assert page.status_code == 200
    assert "/login/sso" not in page.text
    assert "Single sign-on" not in page_text(page)


@pytest.mark.parametrize("path", ["/login/sso", "/login/sso/callback?code=x&state=y"])
async def test_sso_urls_send_people_to_password_login_without_oidc_settings(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 303 and response.headers["location"] == "/login"

    page = await client.get("/login")

    assert "Single sign-on isn't set up here. Sign in with your password." in page_text(page)


async def _csrf(client: httpx.AsyncClient) -> str:
    return await csrf_from_page(client)

"""With TANDEM_BASE_URL set, absolute URLs come from it and never from the request's Host
header, and requests addressed to any other host are refused (except the health check)."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest
from starlette.applications import Starlette

from app.main import create_app
from app.settings import Settings
from coaching.identity.models import Invitation
from tests.factories import make_user, open_browser, text_of
from tests.web.test_invitations import link_on

BASE = "https://tandem.example.com"
# The public host name reached on another port (as a proxy may pass it on): a URL built
# from the request would carry the port; one built from the base URL does not.
BEHIND_PROXY = "https://tandem.example.com:8443"
INVITE = {"name": "Nina New", "email": "nina@example.com", "roles": ["rep"]}


@pytest.fixture
def public_app(db, settings: Settings) -> Starlette:  # type: ignore[no-untyped-def]
    return create_app(replace(settings, base_url=BASE), manage_db=False)


async def test_invitation_link_comes_from_the_base_url_not_the_request(public_app) -> None:
    async with open_browser(public_app, base_url=BEHIND_PROXY) as admin:
        await admin.login(await make_user("admin"))
        page = await admin.post("/admin/invite", INVITE)

    assert page.status_code == 200
    assert link_on(page).startswith(f"{BASE}/invitations/")


async def test_redirect_locations_and_page_links_come_from_the_base_url(public_app) -> None:
    async with open_browser(public_app, base_url=BEHIND_PROXY) as rep:
        await rep.login(await make_user("rep"))
        saved = await rep.post("/goals", {"title": "Ask more open questions"})
        page = await rep.get("/goals")

    assert saved.status_code == 303
    assert saved.headers["location"] == f"{BASE}/goals"
    assert f'href="{BASE}/static/tandem.css"' in page.text
    assert BEHIND_PROXY not in page.text


@pytest.mark.parametrize("host", ["evil.example", "tandem.example.com.evil.example", ""])
async def test_request_for_another_host_is_refused_with_a_clear_message(
    public_app, host: str
) -> None:
    async with open_browser(public_app) as browser:
        response = await browser.get("/login", headers={"host": host})

    assert response.status_code == 400
    assert f"Tandem is served at {BASE}" in text_of(response.text)
    assert "set-cookie" not in response.headers
    if host:
        assert host not in response.text, "nothing on the page is built from the forged host"


async def test_forged_host_cannot_get_an_invitation_link_made(public_app) -> None:
    async with open_browser(public_app, base_url=BASE) as admin:
        await admin.login(await make_user("admin"))
        token = await admin.csrf()
        response = await admin.client.post(
            "/admin/invite", data={"csrf_token": token, **INVITE}, headers={"host": "evil.example"}
        )

    assert response.status_code == 400
    assert "evil.example" not in response.text
    assert not await Invitation.exists()


async def test_health_check_answers_a_probe_sent_to_the_server_own_address(public_app) -> None:
    """Load balancers and orchestrators probe a backend by its IP address, not its name."""
    transport = httpx.ASGITransport(app=public_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://10.0.3.7:8000") as probe:
        response = await probe.get("/healthz")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"


async def test_without_a_base_url_development_follows_the_request_address(browser) -> None:
    response = await browser.client.get("/login", headers={"host": "localhost:8000"})

    assert response.status_code == 200
    assert 'action="http://localhost:8000/login"' in response.text

"""Pages and redirects are never kept by browser or proxy caches: they carry a person's data
and a CSRF token. Static files stay cacheable."""

from __future__ import annotations

from tests.factories import make_user


async def test_signed_in_page_is_sent_with_no_store(browser) -> None:
    await browser.login(await make_user("rep"))

    response = await browser.get("/")

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"


async def test_redirect_for_a_signed_in_person_is_sent_with_no_store(browser) -> None:
    await browser.login(await make_user("rep"))

    response = await browser.post("/goals", {"title": "Ask more open questions"})

    assert response.status_code == 303
    assert response.headers["cache-control"] == "no-store"


async def test_sign_in_redirect_and_sign_in_page_are_sent_with_no_store(browser) -> None:
    page = await browser.get("/login")
    signed_in = await browser.login(await make_user("rep"))

    assert page.headers["cache-control"] == "no-store"
    assert signed_in.status_code == 303 and signed_in.headers["cache-control"] == "no-store"


async def test_static_files_stay_cacheable(client) -> None:
    response = await client.get("/static/tandem.css")

    assert response.status_code == 200
    assert "no-store" not in response.headers.get("cache-control", "")

"""Web basics: health check, error pages, flash messages, forms that keep input, and an
accessible layout (landmarks, skip link, a label for every field)."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from starlette.requests import Request
from tortoise.context import TortoiseContext

from app.access import PUBLIC, SIGNED_IN, page
from app.main import create_app
from app.settings import Settings, tortoise_config
from coaching.models import CoachingSession, Goal
from tests.conftest import PG_BASE_URL
from tests.factories import Browser, make_pairing, make_user, text_of

TRACEBACK_MARKERS = ("Traceback", 'File "', 'py", line', "RuntimeError", "raise ")


# --- /healthz ---------------------------------------------------------------------------


async def test_healthz_answers_200_when_the_database_is_reachable(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "reachable"}
    assert "set-cookie" not in response.headers  # probes don't create sessions


def _unreachable_database_url(tmp_path: Path) -> str:
    """A real database address nothing answers at, for the backend this run tests."""
    if PG_BASE_URL:
        with socket.socket() as probe:  # a port that was free a moment ago: connection refused
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        return f"postgres://postgres@127.0.0.1:{port}/tandem"
    return f"sqlite://{tmp_path / 'no-such-directory' / 'tandem.sqlite3'}"


async def test_healthz_answers_503_when_the_database_is_unreachable(tmp_path):
    url = _unreachable_database_url(tmp_path)
    threads_before = set(threading.enumerate())
    async with TortoiseContext() as ctx:
        await ctx.init(config=tortoise_config(url))
        app = create_app(Settings(database_url=url, secret_key="test"), manage_db=False)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            response = await c.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable"}
    # aiosqlite stops the worker thread of a failed connect without awaiting it: let it end
    # while this test's event loop is still open, or it warns about a closed loop later.
    for thread in set(threading.enumerate()) - threads_before:
        await asyncio.to_thread(thread.join, 1)


# --- error pages ------------------------------------------------------------------------


def assert_friendly_error_page(response: httpx.Response, status: int, *phrases: str) -> None:
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    text = text_of(response.text).replace("&#39;", "'")
    for phrase in phrases:
        assert phrase in text, phrase
    for marker in TRACEBACK_MARKERS:
        assert marker not in text, marker
    assert 'href="/"' in response.text  # a way onwards


async def test_unknown_url_gets_a_404_page_saying_what_happened_and_what_to_do(browser):
    rep = await make_user("rep")
    await browser.login(rep)
    response = await browser.get("/no/such/page")
    assert_friendly_error_page(
        response,
        404,
        "Page not found",
        "There's nothing at this address.",
        "The link may be old",
    )


async def test_unknown_url_gets_the_404_page_when_signed_out_too(client):
    response = await client.get("/no/such/page")
    assert_friendly_error_page(response, 404, "Page not found")


async def test_forbidden_action_gets_a_403_page_saying_what_happened_and_what_to_do(browser):
    rep = await make_user("rep")
    await browser.login(rep)
    response = await browser.get("/admin/people")
    assert_friendly_error_page(
        response,
        403,
        "Not allowed",
        "You can't run the organisation: people, invitations, the audit log (allowed: admins).",
        "ask the person who runs Tandem in your team",
    )


async def test_form_posted_without_its_token_gets_a_403_page_not_a_crash(browser):
    rep = await make_user("rep")
    await browser.login(rep)
    response = await browser.client.post("/goals", data={"title": "No token"})
    assert_friendly_error_page(response, 403, "Go back, reload the page and try again.")
    assert not await Goal.exists()


@pytest_asyncio.fixture
async def crashing_app(db, settings):  # type: ignore[no-untyped-def]
    """A test-only app instance with one extra route that fails unexpectedly."""

    async def boom(request: Request):  # type: ignore[no-untyped-def]
        raise RuntimeError("secret internal detail: password=hunter2")

    app = create_app(settings, manage_db=False)
    app.router.routes.append(page("/boom", boom, name="test:boom", access=PUBLIC))
    app.router.routes.append(page("/me/boom", boom, name="test:me_boom", access=SIGNED_IN))
    return app


@pytest_asyncio.fixture
async def crash_client(crashing_app) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    # raise_app_exceptions=False: Starlette re-raises after sending the 500 page, as a server
    # would log it; the test looks at what the visitor receives.
    transport = httpx.ASGITransport(app=crashing_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def test_unexpected_exception_gives_a_500_page_without_traceback(crash_client, caplog):
    with caplog.at_level(logging.ERROR, logger="tandem"):
        response = await crash_client.get("/boom")

    assert_friendly_error_page(
        response, 500, "Something went wrong", "Something broke on our side."
    )
    assert "hunter2" not in response.text and "secret internal detail" not in response.text
    assert "Unhandled error on GET /boom" in caplog.text  # "It has been logged" is true
    # Like every other page, it can't be framed and runs no inline or foreign script.
    assert response.headers["x-frame-options"] == "DENY"
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_unexpected_exception_for_a_signed_in_person_gives_the_same_500_page(crash_client):
    rep = await make_user("rep")
    browser = Browser(crash_client)
    await browser.login(rep)
    response = await crash_client.get("/me/boom")
    assert_friendly_error_page(response, 500, "Something went wrong")
    assert "hunter2" not in response.text


# --- flash messages ---------------------------------------------------------------------


async def test_flash_message_appears_once_and_is_then_gone(browser):
    rep = await make_user("rep")
    await browser.login(rep)

    added = await browser.post("/goals", {"title": "Open calls with a question"})
    assert added.status_code == 303
    first = await browser.get("/goals")
    second = await browser.get("/goals")

    message = "Goal added. It's private until you share it."
    assert message in first.text.replace("&#39;", "'")
    assert 'role="status"' in first.text
    assert message not in second.text.replace("&#39;", "'")
    assert "Open calls with a question" in second.text  # the goal itself stays, of course


# --- forms keep input and show each field's error ---------------------------------------


async def test_goal_with_empty_title_keeps_the_other_input_and_marks_the_field(browser):
    rep = await make_user("rep")
    await browser.login(rep)

    response = await browser.post(
        "/goals", {"title": "   ", "detail": "Because discovery matters", "target_date": ""}
    )

    assert response.status_code == 400
    assert "Goal is required." in response.text
    assert 'id="title-error"' in response.text
    assert 'aria-invalid="true" aria-describedby="title-error"' in response.text
    assert "Because discovery matters</textarea>" in response.text
    assert not await Goal.exists()


async def test_scheduling_with_a_bad_time_keeps_input_and_shows_each_fields_error(browser):
    manager = await make_user("manager")
    rep = await make_user("rep")
    pairing = await make_pairing(manager, rep)
    await browser.login(manager)

    response = await browser.post(
        f"/pairings/{pairing.id}/sessions/new",
        {"title": "Pipeline review", "date": "2099-03-14", "time": "25:99", "duration": "999"},
    )

    assert response.status_code == 400
    assert "Enter a time like 09:30." in response.text
    assert "Choose between" in response.text and "minutes." in response.text
    for kept in ('value="Pipeline review"', 'value="2099-03-14"', 'value="25:99"', 'value="999"'):
        assert kept in response.text, kept
    assert 'aria-describedby="time-error"' in response.text
    assert 'aria-describedby="duration-error"' in response.text
    assert 'aria-describedby="date-error"' not in response.text  # the date was fine
    assert not await CoachingSession.exists()


# --- layout and labels ------------------------------------------------------------------

FIELD_TAGS = {"input", "select", "textarea"}
UNLABELLED_INPUT_TYPES = {"hidden", "submit", "button", "reset", "image"}


class PageStructure(HTMLParser):
    """Collects landmarks, the first link in <body>, ids, labels and form fields."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.ids: dict[str, str] = {}
        self.label_for: set[str] = set()
        self.first_body_link: dict[str, str] | None = None
        self.seen_body_content = False
        self.fields: list[tuple[str, dict[str, str], bool]] = []  # tag, attrs, inside a label
        self._label_depth = 0
        self._in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.append(tag)
        if "id" in a:
            self.ids[a["id"]] = tag
        if tag == "body":
            self._in_body = True
        elif self._in_body and not self.seen_body_content:
            self.seen_body_content = True
            if tag == "a":
                self.first_body_link = a
        if tag == "label":
            self._label_depth += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        if tag in FIELD_TAGS:
            if tag == "input" and a.get("type", "text") in UNLABELLED_INPUT_TYPES:
                return
            self.fields.append((tag, a, self._label_depth > 0))

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._label_depth = max(self._label_depth - 1, 0)

    def unlabelled(self) -> list[str]:
        missing = []
        for tag, a, wrapped in self.fields:
            labelled = (
                wrapped
                or (a.get("id") and a["id"] in self.label_for)
                or a.get("aria-label", "").strip()
                or a.get("aria-labelledby")
            )
            if not labelled:
                missing.append(f"<{tag} name={a.get('name')!r} id={a.get('id')!r}>")
        return missing


def structure_of(response: httpx.Response) -> PageStructure:
    assert response.status_code == 200, response.status_code
    parser = PageStructure()
    parser.feed(response.text)
    return parser


def assert_skip_link_to_main(parsed: PageStructure) -> None:
    link = parsed.first_body_link
    assert link is not None, "the first thing in <body> should be the skip link"
    assert link.get("href", "").startswith("#")
    assert parsed.ids.get(link["href"][1:]) == "main", "the skip link must point at <main>"


async def test_login_page_has_landmarks_a_skip_link_and_labelled_fields(client):
    parsed = structure_of(await client.get("/login"))
    for landmark in ("header", "main", "footer"):
        assert parsed.tags.count(landmark) == 1, landmark
    assert_skip_link_to_main(parsed)
    assert parsed.fields, "the login form has fields"
    assert parsed.unlabelled() == []


async def _signed_in_pages(browser) -> list[str]:  # type: ignore[no-untyped-def]
    admin = await make_user("admin", "manager", "trainer")
    rep = await make_user("rep")
    pairing = await make_pairing(admin, rep)
    await browser.login(admin)
    return [
        "/",
        "/goals",
        "/journal",
        "/account",
        "/sessions",
        "/pairings",
        "/pairings/new",
        f"/pairings/{pairing.id}/sessions/new",
        "/admin/people",
        "/admin/invite",
        "/admin/audit",
        "/account/password",
        "/account/changes",
    ]


async def test_signed_in_pages_have_header_nav_main_footer_and_a_skip_link(browser):
    for url in await _signed_in_pages(browser):
        parsed = structure_of(await browser.get(url))
        for landmark in ("header", "nav", "main", "footer"):
            assert landmark in parsed.tags, f"{url} has no <{landmark}>"
        assert parsed.tags.count("main") == 1, url
        assert_skip_link_to_main(parsed)


async def test_every_form_field_has_a_label(browser):
    problems = {}
    for url in await _signed_in_pages(browser):
        missing = structure_of(await browser.get(url)).unlabelled()
        if missing:
            problems[url] = missing
    assert problems == {}


@pytest.mark.parametrize("url", ["/no/such/page"])
async def test_error_pages_keep_the_layout_landmarks(client, url):
    response = await client.get(url)
    parser = PageStructure()
    parser.feed(response.text)
    for landmark in ("header", "main", "footer"):
        assert landmark in parser.tags
    assert_skip_link_to_main(parser)

"""The private calendar link: made, replaced and turned off on the account page, and read
by a calendar app (no sign-in) with nothing but the token in its URL."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from urllib.parse import urlsplit

import pytest
from starlette.applications import Starlette

from app.main import create_app
from app.settings import Settings
from app.urls import route_path
from coaching.calendars import CalendarSite
from coaching.identity.models import CalendarFeed
from tests.calendar_parsing import parse_calendar
from tests.factories import Browser, make_pairing, make_session, make_user, open_browser

BASE = "https://tandem.example.com"


def calendar_link_on(page: str) -> str:
    found = re.search(r'<input id="calendar-link"[^>]* value="([^"]+)"', page)
    assert found, "the page shows no calendar link"
    return html.unescape(found.group(1))


async def made_link(browser: Browser, button_path: str = "/account/calendar") -> str:
    response = await browser.post(button_path)
    assert response.status_code == 200
    return calendar_link_on(response.text)


def path_of(link: str) -> str:
    return urlsplit(link).path


async def test_account_page_offers_to_create_the_link_and_says_what_it_shows(browser) -> None:
    await browser.login(await make_user("rep"))
    page = await browser.get("/account")
    assert "Create my calendar link" in page.text
    assert "Anyone who has the link sees the titles and times of your sessions" in page.text
    assert 'id="calendar-link"' not in page.text


async def test_the_link_is_shown_once_then_only_its_buttons(browser) -> None:
    rep = await make_user("rep")
    await browser.login(rep)
    link = await made_link(browser)

    assert re.fullmatch(r"http://testserver/calendar/cal_[\w-]{43}\.ics", link)
    again = await browser.get("/account")
    assert "Make a new link" in again.text and "Turn it off" in again.text
    assert path_of(link) not in again.text  # only a hash is kept: it can't be shown again
    row = await CalendarFeed.get(user_id=rep.id)
    assert path_of(link).removeprefix("/calendar/").removesuffix(".ics") != row.token_hash


async def test_the_feed_serves_the_persons_sessions_to_a_calendar_without_sign_in(
    browser, client
) -> None:
    coach, rep = await make_user("manager", name="Maya Okafor"), await make_user("rep")
    session = await make_session(await make_pairing(coach, rep))
    others = await make_session(await make_pairing(await make_user("manager"), await make_user()))
    await browser.login(rep)
    link = await made_link(browser)

    response = await client.get(path_of(link))  # a calendar app: no cookie, no sign-in

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["cache-control"] == "private, no-store"
    assert "set-cookie" not in response.headers
    parsed = parse_calendar(response.content)
    uids = {str(e["UID"]) for e in parsed.events()}
    assert uids == {v.uid.value for v in parsed.vevents()} == {f"session-{session.id}@testserver"}
    assert f"session-{others.id}@" not in response.text
    assert "Maya Okafor" in parsed.vevents()[0].description.value
    head = await client.head(path_of(link))
    assert head.status_code == 200


async def test_a_new_link_ends_the_old_one_and_turning_it_off_ends_both(browser, client) -> None:
    await browser.login(await make_user("rep"))
    old = await made_link(browser)
    new = await made_link(browser)
    assert old != new
    assert (await client.get(path_of(old))).status_code == 404
    assert (await client.get(path_of(new))).status_code == 200

    off = await browser.post("/account/calendar/off")
    assert off.status_code == 303
    page = await browser.get("/account")
    assert "Your calendar link is turned off" in page.text
    assert "Create my calendar link" in page.text
    assert (await client.get(path_of(new))).status_code == 404


@pytest.mark.parametrize(
    "path", ["/calendar/cal_nope.ics", "/calendar/x.ics", "/calendar/" + "a" * 300 + ".ics"]
)
async def test_a_wrong_token_is_a_plain_404_that_tells_nothing(browser, client, path) -> None:
    await browser.login(await make_user("rep"))
    await made_link(browser)
    response = await client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/plain")
    assert "BEGIN:VCALENDAR" not in response.text


async def test_a_signed_in_browser_gets_nothing_without_the_token(browser) -> None:
    await browser.login(await make_user("rep"))
    await made_link(browser)
    assert (await browser.get("/calendar/cal_guess.ics")).status_code == 404


async def test_each_persons_link_shows_their_own_sessions_only(app) -> None:
    coach = await make_user("manager")
    rosa, sam = await make_user("rep"), await make_user("rep")
    rosas = await make_session(await make_pairing(coach, rosa))
    sams = await make_session(await make_pairing(await make_user("manager"), sam))
    links = {}
    for person in (rosa, sam, coach):
        async with open_browser(app) as browser:
            await browser.login(person)
            links[person.id] = await made_link(browser)
    async with open_browser(app) as calendar_app:
        feeds = {pid: (await calendar_app.get(path_of(link))).text for pid, link in links.items()}

    assert f"session-{rosas.id}@" in feeds[rosa.id] and f"session-{sams.id}@" not in feeds[rosa.id]
    assert f"session-{sams.id}@" in feeds[sam.id] and f"session-{rosas.id}@" not in feeds[sam.id]
    assert (
        f"session-{rosas.id}@" in feeds[coach.id] and f"session-{sams.id}@" not in feeds[coach.id]
    )


@pytest.fixture
def public_app(db, settings: Settings) -> Starlette:  # type: ignore[no-untyped-def]
    return create_app(replace(settings, base_url=BASE), manage_db=False)


async def test_link_uids_and_session_urls_come_from_the_base_url(public_app) -> None:
    rep = await make_user("rep")
    session = await make_session(await make_pairing(await make_user("manager"), rep))
    async with open_browser(public_app, base_url=f"{BASE}:8443") as browser:
        await browser.login(rep)
        link = await made_link(browser)
        feed = (await browser.client.get(path_of(link))).content

    assert link.startswith(f"{BASE}/calendar/")
    [event] = parse_calendar(feed).vevents()
    assert event.uid.value == f"session-{session.id}@tandem.example.com"
    assert event.url.value == f"{BASE}/sessions/{session.id}"


def test_the_calendars_session_link_is_the_session_page_route(app) -> None:
    """coaching/calendars.py can't import the URL table (the domain knows no HTTP): this
    keeps its link to the session page in step with the route."""
    expected = BASE + route_path(app.router, "sessions:detail", id=7)
    assert CalendarSite(BASE).session_url(7) == expected

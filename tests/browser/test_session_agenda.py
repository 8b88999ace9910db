"""A rep prepares her next coaching session in a real browser, by mouse and by keyboard."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from app.demo import DEMO_PASSWORD
from tests.browser.conftest import LiveServer, artifact, sign_in

pytestmark = pytest.mark.browser

ROSA = "rosa@example.com"
SESSION_URL = re.compile(r"/sessions/\d+$")


def focused(page: Page, script: str) -> object:
    """Evaluate `script` with `el` bound to the focused element."""
    return page.evaluate(f"(() => {{ const el = document.activeElement; return {script}; }})()")


def tab_until(page: Page, script: str, limit: int = 40) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused(page, script):
            return
    raise AssertionError(f"Tab never reached an element where {script}")


def test_rep_adds_an_agenda_item_to_her_next_session(live_server: LiveServer, new_page) -> None:
    page = new_page()
    sign_in(page, live_server, ROSA)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Rosa")

    upcoming = page.get_by_role("region", name="Upcoming sessions")
    next_session = upcoming.get_by_role("link").filter(has_text="Weekly coaching").first
    expect(next_session).to_contain_text("Maya Okafor")
    next_session.click()

    expect(page).to_have_url(SESSION_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Weekly coaching")
    agenda = page.get_by_role("region", name="Agenda")
    items = agenda.locator(".agenda-text")
    expect(items.first).to_have_text("Prepare the Northwind renewal call")
    before = items.count()

    page.get_by_label("Add an agenda item").fill("Review the Globex pilot proposal")
    page.get_by_role("button", name="Add", exact=True).click()

    expect(page).to_have_url(SESSION_URL)
    expect(page.get_by_role("status")).to_contain_text("Added to the agenda.")
    expect(items).to_have_count(before + 1)
    assert_last_of_the_reps_points(agenda, "Review the Globex pilot proposal")
    expect(
        agenda.get_by_role("button", name="Remove: Review the Globex pilot proposal")
    ).to_be_visible()
    expect(page.get_by_label("Add an agenda item")).to_have_value("")
    page.screenshot(path=artifact("session-agenda.png"), full_page=True)


COACH_POINT = "How is the new discovery question set working?"  # Maya's, in the demo


def assert_last_of_the_reps_points(agenda, text: str) -> None:  # type: ignore[no-untyped-def]
    """The rep's points come first, in the order added: a new one goes before the coach's."""
    texts = agenda.locator(".agenda-text").all_inner_texts()
    assert texts[texts.index(COACH_POINT) - 1] == text, texts


def test_keyboard_only_sign_in_skip_link_and_agenda(live_server: LiveServer, new_page) -> None:
    page = new_page()
    page.goto(live_server("/login"))
    # The email field has autofocus; the rest is Tab, typing and Enter.
    assert focused(page, "el.id") == "email"
    page.keyboard.type(ROSA)
    page.keyboard.press("Tab")
    assert focused(page, "el.id") == "password"
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(live_server("/"))

    # The first Tab stop is the skip link, visible once focused; Enter moves focus to <main>.
    page.keyboard.press("Tab")
    assert focused(page, "el.classList.contains('skip-link')")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    assert focused(page, "el.id") == "main"

    # From the content, Tab reaches the next session without passing the navigation again.
    tab_until(page, "el.classList.contains('session-link')", limit=10)
    page.keyboard.press("Enter")
    expect(page).to_have_url(SESSION_URL)

    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert focused(page, "el.id") == "main"
    tab_until(page, "el.id === 'text'")
    outline = focused(page, "getComputedStyle(el).outlineStyle")
    assert outline != "none", "the focused agenda input shows no focus ring"
    page.keyboard.type("Ask Maya for a pricing role-play")
    page.keyboard.press("Enter")

    expect(page.get_by_role("status")).to_contain_text("Added to the agenda.")
    agenda = page.get_by_role("region", name="Agenda")
    expect(
        agenda.locator(".agenda-text", has_text="Ask Maya for a pricing role-play")
    ).to_be_visible()
    assert_last_of_the_reps_points(agenda, "Ask Maya for a pricing role-play")
    page.screenshot(path=artifact("session-agenda-keyboard.png"), full_page=True)

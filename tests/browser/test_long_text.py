"""Long unbroken words never widen a page: they wrap inside their box.

Through the real forms, a rep whose name is one long word joins, is paired with Maya, and
fills her session, goals and journal with a 300-character agenda item, pasted URLs and a
long goal title; a trainer publishes a playbook with a long title. Then every page that
shows that text is opened at phone width (and laptop width) and must not scroll sideways.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import DESKTOP, PHONE, LiveServer, artifact, sign_in

pytestmark = pytest.mark.browser

MANAGER, TRAINER, ADMIN = "maya@example.com", "trainer@example.com", "admin@example.com"

LONG_WORD = "Donaudampfschifffahrtsgesellschaftskapitänsmützenabzeichen"
LONG_NAME = (LONG_WORD * 2)[:100] + " Brown"  # its first word, shown alone, is 100 letters
LONG_EMAIL = ("longaddress" * 6) + "@example.com"
LONG_URL = "https://crm.example.com/opportunities/" + "0123456789abcdef" * 14 + "?tab=notes"
AGENDA_ITEM = (LONG_WORD * 6)[:300]  # the longest agenda item there may be
GOAL_TITLE = (LONG_WORD * 4)[:200]
SESSION_TITLE = (LONG_WORD * 3)[:120]
PLAYBOOK_TITLE = (LONG_WORD * 3)[:160]

# How wide the page is, and the first elements that stick out past the window's right edge.
WIDTH = """() => ({
  scrollWidth: document.documentElement.scrollWidth,
  innerWidth: window.innerWidth,
  wide: [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1)
    .filter(el => !el.closest('.table-wrap'))
    .slice(0, 5).map(el => el.tagName.toLowerCase() + '.' + el.className),
})"""


@dataclass
class Story:
    rep: BrowserContext
    manager: BrowserContext
    trainer: BrowserContext
    admin: BrowserContext
    pairing: str  # paths
    session: str
    playbook: str
    pages: dict[str, Page] = field(default_factory=dict)

    def page(self, role: str) -> Page:
        """One tab per person, reused from check to check."""
        if role not in self.pages:
            self.pages[role] = getattr(self, role).new_page()
        return self.pages[role]


def _context(chromium: Browser, server: LiveServer, email: str | None) -> BrowserContext:
    context = chromium.new_context(viewport=DESKTOP, locale="en-GB")
    context.set_default_timeout(10_000)
    if email:
        page = context.new_page()
        sign_in(page, server, email)
        _close(page)
    return context


def _close(page: Page) -> None:
    """Close a tab once its last navigation has finished: closing a tab in the middle of
    one can leave Chromium never answering (seen in CI: a hang, not an error)."""
    page.wait_for_load_state()
    page.close()


def _path(page: Page, server: LiveServer) -> str:
    return page.url.removeprefix(server.url)


@pytest.fixture(scope="module")
def story(live_server: LiveServer, chromium: Browser) -> Iterator[Story]:
    contexts = [_context(chromium, live_server, email) for email in (ADMIN, MANAGER, TRAINER)]
    contexts.append(_context(chromium, live_server, None))
    try:
        yield tell_story(live_server, *contexts)
    finally:
        for context in contexts:
            context.close()


def tell_story(
    server: LiveServer,
    admin: BrowserContext,
    manager: BrowserContext,
    trainer: BrowserContext,
    rep: BrowserContext,
) -> Story:
    """The long texts, entered through the forms by the people who would enter them."""
    page = admin.new_page()
    page.goto(server("/admin/invite"))
    page.get_by_label("Name").fill(LONG_NAME)
    page.get_by_label("Email").fill(LONG_EMAIL)
    page.get_by_label("rep").check()
    page.get_by_role("button", name="Create invitation").click()
    link = page.get_by_label("Invitation link").input_value()
    _close(page)

    page = rep.new_page()
    page.goto(link)
    page.get_by_label("Password", exact=True).fill("a long enough password")
    page.get_by_label("Password again").fill("a long enough password")
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_url(server("/"))
    _close(page)

    page = manager.new_page()
    page.goto(server("/pairings/new"))
    page.get_by_label("Rep", exact=True).select_option(label=LONG_NAME)
    page.get_by_label("What the coach will see").fill(f"Deals like {LONG_URL} and more")
    page.get_by_label("Why", exact=True).fill(f"To help. {LONG_WORD * 3}")
    page.get_by_label("How often you will meet").fill((LONG_WORD * 4)[:200])
    page.get_by_role("button", name="Send the proposal").click()
    expect(page.get_by_role("status")).to_contain_text("will be asked to accept")
    pairing = _path(page, server)
    _close(page)

    page = rep.new_page()
    page.goto(server(pairing))
    page.get_by_role("button", name="Accept the agreement").click()
    expect(page.get_by_role("status")).to_contain_text("You're paired with")
    _close(page)

    page = manager.new_page()
    page.goto(server(pairing))
    page.get_by_role("link", name="Schedule a session").click()
    page.get_by_label("Title", exact=True).fill(SESSION_TITLE)
    page.get_by_role("button", name="Schedule").click()
    expect(page.get_by_role("status")).to_contain_text("Session scheduled.")
    session = _path(page, server)
    page.locator("#shared_notes").fill(f"Next step: read {LONG_URL}")
    page.get_by_role("button", name="Save shared notes").click()
    expect(page.get_by_role("status")).to_contain_text("Shared notes saved.")
    _close(page)

    page = rep.new_page()
    page.goto(server(session))
    for text in (AGENDA_ITEM, LONG_URL):
        page.get_by_label("Add an agenda item").fill(text)
        page.get_by_role("button", name="Add", exact=True).click()
        expect(page.get_by_role("status")).to_contain_text("Added to the agenda.")
    page.goto(server("/goals"))
    page.get_by_label("Goal", exact=True).fill(GOAL_TITLE)
    page.get_by_label("Why it matters to you (optional)").fill(f"See {LONG_URL}")
    page.get_by_role("button", name="Add goal").click()
    _share_first_item_with_coach(page)
    page.goto(server("/journal"))
    page.get_by_label("What went well, what you would try next").fill(
        f"Pasted link: {LONG_URL}\n\n<{LONG_URL}>\n\n{LONG_WORD * 4}"
    )
    page.get_by_role("button", name="Save to my journal").click()
    expect(page.get_by_role("status")).to_contain_text("Saved to your journal.")
    _share_first_item_with_coach(page)
    _close(page)

    page = trainer.new_page()
    page.goto(server("/playbooks/new"))
    page.get_by_label("Title", exact=True).fill(PLAYBOOK_TITLE)
    page.get_by_label("One-line summary (optional)").fill(LONG_WORD * 4)
    page.get_by_label("Playbook text (Markdown)").fill(f"# {LONG_WORD * 2}\n\nRead {LONG_URL}")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r"/playbooks/\d+$"))
    playbook = _path(page, server)
    _close(page)

    return Story(rep, manager, trainer, admin, pairing, session, playbook)


def _share_first_item_with_coach(page: Page) -> None:
    page.locator("details.share summary").first.click()
    page.get_by_label("Maya Okafor").first.check()
    page.get_by_role("button", name="Save sharing").first.click()
    expect(page.get_by_role("status")).to_contain_text("Shared with Maya Okafor.")


PAGES = {
    "rep": [
        "/",
        "/sessions",
        "{session}",
        "/goals",
        "/journal",
        "/pairings",
        "{pairing}",
        "/account",
    ],
    "manager": ["/", "/sessions", "{session}", "/pairings", "{pairing}", "{pairing}/sessions/new"],
    "trainer": ["/", "/playbooks", "{playbook}", "{playbook}/edit"],
    "admin": ["/", "/pairings", "{pairing}", "/admin/people?q=longaddress"],
}
CASES = [(role, path) for role, paths in PAGES.items() for path in paths]


@pytest.mark.parametrize(("role", "path"), CASES, ids=[f"{r}:{p}" for r, p in CASES])
def test_long_words_wrap_instead_of_widening_the_page(
    role: str, path: str, story: Story, live_server: LiveServer
) -> None:
    url = live_server(
        path.format(session=story.session, pairing=story.pairing, playbook=story.playbook)
    )
    page = story.page(role)
    page.goto(url)
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        width = page.evaluate(WIDTH)
        where = (url, role, f"{viewport['width']} px", width)
        if width["scrollWidth"] > width["innerWidth"] or width["wide"]:
            name = f"long-text/{role}-{path.strip('/').replace('/', '-') or 'home'}"
            page.screenshot(path=artifact(f"{name}-{viewport['width']}.png"), full_page=True)
        assert width["scrollWidth"] <= width["innerWidth"], where
        assert width["wide"] == [], where


def test_the_long_texts_are_shown_whole(story: Story, live_server: LiveServer) -> None:
    """The pages above show the text itself (wrapped), not a shortened copy of it."""
    page = story.page("rep")
    page.goto(live_server(story.session))
    expect(page.locator(".agenda-text").filter(has_text=AGENDA_ITEM)).to_have_text(AGENDA_ITEM)
    expect(page.locator(".agenda-text").filter(has_text=LONG_URL)).to_have_text(LONG_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text(SESSION_TITLE)
    page.goto(live_server("/goals"))
    expect(page.get_by_text(GOAL_TITLE, exact=True)).to_be_visible()

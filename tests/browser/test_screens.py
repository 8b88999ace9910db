"""Every main screen, for every demo role, at desktop and phone width.

Each screen is screenshotted to tests/artifacts/screens/ (for people to look at) and checked:
no horizontal overflow on a 390 px phone, every form control has a label, and the browser
reports no errors (a CSP violation from an inline style or script shows up as one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import DESKTOP, PHONE, LiveServer, artifact, sign_in

pytestmark = pytest.mark.browser

REP, MANAGER, TRAINER, ADMIN = (
    "rosa@example.com",
    "maya@example.com",
    "trainer@example.com",
    "admin@example.com",
)
PROPOSED_REP = "elif@example.com"  # Leo has proposed a pairing that she has not answered yet


@dataclass(frozen=True)
class Screen:
    name: str
    who: str | None  # None: signed out
    path: str
    click: str | None = None  # then follow the first link with this accessible name
    status: int = 200


SCREENS = [
    Screen("login", None, "/login"),
    Screen("home-rep", REP, "/"),
    Screen("home-manager", MANAGER, "/"),
    Screen("home-trainer", TRAINER, "/"),
    Screen("home-admin", ADMIN, "/"),
    Screen("home-rep-proposed", PROPOSED_REP, "/"),
    Screen("session-rep", REP, "/", click="Weekly coaching"),
    Screen("session-coach", MANAGER, "/", click="Weekly coaching"),
    Screen("sessions-rep", REP, "/sessions"),
    Screen("pairing-proposed-rep", PROPOSED_REP, "/", click="Read and answer"),
    Screen("pairings-manager", MANAGER, "/pairings"),
    Screen("pairing-new", MANAGER, "/pairings/new"),
    Screen("schedule-session", MANAGER, "/", click="Schedule"),
    Screen("goals-rep", REP, "/goals"),
    Screen("journal-rep", REP, "/journal"),
    Screen("pipeline-rep", REP, "/snapshots"),
    Screen("playbooks-manager", MANAGER, "/playbooks"),
    Screen(
        "playbook-manager", MANAGER, "/playbooks", click="Reading a pipeline without policing it"
    ),
    Screen("playbook-edit", TRAINER, "/playbooks/new"),
    Screen("people-admin", ADMIN, "/admin/people"),
    Screen("invite-admin", ADMIN, "/admin/invite"),
    Screen("account-rep", REP, "/account"),
    Screen("access-log-rep", REP, "/account/access-log"),
    Screen("not-found", REP, "/no-such-page", status=404),
    Screen("forbidden", REP, "/admin/people", status=403),
    Screen("snapshot-rep", REP, "/snapshots", click="Snapshot of"),
    Screen("pairing-manager", MANAGER, "/pairings", click="Maya Okafor coaches"),
    Screen("playbooks-trainer", TRAINER, "/playbooks"),
    Screen("pairings-admin", ADMIN, "/pairings"),
]

UNLABELLED_CONTROLS = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(el => el.type !== 'hidden')
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                && !el.getAttribute('aria-labelledby'))
  .map(el => el.outerHTML.slice(0, 120))"""

OVERFLOW = """() => ({
  scrollWidth: document.documentElement.scrollWidth,
  innerWidth: window.innerWidth,
  wide: [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1)
    .filter(el => !el.closest('.table-wrap, .mainnav'))
    .slice(0, 5).map(el => el.tagName.toLowerCase() + '.' + el.className),
})"""


@pytest.fixture(scope="module")
def browser_of(
    live_server: LiveServer, chromium: Browser
) -> Iterator[Callable[[str | None], BrowserContext]]:
    """One browser context per person (None: signed out), signed in once through the form."""
    contexts: dict[str | None, BrowserContext] = {}

    def context_of(email: str | None) -> BrowserContext:
        if email not in contexts:
            context = chromium.new_context(viewport=DESKTOP, locale="en-GB")
            context.set_default_timeout(5000)
            if email:
                page = context.new_page()
                sign_in(page, live_server, email)
                page.close()
            contexts[email] = context
        return contexts[email]

    yield context_of
    for context in contexts.values():
        context.close()


@pytest.mark.parametrize("screen", SCREENS, ids=[s.name for s in SCREENS])
def test_screen(screen: Screen, live_server: LiveServer, browser_of) -> None:
    page = browser_of(screen.who).new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    try:
        check_screen(page, screen, live_server)
    finally:
        page.close()
    # Browsers log CSP violations (an inline style or script) as console errors, and an
    # error page's own status as a failed load (expected here).
    expected = f"status of {screen.status}"
    assert [p for p in problems if screen.status == 200 or expected not in p] == []


def check_screen(page: Page, screen: Screen, live_server: LiveServer) -> None:
    response = page.goto(live_server(screen.path))
    assert response is not None
    if screen.click:
        page.get_by_role("link", name=screen.click).first.click()
        page.wait_for_load_state()
    else:
        assert response.status == screen.status

    page.screenshot(path=artifact(f"screens/{screen.name}-desktop.png"), full_page=True)
    assert page.evaluate(UNLABELLED_CONTROLS) == [], "form controls without a label"

    page.set_viewport_size(PHONE)
    page.screenshot(path=artifact(f"screens/{screen.name}-phone.png"), full_page=True)
    overflow = page.evaluate(OVERFLOW)
    assert overflow["scrollWidth"] <= overflow["innerWidth"], overflow
    assert overflow["wide"] == [], f"elements wider than the phone: {overflow}"


def test_invitation_screens(live_server: LiveServer, browser_of, chromium: Browser) -> None:
    """The admin invites someone through the form; the invitee's page is checked like the rest."""
    admin = browser_of(ADMIN).new_page()
    admin.goto(live_server("/admin/invite"))
    admin.get_by_label("Name").fill("Nina Novak")
    admin.get_by_label("Email").fill("nina@example.com")
    admin.get_by_label("rep").check()
    admin.get_by_role("button", name="Create invitation").click()
    link = admin.get_by_label("Invitation link").input_value()
    assert link.startswith(live_server("/invitations/"))
    admin.screenshot(path=artifact("screens/invite-created-desktop.png"), full_page=True)
    admin.close()

    context = chromium.new_context(viewport=DESKTOP, locale="en-GB")
    try:
        page = context.new_page()
        page.goto(link)
        expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Nina Novak")
        page.screenshot(path=artifact("screens/invitation-accept-desktop.png"), full_page=True)
        assert page.evaluate(UNLABELLED_CONTROLS) == []
        page.set_viewport_size(PHONE)
        page.screenshot(path=artifact("screens/invitation-accept-phone.png"), full_page=True)
        overflow = page.evaluate(OVERFLOW)
        assert overflow["scrollWidth"] <= overflow["innerWidth"], overflow
    finally:
        context.close()

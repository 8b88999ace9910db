"""Every main screen, for every demo role, at desktop and phone width.

Each screen is screenshotted to tests/artifacts/screens/ (for people to look at) and checked:
no horizontal overflow on a 390 px phone, every form control has a label, and the browser
reports no errors (a CSP violation from an inline style or script shows up as one).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import DESKTOP, PHONE, LiveServer, artifact, sign_in
from tests.browser.screens import UNLABELLED_CONTROLS, check_phone_width, snap

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
    then: str | None = None  # and then the first link with this name on the page reached


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
        "playbook-manager",
        MANAGER,
        "/playbooks",
        click="Reading a pipeline snapshot without policing",
    ),
    Screen("playbook-edit", TRAINER, "/playbooks/new"),
    Screen("people-admin", ADMIN, "/admin/people"),
    Screen("invite-admin", ADMIN, "/admin/invite"),
    Screen("account-rep", REP, "/account"),
    Screen("account-password-rep", REP, "/account/password"),
    Screen("account-changes-rep", REP, "/account/changes"),
    Screen("access-log-rep", REP, "/account/access-log"),
    Screen("audit-admin", ADMIN, "/admin/audit"),
    Screen("forgot-password", None, "/login/forgot"),
    Screen("reset-link-unknown", None, "/password-reset/no-such-link", status=404),
    Screen("not-found", REP, "/no-such-page", status=404),
    Screen("forbidden", REP, "/admin/people", status=403),
    Screen("snapshot-rep", REP, "/snapshots", click="Snapshot of"),
    Screen("snapshot-import-rep", REP, "/snapshots/import"),
    Screen("snapshot-compare-choose-rep", REP, "/snapshots/compare"),
    Screen(
        "snapshot-compare-rep",
        REP,
        "/snapshots",
        click="Snapshot of",
        then="See how the pipeline moved",
    ),
    Screen("pipeline-manager", MANAGER, "/snapshots"),
    Screen("pairing-manager", MANAGER, "/pairings", click="Maya Okafor coaches"),
    Screen("playbooks-trainer", TRAINER, "/playbooks"),
    Screen("pairings-admin", ADMIN, "/pairings"),
    Screen("commitments-rep", REP, "/commitments"),
    Screen("commitments-manager", MANAGER, "/commitments"),
]


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
        if screen.then:
            page.get_by_role("link", name=screen.then).first.click()
            page.wait_for_load_state()
    else:
        assert response.status == screen.status

    page.screenshot(path=artifact(f"screens/{screen.name}-desktop.png"), full_page=True)
    assert page.evaluate(UNLABELLED_CONTROLS) == [], "form controls without a label"

    page.set_viewport_size(PHONE)
    page.screenshot(path=artifact(f"screens/{screen.name}-phone.png"), full_page=True)
    check_phone_width(page)


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
        check_phone_width(page)
    finally:
        context.close()


# --- people administration: links to hand over, sign-in delays --------------------------------

RESET_PERSON = ("jonas@example.com", "Jonas Berg")  # no other browser test signs in as Jonas
SLOWED_PERSON = ("priya@example.com", "Priya Nair")


def test_copy_button_copies_the_link_and_without_javascript_the_field_is_there(
    live_server: LiveServer, chromium: Browser
) -> None:
    context = chromium.new_context(viewport=DESKTOP, locale="en-GB")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    try:
        page = context.new_page()
        sign_in(page, live_server, ADMIN)
        page.goto(live_server("/admin/invite"))
        page.get_by_label("Name").fill("Omar Haddad")
        page.get_by_label("Email").fill("omar@example.com")
        page.get_by_label("trainer").check()
        page.get_by_role("button", name="Create invitation").click()
        field = page.get_by_label("Invitation link")
        expect(field).to_have_attribute("readonly", "")
        copy = page.get_by_role("button", name="Copy link")
        expect(copy).to_be_visible()
        copy.focus()
        page.keyboard.press("Enter")
        expect(page.get_by_role("status").filter(has_text="Link copied.")).to_be_visible()
        assert page.evaluate("navigator.clipboard.readText()") == field.input_value()
        snap(page, "invite-copied")
        cookies = context.cookies()
    finally:
        context.close()

    plain = chromium.new_context(viewport=DESKTOP, locale="en-GB", java_script_enabled=False)
    try:
        plain.add_cookies(cookies)  # type: ignore[arg-type]
        page = plain.new_page()
        page.goto(live_server("/admin/people"))
        page.get_by_role("button", name="New link for Omar Haddad").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "New invitation link for Omar Haddad"
        )
        expect(page.get_by_role("button", name="Copy link")).to_be_hidden()
        field = page.get_by_label("Invitation link")
        expect(field).to_be_visible()
        assert field.input_value().startswith(live_server("/invitations/"))
        snap(page, "invitation-new-link-no-js")
    finally:
        plain.close()


def test_admin_renews_and_revokes_invitations_from_the_people_page(
    live_server: LiveServer, browser_of
) -> None:
    admin = browser_of(ADMIN).new_page()
    for name, email in (("Lena Fischer", "lena@example.com"), ("Kofi Mensah", "kofi@example.com")):
        admin.goto(live_server("/admin/invite"))
        admin.get_by_label("Name").fill(name)
        admin.get_by_label("Email").fill(email)
        admin.get_by_label("rep").check()
        admin.get_by_role("button", name="Create invitation").click()
        expect(admin.get_by_label("Invitation link")).to_be_visible()
    admin.goto(live_server("/admin/people"))
    pending = admin.get_by_role("region", name="Invitations not yet accepted")
    expect(pending).to_contain_text("Lena Fischer")
    snap(admin, "people-admin-invitations")

    pending.get_by_role("button", name="New link for Lena Fischer").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text(
        "New invitation link for Lena Fischer"
    )
    snap(admin, "invitation-new-link")

    admin.goto(live_server("/admin/people"))
    admin.get_by_role("button", name="Revoke the invitation of Kofi Mensah").click()
    expect(admin.get_by_role("status")).to_contain_text("The invitation for Kofi Mensah")
    snap(admin, "invitation-revoked")
    admin.close()


def test_password_reset_link_from_the_people_page_to_a_new_password(
    live_server: LiveServer, browser_of, chromium: Browser
) -> None:
    email, name = RESET_PERSON
    admin = browser_of(ADMIN).new_page()
    admin.goto(live_server("/admin/people"))
    admin.get_by_role("button", name=f"Password reset link for {name}").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text(f"Password reset link for {name}")
    link = admin.get_by_label("Password reset link").input_value()
    assert link.startswith(live_server("/password-reset/"))
    snap(admin, "reset-link-admin")
    admin.close()

    context = chromium.new_context(viewport=DESKTOP, locale="en-GB")
    try:
        page = context.new_page()
        page.goto(link)
        expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
        page.get_by_label("New password", exact=True).fill("short")
        page.get_by_label("New password again").fill("short")
        page.get_by_role("button", name="Set my new password").click()
        expect(page.locator("#password-error")).to_have_text("Use at least 12 characters.")
        snap(page, "reset-password-error")
        page.get_by_label("New password", exact=True).fill("jonas rides a tandem to work")
        page.get_by_label("New password again").fill("jonas rides a tandem to work")
        page.get_by_role("button", name="Set my new password").click()
        page.wait_for_url(live_server("/"))
        expect(page.get_by_role("status").first).to_contain_text("Your new password is set, Jonas.")
        snap(page, "reset-password-done")
        page.goto(link)
        expect(page.get_by_role("heading", level=1)).to_have_text("This link can't be used")
        snap(page, "reset-link-used")
    finally:
        context.close()


def guess_until_slowed(page: Page, server: LiveServer, email: str, failures: int = 8) -> None:
    """Wrong passwords, waiting out each delay, until the next attempt must wait 8 seconds
    (the first delays, 1 s then 2 s, would run out before the admin's page loads)."""
    failed = 0
    while failed < failures:
        page.goto(server("/login"))
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill("a wrong guess")
        page.get_by_role("button", name="Sign in").click()
        wait = re.search(r"Wait (\d+) seconds", page.locator(".form-errors").inner_text())
        if wait:
            page.wait_for_timeout(int(wait.group(1)) * 1000 + 200)
        else:
            failed += 1


def test_admin_clears_a_sign_in_delay(
    live_server: LiveServer, browser_of, chromium: Browser
) -> None:
    email, name = SLOWED_PERSON
    guesser = chromium.new_context(viewport=DESKTOP, locale="en-GB")
    try:
        guess_until_slowed(guesser.new_page(), live_server, email)
    finally:
        guesser.close()
    admin = browser_of(ADMIN).new_page()
    admin.goto(live_server("/admin/people"))
    clear = admin.get_by_role("button", name=f"Clear sign-in delay of {name}")
    expect(clear).to_be_visible()
    snap(admin, "people-admin-slowed")
    clear.click()
    expect(admin.get_by_role("status")).to_contain_text(f"The sign-in delay of {name} is cleared")
    expect(admin.get_by_role("button", name=f"Clear sign-in delay of {name}")).to_have_count(0)
    admin.goto(live_server("/admin/audit"))
    expect(admin.get_by_text(f"Ada Lindqvist cleared the sign-in delay of {name}")).to_be_visible()
    snap(admin, "audit-admin-after")
    admin.close()


def test_rep_reads_and_dismisses_the_notice_when_her_coach_loses_the_manager_role(
    live_server: LiveServer, browser_of, new_page
) -> None:
    """Leo proposed a manager pairing to Elif; an admin makes Leo a trainer instead."""
    admin = browser_of(ADMIN).new_page()
    admin.goto(live_server("/admin/people"))
    row = admin.get_by_role("row").filter(has_text="Leo Brandt")
    row.get_by_label("manager").uncheck()
    row.get_by_label("trainer").check()
    row.get_by_role("button", name="Save roles").click()
    expect(admin.get_by_role("status")).to_contain_text("Roles of Leo Brandt updated.")
    admin.close()

    page = new_page()
    sign_in(page, live_server, PROPOSED_REP)
    notice = page.locator(".notice").filter(has_text="Leo Brandt")
    expect(notice).to_contain_text(
        "The proposed manager pairing with Leo Brandt is withdrawn: Leo Brandt no longer has "
        "the manager role."
    )
    expect(page.get_by_role("heading", name="Waiting for your answer")).to_have_count(0)
    snap(page, "home-rep-notice")
    notice.get_by_role("button", name="Dismiss").click()
    expect(page.locator(".notice").filter(has_text="Leo Brandt")).to_have_count(0)

    page.goto(live_server("/account/changes"))
    expect(page.get_by_role("main")).to_contain_text(
        "Ada Lindqvist (admin@example.com) ended a pairing of yours"
    )
    snap(page, "account-changes-pairing-ended")

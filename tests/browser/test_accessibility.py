"""Every page, for every role, at laptop and phone width: no WCAG 2.2 A/AA violation (axe-core).

The pages come from the URL table (app/routes.py): each GET route is checked for every role
its access policy admits, and public routes signed out. A route whose URL names an object
takes its example from EXAMPLES, which says where a person finds a link to one and which
roles can open it. A GET route that is in neither EXAMPLES nor NOT_PAGES fails
test_every_get_route_is_checked, so a new page cannot be forgotten. Error pages, and states
that only an action reaches (a refused form, a message, an opened disclosure), are
listed by hand.

A failure names the rule, the page, the role, the width and the offending elements; a
screenshot of the page is saved to tests/artifacts/a11y/.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page
from starlette.routing import Route

from app.access import Access
from app.demo import DEMO_PASSWORD
from app.routes import ROUTES
from coaching.models import Role
from tests.browser.axe import assert_accessible
from tests.browser.conftest import DESKTOP, LiveServer, sign_in
from tests.coaching.mail.in_another_process import enqueue_elsewhere
from tests.web.route_table import accepts, http_routes

pytestmark = pytest.mark.browser

SIGNED_OUT = "signed-out"
LOGINS = {
    "rep": "rosa@example.com",
    "manager": "maya@example.com",
    "trainer": "trainer@example.com",
    "admin": "admin@example.com",
}
ROLES = [*LOGINS, SIGNED_OUT]

# GET routes that answer something other than a page to read.
NOT_PAGES = {
    "health:check": "JSON for monitoring",
    "oidc:start": "redirects to the identity provider (or back to sign-in when SSO is off)",
    "oidc:callback": "redirects home or back to sign-in",
    "api:openapi": "JSON: the API's OpenAPI document",
    "calendar:feed": "text/calendar for a calendar app (its token is a person's secret)",
}

# The person a deactivated row on the People page belongs to, and a pending invitation.
DEPARTED = ("Dana Departed", "dana.departed@example.com")
INVITED = ("Noor Invited", "noor.invited@example.com")


class Site:
    """The live demo organisation as each role sees it: one browser tab per role, signed in
    once and reused (a fresh tab per check doubles the time), and the example objects the
    pages need, found as a person would."""

    def __init__(self, server: LiveServer, chromium: Browser) -> None:
        self.server = server
        self.chromium = chromium
        self.contexts: dict[str, BrowserContext] = {}
        self.pages: dict[str, Page] = {}

    def new_context(self) -> BrowserContext:
        # axe is injected as an inline script, which the app's CSP forbids: bypass it.
        context = self.chromium.new_context(viewport=DESKTOP, locale="en-GB", bypass_csp=True)
        context.set_default_timeout(10_000)
        return context

    def context(self, role: str) -> BrowserContext:
        if role not in self.contexts:
            context = self.new_context()
            if role != SIGNED_OUT:
                page = context.new_page()
                sign_in(page, self.server, LOGINS[role])
                page.close()
            self.contexts[role] = context
        return self.contexts[role]

    def page(self, role: str) -> Page:
        if role not in self.pages or self.pages[role].is_closed():
            self.pages[role] = self.context(role).new_page()
        return self.pages[role]

    @functools.cache  # noqa: B019 - one Site per module
    def link_on(self, path: str, pattern: str, finder: str) -> str:
        """Group 1 of the first link matching `pattern` that `finder` sees on `path`."""
        page = self.page(finder)
        page.goto(self.server(path))
        hrefs = page.eval_on_selector_all(
            "a[href]",
            "links => links.filter(a => a.origin === location.origin).map(a => a.pathname)",
        )
        for href in hrefs:
            if match := re.fullmatch(pattern, href):
                return match.group(1)
        raise AssertionError(f"no link like {pattern} on {path} for the {finder}: {hrefs}")

    def invite(self, name: str, email: str) -> str:
        """The admin invites someone through the form; returns the invitation token."""
        page = self.page("admin")
        page.goto(self.server("/admin/invite"))
        page.get_by_label("Name").fill(name)
        page.get_by_label("Email").fill(email)
        page.get_by_label("rep").check()
        page.get_by_role("button", name="Create invitation").click()
        link = page.get_by_label("Invitation link").input_value()
        return link.rsplit("/", 1)[1]

    @functools.cached_property
    def open_invitation(self) -> str:
        return self.invite(*INVITED)

    @functools.cached_property
    def password_reset(self) -> str:
        """The admin issues a reset link for a rep from the People page; returns its token."""
        page = self.page("admin")
        page.goto(self.server("/admin/people?q=sam@example.com"))
        page.get_by_role("button", name="Password reset link for Sam Whitaker").click()
        link = page.get_by_label("Password reset link").input_value()
        return link.rsplit("/", 1)[1]

    @functools.cached_property
    def api_token(self) -> str:
        """The admin creates an API token through the form; returns its id."""
        page = self.page("admin")
        page.goto(self.server("/admin/api-tokens"))
        page.get_by_label("Name").fill("CRM nightly sync")
        page.get_by_role("button", name="Create token").click()
        page.get_by_label("API token").wait_for()
        page.goto(self.server("/admin/api-tokens"))
        link = page.locator("a[href*='/revoke']").first.get_attribute("href") or ""
        return link.rstrip("/").split("/")[-2]

    def add_departed_person(self) -> None:
        """Someone who accepted an invitation and was deactivated later (a greyed-out row)."""
        token = self.invite(*DEPARTED)
        context = self.new_context()
        try:
            page = context.new_page()
            page.goto(self.server(f"/invitations/{token}"))
            page.get_by_label("Password", exact=True).fill("a long enough password")
            page.get_by_label("Password again").fill("a long enough password")
            page.get_by_role("button", name="Create my account").click()
            page.wait_for_url(self.server("/"))
        finally:
            context.close()
        page = self.page("admin")
        page.goto(self.server("/admin/people?q=" + DEPARTED[1]))
        page.get_by_role("button", name="Deactivate").click()
        page.get_by_role("button", name="Reactivate").wait_for()

    def close(self) -> None:
        for context in self.contexts.values():
            context.close()


@dataclass(frozen=True)
class Example:
    """How to fill the parameter of a route's URL: what to look up, for which roles."""

    find: Callable[[Site, str], str]  # (site, role checked) -> the URL parameter
    roles: tuple[str, ...]


def link_on(path: str, pattern: str, finder: str | None = None) -> Callable[[Site, str], str]:
    """The first link like `pattern` on `path`, as `finder` sees it (default: the role checked)."""
    return lambda site, role: site.link_on(path, pattern, finder or role)


PUBLISHED_PLAYBOOK = link_on("/playbooks", r"/playbooks/(\d+)", "manager")  # sees published only
EXAMPLES = {
    "sessions:detail": Example(link_on("/sessions", r"/sessions/(\d+)"), ("rep", "manager")),
    "sessions:notes_history": Example(link_on("/sessions", r"/sessions/(\d+)"), ("rep", "manager")),
    "sessions:change": Example(link_on("/sessions", r"/sessions/(\d+)"), ("rep", "manager")),
    "sessions:new": Example(link_on("/", r"/pairings/(\d+)/sessions/new"), ("manager",)),
    "pairings:detail": Example(
        link_on("/pairings", r"/pairings/(\d+)"), ("rep", "manager", "admin")
    ),
    # A snapshot is its rep's own: the coach sees it only on a session page it was brought to.
    "snapshots:detail": Example(link_on("/snapshots", r"/snapshots/(\d+)"), ("rep",)),
    # The demo's next session has a snapshot brought: all its deals, page one.
    "sessions:brought_deals": Example(link_on("/sessions", r"/sessions/(\d+)"), ("rep", "manager")),
    "playbooks:detail": Example(PUBLISHED_PLAYBOOK, ("rep", "manager", "trainer", "admin")),
    "playbooks:edit": Example(PUBLISHED_PLAYBOOK, ("trainer",)),
    "playbooks:publish": Example(PUBLISHED_PLAYBOOK, ("trainer",)),
    "playbooks:versions": Example(PUBLISHED_PLAYBOOK, ("trainer",)),
    "playbooks:compare": Example(PUBLISHED_PLAYBOOK, ("trainer",)),
    "playbooks:reception": Example(PUBLISHED_PLAYBOOK, ("trainer",)),
    "auth:accept_invitation": Example(lambda site, _: site.open_invitation, (SIGNED_OUT,)),
    "auth:reset_password": Example(lambda site, _: site.password_reset, (SIGNED_OUT,)),
    "admin:revoke_api_token": Example(lambda site, _: site.api_token, ("admin",)),
}


def two_snapshots(site: Site, role: str) -> str:
    """The query comparing the role's two newest snapshots (the demo gives Rosa two)."""
    page = site.page(role)
    page.goto(site.server("/snapshots"))
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.pathname)")
    ids = [m.group(1) for href in hrefs if (m := re.fullmatch(r"/snapshots/(\d+)", href))]
    assert len(ids) >= 2, f"the {role} has fewer than two snapshots: {hrefs}"
    return f"old={ids[1]}&new={ids[0]}"


@dataclass(frozen=True)
class Check:
    role: str
    name: str  # the route's name, or what the page is
    path: str  # may hold one {parameter}, filled from EXAMPLES[name]
    status: int = 200
    example: Example | None = field(default=None, compare=False)

    @property
    def id(self) -> str:
        return f"{self.role}-{self.name}"


@dataclass
class SomeoneWithRole:
    """Enough of a person for the policies' kind actions, which look only at roles."""

    role: Role
    id: int = 0
    is_active: bool = True

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles


def admits(access: Access, role: str) -> bool:
    if access.kind == "public":
        return role == SIGNED_OUT
    if role == SIGNED_OUT:
        return False
    return access.allows(SomeoneWithRole(Role(role)))  # type: ignore[arg-type]


def get_routes() -> list[tuple[str, Route]]:
    return [(path, route) for path, route in http_routes(ROUTES) if accepts(route, "GET")]


def route_checks() -> list[Check]:
    checks = []
    for path, route in get_routes():
        if route.name in NOT_PAGES:
            continue
        example = EXAMPLES.get(route.name)
        if "{" in path and example is None:
            continue  # test_every_get_route_is_checked names it
        for role in ROLES:
            if admits(route.access, role) and (example is None or role in example.roles):  # type: ignore[attr-defined]
                checks.append(Check(role, route.name, path, example=example))
    return checks


FORBIDDEN_FOR = {  # a page each role may not open: the 403 page
    "rep": "/admin/people",
    "manager": "/admin/invite",
    "trainer": "/pairings/new",
    "admin": "/playbooks/new",
}
ERROR_PAGES = [
    *(Check(role, "not-found", "/no-such-page", 404) for role in ROLES),
    *(Check(role, "forbidden", path, 403) for role, path in FORBIDDEN_FOR.items()),
    Check(SIGNED_OUT, "invitation-gone", "/invitations/no-such-invitation", 404),
]
# Pages a GET route shows differently with a query: two snapshots compared.
WITH_QUERY = [
    Check(
        "rep",
        "snapshots:compare-two",
        "/snapshots/compare?{query}",
        example=Example(two_snapshots, ("rep",)),
    ),
]
CHECKS = route_checks() + WITH_QUERY + ERROR_PAGES


@pytest.fixture(scope="module")
def site(live_server: LiveServer, chromium: Browser) -> Iterator[Site]:
    site = Site(live_server, chromium)
    try:
        site.add_departed_person()
        yield site
    finally:
        site.close()


def url_of(site: Site, check: Check) -> str:
    if check.example is None:
        return site.server(check.path)
    value = check.example.find(site, check.role)
    return site.server(re.sub(r"\{[^}]+\}", value, check.path))


def test_every_get_route_is_checked() -> None:
    """A new GET page must be added to EXAMPLES (if its URL names an object) or NOT_PAGES."""
    checked = {c.name for c in CHECKS}
    missing = [
        f"{path} ({route.name})"
        for path, route in get_routes()
        if route.name not in checked and route.name not in NOT_PAGES
    ]
    assert missing == [], f"GET routes no role is checked on; add them to EXAMPLES: {missing}"
    assert len({c.name for c in route_checks()}) >= 20
    assert {c.role for c in CHECKS} == set(ROLES)


@pytest.mark.parametrize("check", CHECKS, ids=[c.id for c in CHECKS])
def test_page_has_no_wcag_violations(check: Check, site: Site, axe_js: Path) -> None:
    url = url_of(site, check)
    page = site.page(check.role)
    response = page.goto(url)
    assert response is not None
    assert response.status == check.status, f"{url} as {check.role}: {response.status}"
    assert_accessible(page, axe_js, f"{url} ({check.name}) as {check.role}", check.id)


# --- states only an action reaches: a refused form, a message, an opened disclosure ---


def refused_sign_in(page: Page, server: LiveServer) -> None:
    page.goto(server("/login"))
    page.get_by_label("Email").fill("nobody@example.com")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("alert").wait_for()


def signed_in_welcome(page: Page, server: LiveServer) -> None:
    sign_in(page, server, LOGINS["rep"], DEMO_PASSWORD)
    page.get_by_role("status").wait_for()


def refused_goal(page: Page, server: LiveServer) -> None:
    page.goto(server("/goals"))
    page.get_by_role("button", name="Add goal").click()
    page.get_by_role("alert").wait_for()


def refused_journal_entry(page: Page, server: LiveServer) -> None:
    page.goto(server("/journal"))
    page.get_by_label("What went well, what you would try next").fill("<script>x()</script>")
    page.get_by_role("button", name="Save to my journal").click()
    page.get_by_role("alert").wait_for()


def refused_schedule(page: Page, server: LiveServer) -> None:
    page.goto(server("/"))
    page.get_by_role("link", name="Schedule").first.click()
    page.get_by_label("Date").fill("2020-01-01")
    page.get_by_role("button", name="Schedule").click()
    page.get_by_role("alert").wait_for()


def refused_search(page: Page, server: LiveServer) -> None:
    page.goto(server("/admin/people"))
    page.get_by_label("Search people").fill("x" * 101)
    page.get_by_role("button", name="Search").click()
    page.locator(".field-error").wait_for()


def share_box_open(page: Page, server: LiveServer) -> None:
    """The sharing checkboxes are inside a closed <details>: axe skips what is hidden."""
    page.goto(server("/goals"))
    page.locator("details.share summary").first.click()
    page.get_by_role("button", name="Save sharing").first.wait_for()


def end_pairing_open(page: Page, server: LiveServer) -> None:
    page.goto(server("/pairings"))
    page.get_by_role("link", name="Maya Okafor coaches").first.click()
    page.locator("details.danger-zone summary").click()
    page.get_by_role("button", name="Yes, end the pairing").wait_for()


def newest_snapshot(page: Page, server: LiveServer) -> None:
    page.goto(server("/snapshots"))
    page.get_by_role("link", name="Snapshot of").first.click()
    page.get_by_role("heading", name="Bring it to a session").wait_for()


def picking_deals_to_bring(page: Page, server: LiveServer) -> None:
    """The deals to pick show once "Only the deals I pick" is chosen (CSS :has)."""
    newest_snapshot(page, server)
    page.get_by_label("Only the deals I pick").check()
    page.get_by_role("group", name="Deals to bring").get_by_role("checkbox").first.wait_for()


def deal_context_open(page: Page, server: LiveServer) -> None:
    newest_snapshot(page, server)
    page.locator("details.deal-context:not([open]) summary").first.click()
    page.locator("details.deal-context[open] textarea").first.wait_for()


def refused_import(page: Page, server: LiveServer) -> None:
    page.goto(server("/snapshots/import"))
    page.get_by_role("button", name="Preview the import").click()
    page.get_by_role("alert").wait_for()


def chart_numbers_open(page: Page, server: LiveServer) -> None:
    """The coach opens the table under a chart of the snapshot Rosa brought."""
    page.goto(server("/"))
    page.get_by_role("link", name="Weekly coaching").first.click()
    page.get_by_text("Show the numbers as a table").first.click()
    page.locator("details.chart-table[open] table").first.wait_for()


def calendar_link_made(page: Page, server: LiveServer) -> None:
    """The account page showing a new calendar link, this once."""
    page.goto(server("/account"))
    page.get_by_role("button", name=re.compile("Create my calendar link|Make a new link")).click()
    page.get_by_label("Your calendar link").wait_for()


def calendar_link_on(page: Page, server: LiveServer) -> None:
    """The account page once a calendar link is on: its buttons, no link."""
    calendar_link_made(page, server)
    page.goto(server("/account"))
    page.get_by_role("button", name="Turn it off").wait_for()


def outbox_with_mail(page: Page, server: LiveServer) -> None:
    """Mail written into the server's outbox (no SMTP set up: it waits), one failed."""
    assert server.env is not None
    enqueue_elsewhere(server.env, with_a_failed_one=True)
    page.goto(server("/dev/mail"))
    page.locator("pre.mail-body").first.wait_for()


STATES_AFTER_ACTING = {
    "calendar-link-made": ("rep", calendar_link_made),
    "calendar-link-on": ("manager", calendar_link_on),
    "share-box-open": ("rep", share_box_open),
    "end-pairing-open": ("manager", end_pairing_open),
    "sign-in-refused": (SIGNED_OUT, refused_sign_in),
    "welcome-message": (SIGNED_OUT, signed_in_welcome),
    "goal-refused": ("rep", refused_goal),
    "journal-entry-refused": ("rep", refused_journal_entry),
    "schedule-refused": ("manager", refused_schedule),
    "people-search-refused": ("admin", refused_search),
    "bring-picking-deals": ("rep", picking_deals_to_bring),
    "deal-context-open": ("rep", deal_context_open),
    "import-refused": ("rep", refused_import),
    "chart-numbers-open": ("manager", chart_numbers_open),
    "outbox-with-mail": ("admin", outbox_with_mail),
}


@pytest.mark.parametrize("state", list(STATES_AFTER_ACTING))
def test_states_reached_by_acting_have_no_wcag_violations(
    state: str, site: Site, live_server: LiveServer, axe_js: Path
) -> None:
    role, reach = STATES_AFTER_ACTING[state]
    context = site.new_context() if role == SIGNED_OUT else None  # signed out: no cookies
    page = context.new_page() if context else site.page(role)
    try:
        reach(page, live_server)
        assert_accessible(page, axe_js, f"{page.url} ({state}) as {role}", f"{role}-{state}")
    finally:
        if context:
            context.close()

"""Passwords: changing one's own, "forgot password?", and one-time reset links from an admin."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
import pytest_asyncio

from coaching.clock import now
from coaching.identity import throttle
from coaching.identity.accounts import PASSWORD_CHANGE_CLIENT
from coaching.identity.models import LoginThrottle, PasswordReset, WebSession
from coaching.identity.throttle import FREE_ATTEMPTS
from coaching.models import User
from tests.factories import PASSWORD, Browser, links_to, make_user, open_browser, posts_to, text_of
from tests.web.test_web_basics import structure_of

NEW_PASSWORD = "a brand new sentence of mine"


@pytest_asyncio.fixture
async def other(app) -> AsyncIterator[Browser]:  # type: ignore[no-untyped-def]
    """A second browser (own cookies): another device of the same person, or someone else."""
    async with open_browser(app) as browser:
        yield browser


def field_error(page: httpx.Response, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', page.text)
    assert found, f"no error beside the {field!r} field"
    return html.unescape(found.group(1))


# --- changing one's own password -----------------------------------------------------


async def change(browser: Browser, current: str, new: str, confirm: str | None = None):
    form = {"current": current, "new": new, "confirm": new if confirm is None else confirm}
    return await browser.post("/account/password", form)


async def test_account_page_links_to_the_password_form_with_labelled_fields(browser):
    await browser.login(await make_user("rep"))

    profile = await browser.get("/account")
    form = await browser.get("/account/password")

    assert links_to(profile, "/account/password")
    assert form.status_code == 200
    for field, label in (
        ("current", "Current password"),
        ("new", "New password"),
        ("confirm", "New password again"),
    ):
        assert f'<label for="{field}">{label}</label>' in form.text
    assert 'autocomplete="current-password"' in form.text
    assert form.text.count('autocomplete="new-password"') == 2


async def test_changing_ones_password_signs_out_the_other_sessions_and_keeps_this_one(
    browser, other
):
    rep = await make_user("rep")
    await browser.login(rep)
    await other.login(rep)  # the same person on their phone

    done = await change(browser, PASSWORD, NEW_PASSWORD)

    assert done.status_code == 303
    assert done.headers["location"] == "http://testserver/account"
    profile = await browser.get("/account")
    assert profile.status_code == 200
    assert "Your password is changed. You stay signed in here" in html.unescape(profile.text)
    assert (await other.get("/")).status_code == 303  # the phone is signed out
    assert await WebSession.filter(user_id=rep.id).count() == 1
    await browser.post("/logout")
    assert (await browser.login(rep, PASSWORD)).status_code == 400
    assert (await browser.login(rep, NEW_PASSWORD)).status_code == 303


async def test_wrong_current_password_is_refused_beside_its_field_and_changes_nothing(
    browser, other
):
    rep = await make_user("rep")
    await browser.login(rep)
    await other.login(rep)
    before = (await User.get(id=rep.id)).password_hash

    page = await change(browser, "not my password", NEW_PASSWORD)

    assert page.status_code == 400
    assert field_error(page, "current") == "That isn't your current password."
    assert 'aria-invalid="true" aria-describedby="current-error"' in page.text
    assert NEW_PASSWORD not in page.text and "not my password" not in page.text
    assert (await User.get(id=rep.id)).password_hash == before
    assert (await other.get("/")).status_code == 200  # nobody was signed out


@pytest.mark.parametrize(
    ("new", "confirm", "field", "message"),
    [
        ("short one", "short one", "new", "Use at least 12 characters."),
        ("password1234", "password1234", "new", "Choose a less common password."),
        (PASSWORD, PASSWORD, "new", "That is your current password. Choose a new one."),
        (NEW_PASSWORD, NEW_PASSWORD + "!", "confirm", "The two new passwords differ."),
    ],
    ids=["too-short", "common", "unchanged", "confirmation-differs"],
)
async def test_a_new_password_that_wont_do_is_refused_beside_its_field(
    browser, new: str, confirm: str, field: str, message: str
):
    rep = await make_user("rep")
    await browser.login(rep)
    before = (await User.get(id=rep.id)).password_hash

    page = await change(browser, PASSWORD, new, confirm)

    assert page.status_code == 400
    assert field_error(page, field).startswith(message)
    assert (await User.get(id=rep.id)).password_hash == before


async def test_guessing_the_current_password_is_slowed_down_after_five_wrong_tries(browser):
    rep = await make_user("rep")
    await browser.login(rep)
    for _ in range(FREE_ATTEMPTS):
        assert (await change(browser, "a wrong guess", NEW_PASSWORD)).status_code == 400

    refused = await change(browser, PASSWORD, NEW_PASSWORD)

    assert refused.status_code == 429
    assert "Too many wrong current passwords. Wait 1 " in text_of(refused.text)
    assert (await browser.login(rep, NEW_PASSWORD)).status_code == 400  # nothing changed
    # Signing in is another matter: the guesses on this form don't lock the person out.
    assert (await browser.login(rep)).status_code == 303
    await LoginThrottle.filter(client=PASSWORD_CHANGE_CLIENT).update(next_attempt_ms=0)
    assert (await change(browser, PASSWORD, NEW_PASSWORD)).status_code == 303


async def test_someone_without_a_password_is_told_they_use_single_sign_on(browser, app):
    sso = await make_user("rep")
    await User.filter(id=sso.id).update(password_hash=None)
    await browser.login(await make_user("rep"))  # to get a session, then become them
    row = await WebSession.filter(user_id__isnull=False).first()
    assert row is not None
    await WebSession.filter(id=row.id).update(user_id=sso.id)

    page = await browser.get("/account/password")
    refused = await change(browser, "", NEW_PASSWORD)

    assert "You sign in with single sign-on" in page.text
    assert 'id="current"' not in page.text
    assert refused.status_code == 400
    assert (await User.get(id=sso.id)).password_hash is None


# --- forgot password -----------------------------------------------------------------------


async def test_sign_in_page_links_to_a_forgot_password_page_that_says_to_ask_an_admin(client):
    await make_user("rep", email="rosa@example.com")

    login = await client.get("/login")
    forgot = await client.get("/login/forgot")

    assert links_to(login, "/login/forgot", "Forgot your password?")
    assert forgot.status_code == 200
    text = html.unescape(text_of(forgot.text))
    assert "Ask an admin of your team for a password reset link." in text
    assert "<input" not in forgot.text.replace('type="hidden"', "")  # nothing to fill in
    assert "rosa@example.com" not in forgot.text
    with_email = await client.get("/login/forgot?email=rosa@example.com")
    assert with_email.text == forgot.text  # the page tells nothing about any account


# --- reset links ------------------------------------------------------------------------------


def reset_link(page: httpx.Response) -> str:
    found = re.search(r'id="reset-link"[^>]*value="([^"]+)"', page.text)
    assert found, "the page shows no reset link"
    return httpx.URL(html.unescape(found.group(1))).path


async def issue(admin_browser: Browser, person: User) -> httpx.Response:
    return await admin_browser.post(f"/admin/people/{person.id}/password-reset")


async def test_admin_issues_a_reset_link_from_the_people_page(browser):
    admin = await make_user("admin")
    rep = await make_user("rep", name="Sam Whitaker")
    await browser.login(admin)

    people = await browser.get("/admin/people")
    page = await issue(browser, rep)

    assert posts_to(people, f"/admin/people/{rep.id}/password-reset")
    assert "Password reset link for Sam Whitaker" in text_of(people.text)
    assert page.status_code == 200
    text = text_of(page.text)
    assert "Password reset link for Sam Whitaker" in text
    assert "It works once and expires in 2 days." in text
    assert "Until then their current password keeps working." in text
    assert reset_link(page).startswith("/password-reset/")
    assert 'data-copy="reset-link"' in page.text
    assert await PasswordReset.filter(user_id=rep.id, used_at__isnull=True).count() == 1


async def test_reset_link_sets_a_new_password_signs_out_everywhere_and_signs_in(
    app, browser, other
):
    admin = await make_user("admin")
    rep = await make_user("rep", name="Sam Whitaker")
    await other.login(rep)  # an old session somewhere
    await browser.login(admin)
    link = reset_link(await issue(browser, rep))
    for _ in range(FREE_ATTEMPTS + 1):  # and someone has been guessing
        await throttle.claim_attempt(rep.email, "203.0.113.9")
    assert await throttle.is_slowed_down(rep.email)

    async with open_browser(app) as sam:
        form = await sam.get(link)
        done = await sam.post(link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
        home = await sam.get("/")

    assert form.status_code == 200
    assert "Choose a new password" in form.text and rep.email in form.text
    assert done.status_code == 303
    assert done.headers["location"] == "http://testserver/"
    assert home.status_code == 200
    assert "Your new password is set, Sam." in html.unescape(home.text)
    assert (await other.get("/")).status_code == 303  # the old session is gone
    assert not await throttle.is_slowed_down(rep.email)
    async with open_browser(app) as later:
        assert (await later.login(rep, PASSWORD)).status_code == 400
        assert (await later.login(rep, NEW_PASSWORD)).status_code == 303


async def test_reset_link_works_once(app, browser):
    admin = await make_user("admin")
    rep = await make_user("rep")
    await browser.login(admin)
    link = reset_link(await issue(browser, rep))
    form = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    async with open_browser(app) as first:
        assert (await first.post(link, form)).status_code == 303

    async with open_browser(app) as second:
        again = await second.get(link)
        reuse = await second.post(link, {"password": "another long one!", "confirm": "x"})
        assert (await second.get("/")).status_code == 303  # not signed in

    for response in (again, reuse):
        assert response.status_code == 404
        text = html.unescape(text_of(response.text))
        assert "This link can't be used" in text
        assert "Ask an admin for a new one." in text


async def test_a_newer_reset_link_voids_the_earlier_one(app, browser):
    admin = await make_user("admin")
    rep = await make_user("rep")
    await browser.login(admin)
    first = reset_link(await issue(browser, rep))
    second = reset_link(await issue(browser, rep))

    async with open_browser(app) as visitor:
        assert (await visitor.get(first)).status_code == 404
        assert (await visitor.get(second)).status_code == 200


@pytest.mark.parametrize(
    "token",
    ["not-a-real-token", "x" * 5000, "%00%01", "%E2%80%AEa%20b%3Fc"],
    ids=["unknown", "very-long", "control-characters", "encoded-oddities"],
)
async def test_unknown_reset_links_get_the_clear_404_page(client, token: str):
    for response in (
        await client.get(f"/password-reset/{token}"),
        await client.post(f"/password-reset/{token}", data={"password": "x"}),
    ):
        assert response.status_code in (403, 404)  # a POST without a form token is refused
    page = await client.get(f"/password-reset/{token}")
    assert page.status_code == 404
    assert "This link can't be used" in html.unescape(page.text)
    assert "Go to sign in" in page.text


async def test_expired_reset_link_gets_the_clear_404_page(app, browser):
    admin = await make_user("admin")
    rep = await make_user("rep")
    await browser.login(admin)
    link = reset_link(await issue(browser, rep))
    await PasswordReset.filter(user_id=rep.id).update(expires_at=now() - timedelta(minutes=1))

    async with open_browser(app) as visitor:
        page = await visitor.get(link)
        sent = await visitor.post(link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})

    for response in (page, sent):
        assert response.status_code == 404
        assert "This reset link has expired. Ask an admin for a new one." in response.text
    assert (await User.get(id=rep.id)).password_hash == rep.password_hash


async def test_a_reset_password_that_wont_do_is_refused_beside_its_field_and_the_link_stays_good(
    app, browser
):
    admin = await make_user("admin")
    rep = await make_user("rep")
    await browser.login(admin)
    link = reset_link(await issue(browser, rep))

    async with open_browser(app) as visitor:
        short = await visitor.post(link, {"password": "short", "confirm": "short"})
        differs = await visitor.post(link, {"password": NEW_PASSWORD, "confirm": "other"})
        retry = await visitor.post(link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})

    assert short.status_code == differs.status_code == 400
    assert field_error(short, "password") == "Use at least 12 characters."
    assert field_error(differs, "confirm") == "The two passwords differ."
    assert 'value="short"' not in short.text and NEW_PASSWORD not in differs.text
    assert retry.status_code == 303


async def test_no_reset_link_for_a_deactivated_person_and_theirs_stops_working(app, browser):
    admin = await make_user("admin")
    rep = await make_user("rep", name="Sam Whitaker")
    await browser.login(admin)
    link = reset_link(await issue(browser, rep))

    await browser.post(f"/admin/people/{rep.id}/active", {"active": "0"})
    refused = await issue(browser, rep)
    people = await browser.get("/admin/people")

    assert refused.status_code == 303
    assert "Sam Whitaker is deactivated. Reactivate them first" in html.unescape(people.text)
    assert await PasswordReset.filter(user_id=rep.id).count() == 1
    async with open_browser(app) as visitor:
        assert (await visitor.get(link)).status_code == 404


async def test_someone_signed_in_is_warned_that_the_link_signs_them_in_as_its_owner(browser):
    admin = await make_user("admin", name="Ada Lindqvist")
    rep = await make_user("rep", name="Sam Whitaker")
    await browser.login(admin)
    link = reset_link(await issue(browser, rep))

    page = await browser.get(link)

    assert "You're signed in as Ada Lindqvist." in html.unescape(page.text)
    assert "signs you in as Sam Whitaker instead" in page.text


async def test_using_a_reset_link_while_signed_in_as_oneself_keeps_working(app, browser):
    """The person's own session is among those signed out; they end up signed in afresh."""
    admin = await make_user("admin")
    rep = await make_user("rep")
    async with open_browser(app) as admin_browser:
        await admin_browser.login(admin)
        link = reset_link(await issue(admin_browser, rep))
    await browser.login(rep)
    old_key = browser.client.cookies.get("tandem_session")

    done = await browser.post(link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})

    assert done.status_code == 303
    assert (await browser.get("/")).status_code == 200
    assert browser.client.cookies.get("tandem_session") != old_key
    assert await WebSession.filter(user_id=rep.id).count() == 1


async def test_people_who_are_not_admins_cannot_issue_reset_links(browser):
    rep = await make_user("rep")
    for roles in (["rep"], ["manager"], ["trainer"]):
        await browser.login(await make_user(*roles))
        refused = await browser.post(f"/admin/people/{rep.id}/password-reset")
        assert refused.status_code == 403
        await browser.post("/logout")
    assert not await PasswordReset.exists()


async def test_link_and_reset_pages_have_the_layout_and_labelled_fields(app, browser):
    admin = await make_user("admin")
    rep = await make_user("rep")
    await browser.login(admin)
    link_page = await issue(browser, rep)
    async with open_browser(app) as visitor:
        reset_page = await visitor.get(reset_link(link_page))
        forgot_page = await visitor.get("/login/forgot")

    for page in (link_page, reset_page, forgot_page):
        parsed = structure_of(page)
        assert parsed.tags.count("main") == 1
        assert parsed.unlabelled() == []
    assert structure_of(reset_page).fields

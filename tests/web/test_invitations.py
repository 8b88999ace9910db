"""Admins invite people by email with roles; the one-time link sets a password and signs in."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest_asyncio

from coaching.clock import now
from coaching.identity import invitations
from coaching.identity.accounts import hash_token
from coaching.identity.models import Invitation
from coaching.models import Role, User
from tests.factories import Browser, make_user, posts_to, text_of

NEW_PASSWORD = "a long enough secret"


@pytest_asyncio.fixture
async def invitee(app) -> AsyncIterator[Browser]:  # type: ignore[no-untyped-def]
    """The invited person's own browser: no session, separate from the admin's."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield Browser(c)


def link_on(page: httpx.Response) -> str:
    found = re.search(r'id="invite-link"[^>]*value="([^"]+)"', page.text)
    assert found, "the page shows no invitation link"
    return html.unescape(found.group(1))


def path_of(link: str) -> str:
    return httpx.URL(link).path


async def invite_as_admin(browser: Browser, **form: object) -> httpx.Response:
    admin = await make_user("admin")
    await browser.login(admin)
    return await browser.post("/admin/invite", form)


async def test_admin_invites_by_email_with_roles_and_gets_a_link(browser):
    page = await invite_as_admin(
        browser, name="Nina New", email="Nina@Example.com", roles=["rep", "manager"]
    )

    assert page.status_code == 200
    link = link_on(page)
    assert link.startswith("http://testserver/invitations/")
    assert "send this link to nina@example.com" in text_of(page.text).lower()
    assert "It works once and expires in 7 days." in text_of(page.text)
    invitation = await Invitation.get(email="nina@example.com")
    assert set(invitation.roles) == {"rep", "manager"}
    token = link.rsplit("/", 1)[1]
    assert invitation.token_hash == hash_token(token)
    assert token not in invitation.token_hash  # only the hash is stored
    assert invitation.used_at is None


async def test_invitation_link_sets_an_argon2id_password_and_signs_in_with_the_roles(
    browser, invitee
):
    link = link_on(
        await invite_as_admin(
            browser, name="Nina New", email="nina@example.com", roles=["rep", "manager"]
        )
    )

    welcome = await invitee.get(path_of(link))
    assert welcome.status_code == 200
    assert "Welcome, Nina New" in welcome.text
    accepted = await invitee.post(
        path_of(link),
        {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "timezone": "Europe/Paris"},
    )

    assert accepted.status_code == 303
    assert accepted.headers["location"] == "http://testserver/"
    user = await User.filter(email="nina@example.com").prefetch_related("role_rows").get()
    assert set(user.roles) == {Role.REP, Role.MANAGER}
    assert user.timezone == "Europe/Paris"
    assert (user.password_hash or "").startswith("$argon2id$")
    assert NEW_PASSWORD not in (user.password_hash or "")
    home = await invitee.get("/")
    assert home.status_code == 200
    assert "Welcome to Tandem, Nina." in home.text
    assert (await invitee.get("/pairings/new")).status_code == 200  # the manager role works
    # And the new password works for a later, ordinary sign-in.
    await invitee.post("/logout")
    assert (await invitee.login(user, NEW_PASSWORD)).status_code == 303


async def test_invitation_link_works_only_once(browser, invitee):
    link = path_of(
        link_on(await invite_as_admin(browser, name="Nina", email="nina@example.com", roles="rep"))
    )
    form = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "timezone": "UTC"}
    assert (await invitee.post(link, form)).status_code == 303
    await invitee.post("/logout")

    again = await invitee.get(link)
    reuse = await invitee.post(link, {**form, "password": "another password!", "confirm": "x"})

    for response in (again, reuse):
        assert response.status_code == 404
        assert "text/html" in response.headers["content-type"]
        text = text_of(response.text)
        assert "This invitation can't be used" in html.unescape(text)
        assert "has been used, replaced or withdrawn. Ask an admin for a new one." in text
    assert await User.filter(email="nina@example.com").count() == 1
    assert (await invitee.get("/")).status_code == 303  # the second use signed no one in


async def test_expired_invitation_is_refused(invitee):
    admin = await make_user("admin")
    token = await invitations.invite(admin, "late@example.com", "Late Larry", ["rep"], days=7)
    await Invitation.filter(email="late@example.com").update(
        expires_at=now() - timedelta(minutes=1)
    )

    page = await invitee.get(f"/invitations/{token}")
    submitted = await invitee.post(
        f"/invitations/{token}",
        {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "timezone": "UTC"},
    )

    for response in (page, submitted):
        assert response.status_code == 404
        assert "This invitation link has expired. Ask an admin for a new one." in response.text
    assert not await User.filter(email="late@example.com").exists()


async def test_unknown_invitation_token_gets_the_clear_404_page(invitee):
    page = await invitee.get("/invitations/not-a-real-token")
    assert page.status_code == 404
    assert "Ask an admin for a new one." in page.text
    assert "Go to sign in" in page.text


async def test_invite_with_bad_email_and_no_role_shows_each_error_and_keeps_input(browser):
    page = await invite_as_admin(browser, name="Nina New", email="not-an-email")

    assert page.status_code == 400
    assert "Enter an email address like name@example.com." in page.text
    assert "Choose at least one role." in page.text
    assert 'value="Nina New"' in page.text
    assert 'value="not-an-email"' in page.text
    assert 'aria-invalid="true" aria-describedby="email-error"' in page.text
    assert 'id="invite-link"' not in page.text
    assert not await Invitation.exists()


async def test_invite_with_missing_name_keeps_the_chosen_roles(browser):
    page = await invite_as_admin(browser, name="  ", email="nina@example.com", roles=["trainer"])

    assert page.status_code == 400
    assert "Name is required." in page.text
    assert 'value="nina@example.com"' in page.text
    assert re.search(r'value="trainer"\s+checked', page.text)
    assert not re.search(r'value="rep"\s+checked', page.text)
    assert not await Invitation.exists()


async def test_invite_for_an_existing_account_is_refused_with_a_field_error(browser):
    await make_user("rep", email="taken@example.com")
    page = await invite_as_admin(browser, name="Taken", email="taken@example.com", roles=["rep"])
    assert page.status_code == 400
    assert "taken@example.com already has an account." in page.text
    assert not await Invitation.exists()


async def _open_invitation() -> str:
    admin = await make_user("admin")
    return await invitations.invite(admin, "nina@example.com", "Nina New", ["rep"], days=7)


async def test_short_password_re_renders_with_the_error_and_writes_nothing(invitee):
    token = await _open_invitation()

    page = await invitee.post(
        f"/invitations/{token}",
        {"password": "short", "confirm": "short", "timezone": "Europe/Paris"},
    )

    assert page.status_code == 400
    assert "Use at least 12 characters." in page.text
    assert 'aria-describedby="password-error"' in page.text
    assert '<option value="Europe/Paris" selected>' in page.text  # input kept
    assert 'value="short"' not in page.text  # passwords are never echoed back
    assert not await User.filter(email="nina@example.com").exists()
    assert (await Invitation.get(email="nina@example.com")).used_at is None


async def test_mismatched_confirmation_re_renders_with_the_error_and_writes_nothing(invitee):
    token = await _open_invitation()

    page = await invitee.post(
        f"/invitations/{token}",
        {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "!", "timezone": "Asia/Tokyo"},
    )

    assert page.status_code == 400
    assert "The two passwords differ." in page.text
    assert 'aria-describedby="confirm-error"' in page.text
    assert '<option value="Asia/Tokyo" selected>' in page.text
    assert NEW_PASSWORD not in page.text
    assert not await User.filter(email="nina@example.com").exists()
    # The failed attempt did not use up the link.
    retry = await invitee.post(
        f"/invitations/{token}",
        {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "timezone": "Asia/Tokyo"},
    )
    assert retry.status_code == 303


async def test_unknown_time_zone_is_a_field_error(invitee):
    token = await _open_invitation()
    page = await invitee.post(
        f"/invitations/{token}",
        {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "timezone": "Mars/Olympus"},
    )
    assert page.status_code == 400
    assert "Choose a time zone from the list" in page.text
    assert not await User.filter(email="nina@example.com").exists()


REFUSAL = "You can't run the organisation: people, invitations, the audit log (allowed: admins)."


async def test_non_admins_cannot_invite(browser):
    for roles in (["rep"], ["manager"], ["trainer"]):
        person = await make_user(*roles)
        await browser.login(person)

        page = await browser.get("/admin/invite")
        sent = await browser.post(
            "/admin/invite", {"name": "Sneaky", "email": "sneaky@example.com", "roles": "admin"}
        )

        for response in (page, sent):
            assert response.status_code == 403
            assert REFUSAL in html.unescape(response.text)
        await browser.post("/logout")
    assert not await Invitation.exists()


async def test_signed_out_visitor_is_sent_to_login_instead_of_the_invite_form(browser):
    page = await browser.get("/admin/invite")
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=/admin/invite"


# --- the invite form, one pending invitation per address, new links and revoking --------


def ticked_roles(page: httpx.Response) -> list[str]:
    return re.findall(r'name="roles" value="(\w+)"\s+checked', page.text)


async def test_invite_form_ticks_no_role_in_advance(browser):
    admin = await make_user("admin")
    await browser.login(admin)

    form = await browser.get("/admin/invite")
    after_inviting = await browser.post(
        "/admin/invite", {"name": "Nina New", "email": "nina@example.com", "roles": ["manager"]}
    )

    assert form.status_code == 200
    assert ticked_roles(form) == []
    assert 'id="invite-link"' in after_inviting.text
    assert ticked_roles(after_inviting) == []  # the form below the link starts afresh


async def test_inviting_the_same_address_again_replaces_the_pending_invitation(browser, invitee):
    first = path_of(
        link_on(await invite_as_admin(browser, name="Nina", email="nina@example.com", roles="rep"))
    )
    second = path_of(
        link_on(
            await browser.post(
                "/admin/invite",
                {"name": "Nina Novak", "email": "nina@example.com", "roles": "manager"},
            )
        )
    )

    assert (await invitee.get(first)).status_code == 404
    assert (await invitee.get(second)).status_code == 200
    people = text_of((await browser.get("/admin/people")).text)
    assert people.count("nina@example.com") == 1
    assert "Nina Novak nina@example.com · manager" in people


async def pending_id(email: str) -> int:
    return (await Invitation.get(pending_email=email)).id


async def test_people_page_offers_a_new_link_and_revoking_for_each_pending_invitation(browser):
    await invite_as_admin(browser, name="Nina New", email="nina@example.com", roles="rep")
    invitation = await pending_id("nina@example.com")

    page = await browser.get("/admin/people")

    assert page.status_code == 200
    assert posts_to(page, f"/admin/invitations/{invitation}/resend")
    assert posts_to(page, f"/admin/invitations/{invitation}/revoke")
    text = text_of(page.text)
    assert "New link for Nina New" in text
    assert "Revoke the invitation of Nina New" in text


async def test_a_new_link_is_shown_once_and_the_earlier_link_stops_working(browser, invitee):
    old = path_of(
        link_on(await invite_as_admin(browser, name="Nina", email="nina@example.com", roles="rep"))
    )
    invitation = await pending_id("nina@example.com")

    page = await browser.post(f"/admin/invitations/{invitation}/resend")

    assert page.status_code == 200
    text = text_of(page.text)
    assert "New invitation link for Nina" in text
    assert "The earlier invitation link no longer works." in text
    new = path_of(link_on(page))
    assert new != old
    gone = await invitee.get(old)
    assert gone.status_code == 404
    assert "has been used, replaced or withdrawn" in gone.text
    welcome = await invitee.get(new)
    assert welcome.status_code == 200 and "Welcome, Nina" in welcome.text
    assert await Invitation.filter(pending_email="nina@example.com").count() == 1
    assert set((await Invitation.get(pending_email="nina@example.com")).roles) == {"rep"}


async def test_revoking_an_invitation_stops_its_link_and_says_so(browser, invitee):
    link = path_of(
        link_on(await invite_as_admin(browser, name="Nina", email="nina@example.com", roles="rep"))
    )
    invitation = await pending_id("nina@example.com")

    done = await browser.post(f"/admin/invitations/{invitation}/revoke")

    assert done.status_code == 303
    assert done.headers["location"] == "http://testserver/admin/people"
    people = await browser.get("/admin/people")
    assert "The invitation for Nina (nina@example.com) is revoked: its link no longer works." in (
        html.unescape(people.text)
    )
    assert "Invitations not yet accepted" not in people.text
    assert (await invitee.get(link)).status_code == 404
    assert not await Invitation.filter(pending_email__isnull=False).exists()


async def test_revoking_or_renewing_an_invitation_no_longer_pending_explains_why(browser):
    await invite_as_admin(browser, name="Nina", email="nina@example.com", roles="rep")
    invitation = await pending_id("nina@example.com")
    await browser.post(f"/admin/invitations/{invitation}/revoke")

    for action in ("revoke", "resend"):
        again = await browser.post(f"/admin/invitations/{invitation}/{action}")
        assert again.status_code == 303
        page = await browser.get("/admin/people")
        assert "That invitation is no longer pending." in page.text
        assert 'class="flash flash-error"' in page.text
    assert not await Invitation.filter(pending_email__isnull=False).exists()


async def test_the_link_is_in_a_read_only_labelled_field_and_copy_is_a_script_file(browser):
    page = await invite_as_admin(browser, name="Nina", email="nina@example.com", roles="rep")

    field = re.search(r'<input id="invite-link"[^>]*>', page.text)
    assert field and "readonly" in field.group(0)
    assert '<label for="invite-link">Invitation link</label>' in page.text
    # Without JavaScript there is no dead button: the script un-hides it.
    assert re.search(r'<button type="button"[^>]*data-copy="invite-link"[^>]*hidden>', page.text)
    scripts = re.findall(r"<script[^>]*>", page.text)
    assert len(scripts) == 1 and re.fullmatch(
        r'<script src="[^"]*/static/copy.js" defer>', scripts[0]
    )
    assert "<script>" not in page.text  # nothing inline: the CSP forbids it
    script = await browser.get("/static/copy.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert "clipboard" in script.text


async def test_pending_invitations_are_listed_a_page_at_a_time(browser):
    admin = await make_user("admin")
    await browser.login(admin)
    for n in range(invitations.INVITATIONS_PAGE + 1):
        await invitations.invite(admin, f"new{n}@example.com", f"New {n}", ["rep"], days=7)

    first = text_of((await browser.get("/admin/people")).text)
    second_page = await browser.get("/admin/people?invitations=2")
    second = text_of(second_page.text)

    assert first.count("· expires") == invitations.INVITATIONS_PAGE
    assert "Older invitations" in first
    assert "new20@example.com" in first and "new0@example.com" not in first  # newest first
    assert second.count("· expires") == 1 and "new0@example.com" in second
    assert "Newer invitations" in second

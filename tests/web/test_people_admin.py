"""The admin's People page beyond roles: sign-in delays, the audit log, and what each person
reads about the changes made to them (notices on their home page, their own audit lines)."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator

import pytest_asyncio

from coaching.clock import epoch_ms
from coaching.identity import audit, throttle
from coaching.identity.models import AuditAction, AuditEvent, LoginThrottle
from coaching.identity.throttle import FREE_ATTEMPTS
from coaching.models import CoachingSession, Notice, Pairing, PairingStatus
from tests.factories import (
    Browser,
    links_to,
    make_pairing,
    make_session,
    make_user,
    open_browser,
    text_of,
)
from tests.web.test_query_counts import counting_queries


@pytest_asyncio.fixture
async def other(app) -> AsyncIterator[Browser]:  # type: ignore[no-untyped-def]
    async with open_browser(app) as browser:
        yield browser


def page_text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(text_of(response.text))


async def slow_down(email: str, client: str = "198.51.100.7") -> None:
    """Failed sign-ins from one address, then as many more as make the next one wait the
    longest (the first delays last a second: longer than some tests take)."""
    for _ in range(FREE_ATTEMPTS):
        await throttle.claim_attempt(email, client)
    later = epoch_ms() + throttle.MAX_DELAY_SECONDS * 1000
    await LoginThrottle.filter(email=email, client=client).update(next_attempt_ms=later)


# --- sign-in delays ---------------------------------------------------------------------


async def test_clear_sign_in_delay_is_offered_only_for_people_who_are_slowed_down(browser):
    admin = await make_user("admin")
    slowed = await make_user("rep", name="Sam Whitaker")
    fine = await make_user("rep", name="Rosa Díaz")
    await slow_down(slowed.email)
    await browser.login(admin)

    page = await browser.get("/admin/people")

    assert f"/admin/people/{slowed.id}/sign-in-delay/clear" in page.text
    assert f"/admin/people/{fine.id}/sign-in-delay/clear" not in page.text
    text = page_text(page)
    assert "Clear sign-in delay of Sam Whitaker" in text
    assert text.count("Sign-ins slowed down after failed attempts") == 1


async def test_clearing_the_delay_lets_the_person_sign_in_at_once_and_is_audited(browser, other):
    admin = await make_user("admin", name="Ada Lindqvist")
    sam = await make_user("rep", name="Sam Whitaker")
    for _ in range(FREE_ATTEMPTS):
        await other.post("/login", {"email": sam.email, "password": "a wrong guess"})
    assert (await other.login(sam)).status_code == 429
    await browser.login(admin)

    done = await browser.post(f"/admin/people/{sam.id}/sign-in-delay/clear")

    assert done.status_code == 303
    people = await browser.get("/admin/people")
    assert "The sign-in delay of Sam Whitaker is cleared: they can try again at once." in (
        page_text(people)
    )
    assert "Clear sign-in delay" not in people.text
    assert not await LoginThrottle.filter(email=sam.email).exists()
    assert (await other.login(sam)).status_code == 303
    line = await AuditEvent.get(action=AuditAction.LOGIN_DELAY_CLEARED)
    assert (line.actor_name, line.subject_id) == ("Ada Lindqvist", sam.id)


async def test_people_page_learns_who_is_slowed_down_in_one_query_for_the_whole_page(browser):
    admin = await make_user("admin")
    await browser.login(admin)
    first = await make_user("rep")
    await slow_down(first.email)
    await browser.get("/admin/people")  # the first page after signing in shows the welcome
    with counting_queries() as few:
        assert (await browser.get("/admin/people")).status_code == 200
    for _ in range(10):
        await slow_down((await make_user("rep")).email)

    with counting_queries() as many:
        page = await browser.get("/admin/people")

    assert page.text.count("Clear sign-in delay") == 11
    assert many.count == few.count


# --- the audit log ------------------------------------------------------------------------


async def test_admin_reads_the_audit_log_as_sentences_newest_first(browser):
    admin = await make_user("admin", name="Ada Lindqvist")
    sam = await make_user("rep", name="Sam Whitaker", email="sam@example.com")
    await browser.login(admin)
    await browser.post(f"/admin/people/{sam.id}/roles", {"roles": ["rep", "manager"]})
    await browser.post(f"/admin/people/{sam.id}/active", {"active": "0"})

    page = await browser.get("/admin/audit")

    assert page.status_code == 200
    text = page_text(page)
    deactivated = text.index("Ada Lindqvist deactivated Sam Whitaker (sam@example.com)")
    roles = text.index("Ada Lindqvist changed the roles of Sam Whitaker (sam@example.com)")
    assert deactivated < roles  # newest first
    assert "rep → rep, manager ·" in text  # the detail, then the time
    assert '<time datetime="' in page.text


async def test_people_page_links_to_the_audit_log(browser):
    await browser.login(await make_user("admin"))
    page = await browser.get("/admin/people")
    assert links_to(page, "/admin/audit", "Audit log")


async def test_audit_log_is_read_a_page_at_a_time(browser):
    admin = await make_user("admin", name="Ada Lindqvist")
    await browser.login(admin)
    for n in range(audit.PAGE_SIZE + 1):
        person = await make_user("rep", name=f"Person {n:03}")
        await audit.record(admin, AuditAction.PASSWORD_RESET_ISSUED, person)

    first = page_text(await browser.get("/admin/audit"))
    second = page_text(await browser.get("/admin/audit?page=2"))
    beyond = await browser.get("/admin/audit?page=3")

    phrase = "issued a password reset link for"
    assert first.count(phrase) == audit.PAGE_SIZE
    assert "Person 050" in first and "Person 000" not in first
    assert "Older →" in first
    assert second.count(phrase) == 1 and "Person 000" in second
    assert "← Newer" in second
    assert beyond.status_code == 200 and "No older lines." in page_text(beyond)


async def test_only_admins_read_the_audit_log(browser):
    admin = await make_user("admin")
    rep = await make_user("rep")
    await audit.record(admin, AuditAction.DEACTIVATED, rep)
    for roles in (["rep"], ["manager"], ["trainer"]):
        await browser.login(await make_user(*roles))
        refused = await browser.get("/admin/audit")
        assert refused.status_code == 403
        assert "deactivated" not in refused.text
        await browser.post("/logout")


async def test_each_person_reads_the_changes_made_to_their_own_account_and_no_others(
    browser, other
):
    admin = await make_user("admin", name="Ada Lindqvist", email="ada@example.com")
    rosa = await make_user("rep", name="Rosa Díaz")
    sam = await make_user("rep", name="Sam Whitaker")
    await other.login(admin)
    await other.post(f"/admin/people/{rosa.id}/roles", {"roles": ["rep", "trainer"]})
    await other.post(f"/admin/people/{sam.id}/active", {"active": "0"})
    await browser.login(rosa)

    profile = await browser.get("/account")
    page = await browser.get("/account/changes")

    assert links_to(profile, "/account/changes", "Changes an admin made to my account →")
    assert page.status_code == 200
    text = page_text(page)
    assert "Ada Lindqvist (ada@example.com) changed your roles" in text
    assert "rep → rep, trainer" in text
    assert "Sam Whitaker" not in text and "deactivated" not in text


async def test_a_person_with_no_admin_changes_reads_that_nothing_changed(browser):
    await browser.login(await make_user("rep"))
    page = await browser.get("/account/changes")
    assert "No admin has changed anything about your account." in page_text(page)


# --- what follows from roles and deactivation, as the people concerned read it -------------


async def test_coach_losing_the_manager_role_ends_manager_pairings_and_both_sides_are_told(
    browser, other
):
    admin = await make_user("admin", name="Ada Lindqvist")
    maya = await make_user("manager", "rep", name="Maya Okafor")
    rosa = await make_user("rep", name="Rosa Díaz")
    jonas = await make_user("rep", name="Jonas Berg")
    managed = await make_pairing(maya, rosa, "manager")
    mentored = await make_pairing(maya, jonas, "mentor")
    await other.login(admin)

    await other.post(f"/admin/people/{maya.id}/roles", {"roles": ["rep"]})

    assert (await Pairing.get(id=managed.id)).status == PairingStatus.ENDED
    assert (await Pairing.get(id=mentored.id)).status == PairingStatus.ACTIVE
    await browser.login(rosa)
    home = page_text(await browser.get("/"))
    assert (
        "Your manager pairing with Maya Okafor has ended: Maya Okafor no longer has the manager "
        "role. What you had shared with them is private again." in home
    )
    changes = page_text(await browser.get("/account/changes"))
    assert "Ada Lindqvist" in changes and "ended a pairing of yours" in changes
    assert (
        "manager pairing of Rosa Díaz with Maya Okafor: Maya Okafor no longer has the manager role"
        in changes
    )
    await browser.post("/logout")
    await browser.login(maya)
    maya_home = page_text(await browser.get("/"))
    assert (
        "Your manager pairing with Rosa Díaz has ended: you no longer have the manager role."
        in maya_home
    )
    assert "Jonas Berg" in maya_home  # still coaching him as a mentor


async def test_a_dismissed_notice_leaves_the_home_page_and_others_notices_are_untouched(browser):
    rosa = await make_user("rep")
    sam = await make_user("rep")
    mine = await Notice.create(recipient=rosa, message="Your mentor pairing has ended.")
    theirs = await Notice.create(recipient=sam, message="Someone else's notice.")
    await browser.login(rosa)
    assert "Your mentor pairing has ended." in (await browser.get("/")).text

    done = await browser.post(f"/notices/{mine.id}/dismiss")
    meddling = await browser.post(f"/notices/{theirs.id}/dismiss")

    assert done.status_code == meddling.status_code == 303
    assert "Your mentor pairing has ended." not in (await browser.get("/")).text
    assert (await Notice.get(id=theirs.id)).dismissed_at is None


async def test_deactivating_a_rep_ends_their_pairings_and_their_coach_cannot_schedule(
    browser, other
):
    admin = await make_user("admin")
    maya = await make_user("manager", name="Maya Okafor")
    rosa = await make_user("rep", name="Rosa Díaz")
    pairing = await make_pairing(maya, rosa)
    await browser.login(maya)
    assert (await browser.get(f"/pairings/{pairing.id}/sessions/new")).status_code == 200
    await other.login(admin)

    await other.post(f"/admin/people/{rosa.id}/active", {"active": "0"})

    page = await browser.get(f"/pairings/{pairing.id}/sessions/new")
    sent = await browser.post(
        f"/pairings/{pairing.id}/sessions/new",
        {"title": "Catch-up", "date": "2030-01-07", "time": "10:00", "duration": "30"},
    )
    for response in (page, sent):
        assert response.status_code == 403
        assert (
            "This pairing is ended: sessions can only be scheduled while a pairing is active."
            in (page_text(response))
        )
    assert not await CoachingSession.filter(pairing_id=pairing.id).exists()
    home = page_text(await browser.get("/"))
    assert (
        "Your manager pairing with Rosa Díaz has ended: Rosa Díaz's account was deactivated."
        in home
    )
    assert "Schedule" not in home


async def test_deactivating_a_coach_ends_the_pairing_and_the_rep_is_told(browser, other):
    admin = await make_user("admin")
    maya = await make_user("manager", name="Maya Okafor")
    rosa = await make_user("rep", name="Rosa Díaz")
    pairing = await make_pairing(maya, rosa)
    await make_session(pairing)
    await other.login(admin)

    await other.post(f"/admin/people/{maya.id}/active", {"active": "0"})

    await browser.login(rosa)
    home = page_text(await browser.get("/"))
    assert (
        "Your manager pairing with Maya Okafor has ended: Maya Okafor's account was deactivated. "
        "What you had shared with them is private again." in home
    )
    # A rep can't schedule anyway; nobody can in an ended pairing.
    assert (await browser.get(f"/pairings/{pairing.id}/sessions/new")).status_code == 403


async def test_home_says_who_looked_at_your_things_since_you_last_checked(app, browser):
    rosa = await make_user("rep")
    coaches = [
        await make_user("manager", name=name)
        for name in ("Maya Okafor", "Leo Brandt", "Ines Costa", "Tomás Reyes")
    ]
    sessions = [await make_session(await make_pairing(c, rosa, "mentor")) for c in coaches]
    await browser.login(rosa)

    async def read_by(count: int) -> str:
        for coach, session in zip(coaches[:count], sessions[:count], strict=True):
            async with open_browser(app) as theirs:
                await theirs.login(coach)
                assert (await theirs.get(f"/sessions/{session.id}")).status_code == 200
        home = page_text(await browser.get("/"))
        await browser.get("/account/access-log")  # checked: the next home page starts afresh
        return home

    assert "looked at your things" not in page_text(await browser.get("/"))
    assert "Maya Okafor looked at your things since you last checked." in await read_by(1)
    assert "looked at your things" not in page_text(await browser.get("/"))
    assert "Leo Brandt and Maya Okafor looked at your things" in await read_by(2)
    assert "Ines Costa, Leo Brandt and Maya Okafor looked at" in await read_by(3)
    assert "Ines Costa, Leo Brandt and 2 others looked at your things" in await read_by(4)

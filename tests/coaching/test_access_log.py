"""docs/privacy.md promises 3 and 4: the rep can see who looked, and revoking takes effect at once.

Every read of a rep's data by someone else (session, shared goal, shared reflection,
snapshot) leaves an access event naming who, what and when; the rep's own reads leave
none; a refused read is not a read. Revoking a share, taking a snapshot back or ending
the pairing hides the thing from the coach on their very next request.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import pytest

from coaching import goals, reflections, sessions, snapshots
from coaching.clock import now
from coaching.errors import NotFound
from coaching.identity.accounts import update_profile
from coaching.models import AccessEvent, CoachingSession, Goal, PipelineSnapshot, Reflection, User
from coaching.timezones import to_local
from tests.factories import (
    make_goal,
    make_pairing,
    make_reflection,
    make_session,
    make_snapshot,
    make_user,
    open_browser,
    reload,
    text_of,
)


@dataclass
class Pair:
    rep: User
    coach: User
    session: CoachingSession
    shared_goal: Goal
    private_goal: Goal
    shared_reflection: Reflection
    private_reflection: Reflection
    brought: PipelineSnapshot
    kept: PipelineSnapshot


async def coaching_pair() -> Pair:
    """A rep and their coach; one of each thing shared or brought, one of each kept back."""
    rep = await make_user("rep", name="Rosa Rep")
    coach = await make_user("manager", name="Maya Coach")
    pairing = await make_pairing(coach, rep)
    session = await make_session(pairing)
    shared_goal = await make_goal(rep, "Close the Northwind renewal")
    await goals.share_goal(rep, shared_goal.id, [coach.id])
    shared_reflection = await make_reflection(rep, "Discovery went well this week.")
    await reflections.share_reflection(rep, shared_reflection.id, [coach.id])
    brought = await make_snapshot(rep, deal="Contoso expansion")
    await snapshots.bring_to_session(rep, brought.id, session.id)
    return Pair(
        rep=rep,
        coach=coach,
        session=session,
        shared_goal=shared_goal,
        private_goal=await make_goal(rep, "Ask for a raise"),
        shared_reflection=shared_reflection,
        private_reflection=await make_reflection(rep, "I dread the Monday pipeline call."),
        brought=brought,
        kept=await make_snapshot(rep, deal="Kept to myself"),
    )


async def reads_of(rep: User) -> set[tuple[int, str, int]]:
    """(who, what kind, which) of every access event about the rep."""
    events = await AccessEvent.filter(subject_id=rep.id)
    return {(e.actor_id, e.object_kind, e.object_id) for e in events}


# --- reads by the coach are logged ------------------------------------------------------


async def test_coach_opening_a_session_page_is_logged_with_who_what_and_when(app) -> None:
    pair = await coaching_pair()
    async with open_browser(app) as coach:
        await coach.login(pair.coach)
        before = now()
        page = await coach.get(f"/sessions/{pair.session.id}")
        after = now()

    assert page.status_code == 200
    event = await AccessEvent.get(subject_id=pair.rep.id, object_kind="session")
    assert event.actor_id == pair.coach.id
    assert event.object_id == pair.session.id
    assert event.kind == "read"
    assert before <= event.at <= after


async def test_coach_reading_shared_goal_reflection_and_snapshot_on_the_session_page_is_logged(
    app,
) -> None:
    pair = await coaching_pair()
    async with open_browser(app) as coach:
        await coach.login(pair.coach)
        page = text_of((await coach.get(f"/sessions/{pair.session.id}")).text)

    assert "Close the Northwind renewal" in page
    assert "Discovery went well this week." in page
    assert "Ask for a raise" not in page and "I dread the Monday" not in page
    c = pair.coach.id
    assert await reads_of(pair.rep) == {
        (c, "session", pair.session.id),
        (c, "goal", pair.shared_goal.id),
        (c, "reflection", pair.shared_reflection.id),
        (c, "snapshot", pair.brought.id),
    }


async def test_coach_seeing_a_brought_snapshot_on_the_session_page_is_logged(app) -> None:
    pair = await coaching_pair()
    async with open_browser(app) as coach:
        await coach.login(pair.coach)
        response = await coach.get(f"/sessions/{pair.session.id}")
        own_page = await coach.get(f"/snapshots/{pair.brought.id}")

    assert response.status_code == 200
    assert "Contoso expansion" in response.text
    assert own_page.status_code == 404  # the snapshot's own page is the rep's alone
    reads = await reads_of(pair.rep)
    assert (pair.coach.id, "snapshot", pair.brought.id) in reads
    assert (pair.coach.id, "snapshot", pair.kept.id) not in reads


async def test_coach_reading_a_shared_goal_through_the_domain_is_logged(db) -> None:
    pair = await coaching_pair()
    goal = await goals.get_goal(pair.coach, pair.shared_goal.id)
    assert goal.title == "Close the Northwind renewal"
    assert await reads_of(pair.rep) == {(pair.coach.id, "goal", pair.shared_goal.id)}


async def test_coach_reading_a_shared_reflection_through_the_domain_is_logged(db) -> None:
    pair = await coaching_pair()
    entry = await reflections.get_reflection(pair.coach, pair.shared_reflection.id)
    assert entry.body == "Discovery went well this week."
    assert await reads_of(pair.rep) == {(pair.coach.id, "reflection", pair.shared_reflection.id)}


async def test_rep_sees_who_looked_in_their_access_log(app, browser) -> None:
    pair = await coaching_pair()
    async with open_browser(app) as coach:
        await coach.login(pair.coach)
        await coach.get(f"/sessions/{pair.session.id}")

    await browser.login(pair.rep)
    response = await browser.get("/account/access-log")

    assert response.status_code == 200
    assert "Maya Coach" in text_of(response.text)  # only an access event names the coach here
    assert await AccessEvent.filter(subject_id=pair.coach.id).count() == 0, (
        "the coach's reads are events about the rep, not about the coach"
    )


# --- what is not logged -------------------------------------------------------------------


async def test_reps_own_reads_write_no_access_events(browser) -> None:
    pair = await coaching_pair()
    await browser.login(pair.rep)
    for url in (
        "/",
        f"/sessions/{pair.session.id}",
        "/sessions",
        "/goals",
        "/journal",
        "/snapshots",
        f"/snapshots/{pair.brought.id}",
        f"/snapshots/{pair.kept.id}",
        "/account/access-log",
    ):
        assert (await browser.get(url)).status_code == 200, url
    await goals.get_goal(pair.rep, pair.private_goal.id)
    await reflections.get_reflection(pair.rep, pair.private_reflection.id)
    await snapshots.get_snapshot(pair.rep, pair.kept.id)

    assert await AccessEvent.all().count() == 0


@pytest.mark.parametrize("role", ["manager", "admin", "trainer"])
async def test_refused_reads_by_others_write_no_access_events(app, role: str) -> None:
    pair = await coaching_pair()
    async with open_browser(app) as other:
        await other.login(await make_user(role))
        session = await other.get(f"/sessions/{pair.session.id}")
        snapshot = await other.get(f"/snapshots/{pair.brought.id}")

    assert session.status_code == 404
    assert snapshot.status_code == 404
    assert await AccessEvent.all().count() == 0


# --- revocation takes effect on the next request ------------------------------------------


async def test_revoking_a_shared_goal_hides_it_from_the_coach_on_the_next_request(
    app, browser
) -> None:
    pair = await coaching_pair()
    await browser.login(pair.rep)
    async with open_browser(app) as coach:
        await coach.login(pair.coach)
        url = f"/sessions/{pair.session.id}"
        assert "Close the Northwind renewal" in text_of((await coach.get(url)).text)

        revoked = await browser.post(f"/goals/{pair.shared_goal.id}/sharing", {})
        assert revoked.status_code == 303
        goal_reads = AccessEvent.filter(object_kind="goal", object_id=pair.shared_goal.id)
        reads_before = await goal_reads.count()

        page = await coach.get(url)

    assert page.status_code == 200
    assert "Close the Northwind renewal" not in text_of(page.text)
    with pytest.raises(NotFound):
        await goals.get_goal(pair.coach, pair.shared_goal.id)
    assert await goal_reads.count() == reads_before, "a hidden goal was logged as read"


async def test_revoking_a_shared_reflection_hides_it_from_the_coach_on_the_next_request(
    app, browser
) -> None:
    pair = await coaching_pair()
    await browser.login(pair.rep)
    async with open_browser(app) as coach:
        await coach.login(pair.coach)
        url = f"/sessions/{pair.session.id}"
        assert "Discovery went well this week." in text_of((await coach.get(url)).text)

        revoked = await browser.post(f"/journal/{pair.shared_reflection.id}/sharing", {})
        assert revoked.status_code == 303

        page = await coach.get(url)

    assert "Discovery went well this week." not in text_of(page.text)


async def test_taking_a_snapshot_back_hides_it_from_the_coach_on_the_next_request(
    app, browser
) -> None:
    pair = await coaching_pair()
    await browser.login(pair.rep)
    async with open_browser(app) as coach:
        await coach.login(pair.coach)
        before = await coach.get(f"/sessions/{pair.session.id}")
        assert "Contoso expansion" in text_of(before.text)

        taken_back = await browser.post(
            f"/snapshots/{pair.brought.id}/take-back", {"session_id": str(pair.session.id)}
        )
        assert taken_back.status_code == 303

        session_page = await coach.get(f"/sessions/{pair.session.id}")

    assert "Contoso expansion" not in text_of(session_page.text)


async def test_ending_the_pairing_hides_the_session_from_the_coach_on_the_next_request(
    app, browser
) -> None:
    pair = await coaching_pair()
    pairing_id = pair.session.pairing_id
    await browser.login(pair.rep)
    async with open_browser(app) as coach:
        await coach.login(pair.coach)
        assert (await coach.get(f"/sessions/{pair.session.id}")).status_code == 200

        ended = await browser.post(f"/pairings/{pairing_id}/end", {})
        assert ended.status_code == 303

        session = await coach.get(f"/sessions/{pair.session.id}")
        snapshot = await coach.get(f"/snapshots/{pair.brought.id}")

    assert session.status_code == 404
    assert snapshot.status_code == 404


# --- the rep's view of the log reads well -------------------------------------------------


async def rep_log(browser, rep: User, query: str = "") -> str:  # type: ignore[no-untyped-def]
    await browser.login(rep)
    response = await browser.get(f"/account/access-log{query}")
    assert response.status_code == 200
    return text_of(html.unescape(response.text))


async def test_repeated_reads_of_one_thing_by_one_person_are_one_line_with_a_count(
    app, browser
) -> None:
    pair = await coaching_pair()
    for _ in range(3):
        await goals.get_goal(pair.coach, pair.shared_goal.id)
    await sessions.get_session_page(pair.coach, pair.session.id)

    log = await rep_log(browser, pair.rep)

    assert log.count("Maya Coach") == 4  # goal, session, snapshot and reflection: one line each
    assert "opened your goal ‘Close the Northwind renewal’ 4 times, last on" in log


async def test_each_line_names_the_item_read(app, browser) -> None:
    pair = await coaching_pair()
    await sessions.get_session_page(pair.coach, pair.session.id)
    rep = await reload(pair.rep)
    local_day = to_local(pair.session.starts_at, rep.timezone).strftime("%d %b %Y")

    log = await rep_log(browser, rep)

    assert f"opened your session of {local_day}" in log
    assert "opened your goal ‘Close the Northwind renewal’" in log
    assert "opened your journal entry of" in log and "opened your snapshot of" in log


async def test_the_log_can_be_filtered_to_one_reader(app, browser) -> None:
    pair = await coaching_pair()
    mentor = await make_user("rep", name="Mo Mentor")
    await make_pairing(mentor, pair.rep, kind="mentor")
    await goals.share_goal(pair.rep, pair.shared_goal.id, [pair.coach.id, mentor.id])
    await goals.get_goal(pair.coach, pair.shared_goal.id)
    await goals.get_goal(mentor, pair.shared_goal.id)

    everyone = await rep_log(browser, pair.rep)
    only_mentor = await rep_log(browser, pair.rep, f"?reader={mentor.id}")

    assert "Maya Coach" in everyone and "Mo Mentor" in everyone
    assert "Mo Mentor" in only_mentor and "opened" in only_mentor
    assert "Maya Coach (" not in only_mentor.split("Show reads by")[1].split("Show")[1]


async def test_a_reader_who_renames_themself_is_shown_as_they_were_when_reading(
    app, browser
) -> None:
    pair = await coaching_pair()
    await goals.get_goal(pair.coach, pair.shared_goal.id)
    await update_profile(pair.coach, "Someone Else", "UTC")

    log = await rep_log(browser, pair.rep)

    assert f"Maya Coach ({pair.coach.email}) opened your goal" in log
    assert "Someone Else" not in log


async def test_home_says_who_looked_since_the_reps_last_visit_to_the_log(app, browser) -> None:
    pair = await coaching_pair()
    await browser.login(pair.rep)
    assert "looked at your things" not in text_of((await browser.get("/")).text)

    await goals.get_goal(pair.coach, pair.shared_goal.id)
    home = text_of((await browser.get("/")).text)
    assert "Maya Coach looked at your things since you last checked" in home

    await browser.get("/account/access-log")
    assert "looked at your things" not in text_of((await browser.get("/")).text)

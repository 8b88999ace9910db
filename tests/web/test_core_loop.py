"""The core coaching loop through the web forms, as people would use it."""

import html
from datetime import timedelta

from coaching.clock import now
from coaching.models import AgendaItem, CoachingSession, Goal, Pairing, PairingStatus, Reflection
from playbooks.models import Playbook
from tests.factories import make_pairing, make_session, make_user, text_of

AGREEMENT = {"sees": "Our sessions", "why": "To help you", "cadence": "Every two weeks"}


async def as_user(browser, user):
    browser.client.cookies.clear()
    response = await browser.login(user)
    assert response.status_code == 303, response.text
    return browser


async def test_pairing_is_proposed_accepted_and_a_session_scheduled(browser):
    manager = await make_user("manager", name="Maya Okafor", timezone="Europe/London")
    rep = await make_user("rep", name="Rosa Diaz", timezone="Europe/Madrid")
    await as_user(browser, manager)
    form = {"coach_id": str(manager.id), "rep_id": str(rep.id), "kind": "manager", **AGREEMENT}
    proposed = await browser.post("/pairings/new", form)
    assert proposed.status_code == 303
    pairing = await Pairing.get(rep_id=rep.id)

    await as_user(browser, rep)
    home = await browser.get("/")
    assert "Waiting for your answer" in home.text and "Maya Okafor" in home.text
    detail = await browser.get(f"/pairings/{pairing.id}")
    assert "Our sessions" in detail.text and "Every two weeks" in detail.text
    await browser.post(f"/pairings/{pairing.id}/respond", {"answer": "accept"})
    assert (await Pairing.get(id=pairing.id)).status == PairingStatus.ACTIVE

    await as_user(browser, manager)
    day = (now() + timedelta(days=10)).date().isoformat()
    scheduled = await browser.post(
        f"/pairings/{pairing.id}/sessions/new",
        {"title": "Weekly coaching", "date": day, "time": "09:00", "duration": "30"},
    )
    assert scheduled.status_code == 303
    session = await CoachingSession.get(pairing_id=pairing.id)
    # 09:00 London is 10:00 Madrid: each viewer sees their own zone.
    await as_user(browser, rep)
    page = await browser.get(f"/sessions/{session.id}")
    assert "10:00" in page.text and "Europe/Madrid" in page.text


async def test_bad_session_time_keeps_input_and_names_the_field(browser):
    manager, rep = await make_user("manager"), await make_user()
    pairing = await make_pairing(manager, rep)
    await as_user(browser, manager)
    response = await browser.post(
        f"/pairings/{pairing.id}/sessions/new",
        {"title": "My special title", "date": "2030-02-30", "time": "09:00", "duration": "30"},
    )
    assert response.status_code == 400
    assert "My special title" in response.text
    assert 'id="date-error"' in response.text
    assert await CoachingSession.all().count() == 0


async def test_both_add_agenda_items_and_notes_in_a_session(browser):
    manager, rep = await make_user("manager"), await make_user()
    session = await make_session(await make_pairing(manager, rep))
    await as_user(browser, rep)
    await browser.post(f"/sessions/{session.id}/agenda", {"text": "Northwind renewal"})
    await browser.post(f"/sessions/{session.id}/shared-notes", {"shared_notes": "Next: call Acme"})
    await as_user(browser, manager)
    await browser.post(f"/sessions/{session.id}/agenda", {"text": "Pricing objection"})
    await browser.post(f"/sessions/{session.id}/private-note", {"private_note": "coach-only words"})
    page = await browser.get(f"/sessions/{session.id}")
    assert "Northwind renewal" in page.text and "Pricing objection" in page.text
    assert "Next: call Acme" in page.text and "coach-only words" in page.text
    await as_user(browser, rep)
    rep_page = await browser.get(f"/sessions/{session.id}")
    assert "Pricing objection" in rep_page.text and "coach-only words" not in rep_page.text


async def test_empty_agenda_item_is_refused_where_the_user_is(browser):
    manager, rep = await make_user("manager"), await make_user()
    session = await make_session(await make_pairing(manager, rep))
    await as_user(browser, rep)
    response = await browser.post(f"/sessions/{session.id}/agenda", {"text": "   "})
    assert response.status_code == 400
    assert "Agenda item is required." in response.text
    assert await AgendaItem.all().count() == 0


async def test_rep_adds_a_private_goal_and_shares_it_with_the_coach(browser):
    manager, rep = await make_user("manager", name="Maya Okafor"), await make_user()
    session = await make_session(await make_pairing(manager, rep))
    await as_user(browser, rep)
    await browser.post("/goals", {"title": "Run discovery without a script"})
    goal = await Goal.get(owner_id=rep.id)
    await as_user(browser, manager)
    assert (
        "Run discovery without a script" not in (await browser.get(f"/sessions/{session.id}")).text
    )
    await as_user(browser, rep)
    shared = await browser.post(f"/goals/{goal.id}/sharing", {"coach_ids": str(manager.id)})
    assert shared.status_code == 303
    await as_user(browser, manager)
    assert "Run discovery without a script" in (await browser.get(f"/sessions/{session.id}")).text


async def test_rep_writes_a_reflection_private_by_default(browser):
    manager, rep = await make_user("manager"), await make_user()
    session = await make_session(await make_pairing(manager, rep))
    await as_user(browser, rep)
    saved = await browser.post("/journal", {"body": "I rushed the **pricing** part."})
    assert saved.status_code == 303
    journal = await browser.get("/journal")
    assert "<strong>pricing</strong>" in journal.text
    entry = await Reflection.get(author_id=rep.id)
    await as_user(browser, manager)
    assert "pricing" not in (await browser.get(f"/sessions/{session.id}")).text
    await as_user(browser, rep)
    await browser.post(f"/journal/{entry.id}/sharing", {"coach_ids": str(manager.id)})
    await as_user(browser, manager)
    assert "<strong>pricing</strong>" in (await browser.get(f"/sessions/{session.id}")).text


async def test_trainer_publishes_a_markdown_playbook_and_a_manager_reads_it(browser):
    trainer, manager = await make_user("trainer"), await make_user("manager")
    await as_user(browser, trainer)
    body = "# Ask first\n\nUse the snapshot to **ask**, not to check."
    await browser.post("/playbooks/new", {"title": "Ask first", "summary": "s", "body": body})
    playbook = await Playbook.get(title="Ask first")
    await browser.post(f"/playbooks/{playbook.id}/publish")
    await as_user(browser, manager)
    home = await browser.get("/")
    assert "Playbooks to read" in home.text and "Ask first" in home.text
    page = await browser.get(f"/playbooks/{playbook.id}")
    assert "<strong>ask</strong>" in page.text
    await browser.post(f"/playbooks/{playbook.id}/read")
    assert "Ask first" not in text_of((await browser.get("/")).text).split("Playbooks to read")[1]


async def test_each_role_home_page_shows_what_comes_next(browser):
    admin = await make_user("admin", name="Ada Admin")
    trainer = await make_user("trainer")
    manager, rep = await make_user("manager"), await make_user("rep", name="Rosa Diaz")
    await make_session(await make_pairing(manager, rep))
    waiting = await make_user("rep", name="Elif Waiting")
    await make_pairing(manager, waiting, status=PairingStatus.PROPOSED)
    await Playbook.create(author=trainer, title="Half-written guide", body="x", body_html="x")
    expectations = {
        admin: [
            "Your organisation",
            "Invite someone",
            "waiting for the rep's answer",
            "Elif Waiting",
        ],
        trainer: ["Playbooks to read", "Your drafts", "Half-written guide"],
        manager: ["Upcoming sessions", "People you coach", "Rosa Diaz", "Schedule"],
        rep: ["Upcoming sessions", "Open agenda items", "My goals"],
    }
    for user, phrases in expectations.items():
        await as_user(browser, user)
        page = text_of((await browser.get("/")).text)
        for phrase in phrases:
            assert phrase in page, f"{phrase!r} missing on {user.roles} home"


async def test_removed_agenda_item_can_be_undone_from_the_message(browser):
    manager, rep = await make_user("manager"), await make_user()
    session = await make_session(await make_pairing(manager, rep))
    await as_user(browser, rep)
    await browser.post(f"/sessions/{session.id}/agenda", {"text": "Northwind renewal"})
    item = await AgendaItem.get(text="Northwind renewal")
    await browser.post(f"/agenda/{item.id}/delete")
    page = await browser.get(f"/sessions/{session.id}")
    assert "Removed “Northwind renewal” from the agenda." in page.text
    assert f'action="http://testserver/sessions/{session.id}/agenda"' in page.text
    assert 'name="text" value="Northwind renewal"' in page.text
    await browser.post(f"/sessions/{session.id}/agenda", {"text": "Northwind renewal"})
    assert await AgendaItem.filter(session_id=session.id, text="Northwind renewal").count() == 1


async def test_past_sessions_are_paginated(browser):
    from coaching.models import CoachingSession as CS

    manager, rep = await make_user("manager"), await make_user()
    pairing = await make_pairing(manager, rep)
    for days_ago in range(1, 24):
        await CS.create(
            pairing=pairing,
            title=f"Past {days_ago}",
            duration_minutes=30,
            starts_at=now() - timedelta(days=days_ago),
            created_by_id=manager.id,
        )
    await as_user(browser, rep)
    first = text_of((await browser.get("/sessions")).text)
    assert "Past 1 " in first and "Past 20 " in first and "Past 21 " not in first
    assert "Earlier →" in first
    second = text_of((await browser.get("/sessions?page=2")).text)
    assert "Past 21 " in second and "Past 23 " in second and "Past 20 " not in second
    assert "Coming up" not in second


async def test_admin_removing_own_admin_role_gets_a_message_not_an_error_page(browser):
    admin = await make_user("admin")
    await as_user(browser, admin)
    response = await browser.post(f"/admin/people/{admin.id}/roles", {"roles": "rep"})
    assert response.status_code == 303
    page = html.unescape((await browser.get("/admin/people")).text)
    assert "You can't remove your own admin role" in page
    assert (await browser.get("/admin/people")).status_code == 200


async def test_deactivation_offers_undo_that_reactivates(browser):
    from coaching.models import User

    admin, rep = await make_user("admin"), await make_user("rep", name="Rosa Diaz")
    await as_user(browser, admin)
    await browser.post(f"/admin/people/{rep.id}/active", {"active": "0"})
    page = (await browser.get("/admin/people")).text
    assert "Rosa Diaz is deactivated" in page and ">Undo</button>" in page
    await browser.post(f"/admin/people/{rep.id}/active", {"active": "1"})
    assert (await User.get(id=rep.id)).is_active

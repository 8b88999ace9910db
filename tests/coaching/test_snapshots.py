"""Snapshots are the rep's: importing is all or nothing and happens once per content and
day; a coach sees a snapshot only while it is brought to a session of their active
pairing, and only the deals brought; every such read is logged."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from coaching import pairings, sessions, snapshots
from coaching.errors import Invalid, NotFound, PermissionDenied
from coaching.models import AccessEvent, ObjectKind, User
from coaching.pipeline.diff import ChangeKind
from coaching.pipeline.models import BroughtSnapshot, DealContext, PipelineSnapshot, SnapshotDeal
from coaching.pipeline.pages import compare_page, deal_records
from playbooks import library
from tests.factories import (
    make_deal,
    make_pairing,
    make_playbook,
    make_session,
    make_snapshot,
    make_user,
)

pytestmark = pytest.mark.usefixtures("db")
NOON = time(12, 0)


async def _world() -> tuple[User, User, object, object]:
    rep = await make_user("rep", name="Rosa Rep")
    coach = await make_user("manager", name="Maya Coach")
    pairing = await make_pairing(coach, rep)
    session = await make_session(pairing)
    return rep, coach, pairing, session


async def test_the_same_content_for_the_same_day_is_one_snapshot() -> None:
    rep = await make_user("rep")
    deals = [make_deal("Acme"), make_deal("Globex", crm_id="0061")]
    first = await make_snapshot(rep, deals=deals, taken_on=date(2026, 11, 20))
    again = await make_snapshot(rep, deals=list(reversed(deals)), taken_on=date(2026, 11, 20))
    later = await make_snapshot(rep, deals=deals, taken_on=date(2026, 11, 27))
    assert again.id == first.id
    assert later.id != first.id
    assert await PipelineSnapshot.filter(owner_id=rep.id).count() == 2
    assert await SnapshotDeal.filter(snapshot_id=first.id).count() == 2


async def test_only_an_active_rep_can_own_a_snapshot() -> None:
    manager = await make_user("manager")
    with pytest.raises(Invalid, match="not an active rep"):
        await make_snapshot(manager)
    assert await PipelineSnapshot.all().count() == 0


async def test_coach_sees_a_whole_snapshot_brought_to_their_session_and_the_read_is_logged() -> (
    None
):
    rep, coach, _, session = await _world()
    snap = await make_snapshot(rep, deals=[make_deal("Acme"), make_deal("Globex")])
    await snapshots.bring_to_session(rep, snap.id, session.id)
    page = await sessions.get_session_page(coach, session.id)
    assert [b.view.snapshot.id for b in page.snapshots] == [snap.id]
    assert {d.name for d in page.snapshots[0].view.deals} == {"Acme", "Globex"}
    logged = await AccessEvent.filter(actor_id=coach.id, object_kind=ObjectKind.SNAPSHOT)
    assert [e.object_id for e in logged] == [snap.id]


async def test_coach_sees_only_the_deals_the_rep_picked() -> None:
    rep, coach, _, session = await _world()
    snap = await make_snapshot(rep, deals=[make_deal("Acme"), make_deal("Globex")])
    acme = await SnapshotDeal.get(snapshot_id=snap.id, name="Acme")
    await snapshots.bring_to_session(rep, snap.id, session.id, [acme.id])
    page = await sessions.get_session_page(coach, session.id)
    assert [d.name for d in page.snapshots[0].view.deals] == ["Acme"]
    assert not page.snapshots[0].view.whole


async def test_a_taken_back_snapshot_is_gone_on_the_coachs_next_request() -> None:
    rep, coach, _, session = await _world()
    snap = await make_snapshot(rep)
    await snapshots.bring_to_session(rep, snap.id, session.id)
    assert (await sessions.get_session_page(coach, session.id)).snapshots
    await snapshots.take_back(rep, snap.id, session.id)
    assert (await sessions.get_session_page(coach, session.id)).snapshots == []


async def test_a_coach_never_reads_a_snapshot_that_was_not_brought() -> None:
    rep, coach, _, session = await _world()
    kept = await make_snapshot(rep, deal="Kept to myself")
    assert (await sessions.get_session_page(coach, session.id)).snapshots == []
    with pytest.raises(NotFound):
        await snapshots.get_snapshot(coach, kept.id)
    assert not await AccessEvent.filter(actor_id=coach.id, object_kind=ObjectKind.SNAPSHOT)


async def test_a_manager_outside_the_pairing_cannot_see_what_was_brought() -> None:
    rep, _, _, session = await _world()
    snap = await make_snapshot(rep)
    await snapshots.bring_to_session(rep, snap.id, session.id)
    outsider = await make_user("manager")
    await make_pairing(outsider, await make_user("rep"))
    with pytest.raises(NotFound):
        await sessions.get_session_page(outsider, session.id)
    assert await snapshots.brought_to_session(outsider, session.id) == []


async def test_a_rep_cannot_bring_to_someone_elses_session_or_a_coach_bring_for_the_rep() -> None:
    rep, coach, _, session = await _world()
    other_rep = await make_user("rep")
    other_session = await make_session(await make_pairing(coach, other_rep, kind="mentor"))
    snap = await make_snapshot(rep)
    with pytest.raises(Invalid):
        await snapshots.bring_to_session(rep, snap.id, other_session.id)
    with pytest.raises(NotFound):
        await snapshots.bring_to_session(coach, snap.id, session.id)
    assert await BroughtSnapshot.all().count() == 0


async def test_ending_the_pairing_takes_brought_snapshots_back_for_good() -> None:
    rep, coach, pairing, session = await _world()
    snap = await make_snapshot(rep)
    await snapshots.bring_to_session(rep, snap.id, session.id)
    await pairings.end_pairing(rep, pairing.id)
    assert await BroughtSnapshot.filter(snapshot_id=snap.id).count() == 0
    again = await make_pairing(coach, rep)
    new_session = await make_session(again)
    assert (await sessions.get_session_page(coach, new_session.id)).snapshots == []


async def test_the_agreement_can_bring_each_new_snapshot_to_the_next_session() -> None:
    rep, coach, pairing, session = await _world()
    pairing.auto_bring_snapshot = True
    await pairing.save()
    first = await make_snapshot(rep, deal="Acme", taken_on=date.today() - timedelta(days=7))
    second = await make_snapshot(rep, deal="Globex")
    brought = await BroughtSnapshot.filter(session_id=session.id)
    assert [(b.snapshot_id, b.automatic) for b in brought] == [(second.id, True)]
    await snapshots.set_auto_bring(rep, pairing.id, False)
    await make_snapshot(rep, deal="Initech", taken_on=date.today() - timedelta(days=1))
    assert [b.snapshot_id for b in await BroughtSnapshot.filter(session_id=session.id)] == [
        second.id
    ]
    assert first.id != second.id


async def test_deals_the_rep_wants_help_with_come_first_with_their_words() -> None:
    rep, coach, _, session = await _world()
    snap = await make_snapshot(
        rep, deals=[make_deal("Acme", close_in_days=5), make_deal("Globex", close_in_days=60)]
    )
    globex = await SnapshotDeal.get(snapshot_id=snap.id, name="Globex")
    await snapshots.save_deal_context(rep, snap.id, globex.id, "Legal is slow.", True)
    await snapshots.bring_to_session(rep, snap.id, session.id)
    view = (await sessions.get_session_page(coach, session.id)).snapshots[0].view
    assert [d.name for d in view.wanted_first] == ["Globex", "Acme"]
    context = view.context(view.wanted_first[0])
    assert context is not None and context.note == "Legal is slow." and context.wants_help


async def test_a_coach_cannot_write_context_on_a_reps_deal() -> None:
    rep, coach, _, session = await _world()
    snap = await make_snapshot(rep)
    deal = await SnapshotDeal.get(snapshot_id=snap.id)
    await snapshots.bring_to_session(rep, snap.id, session.id)
    with pytest.raises(PermissionDenied):
        await snapshots.save_deal_context(coach, snap.id, deal.id, "Push harder", True)
    assert not await DealContext.all().exists()


async def test_session_page_shows_what_changed_since_the_pairings_last_session() -> None:
    rep, coach, pairing, upcoming = await _world()
    past = await make_session(pairing, days_ahead=-14)
    old = await make_snapshot(
        rep,
        taken_on=date.today() - timedelta(days=14),
        deals=[make_deal("Acme", close_in_days=10), make_deal("Globex"), make_deal("Initech")],
    )
    new = await make_snapshot(
        rep,
        deals=[
            make_deal("Acme", close_in_days=40),
            make_deal("Globex", status=snapshots.DealStatus.WON, stage="Closed Won"),
            make_deal("Umbrella"),
        ],
    )
    await snapshots.bring_to_session(rep, old.id, past.id)
    await snapshots.bring_to_session(rep, new.id, upcoming.id)
    shown = (await sessions.get_session_page(coach, upcoming.id)).snapshots[0]
    assert shown.since is not None and shown.since.id == old.id
    assert shown.changes is not None
    names = shown.changes.names_by_kind()
    assert names[ChangeKind.PUSHED_OUT] == ["Acme"]
    assert names[ChangeKind.WON] == ["Globex"]
    assert names[ChangeKind.NEW] == ["Umbrella"]
    assert names[ChangeKind.DISAPPEARED] == ["Initech"]


async def test_changes_of_a_partial_bringing_tell_only_about_the_deals_brought() -> None:
    rep, coach, pairing, upcoming = await _world()
    past = await make_session(pairing, days_ahead=-14)
    old = await make_snapshot(
        rep,
        taken_on=date.today() - timedelta(days=14),
        deals=[make_deal("Acme", close_in_days=10), make_deal("Initech")],
    )
    new = await make_snapshot(rep, deals=[make_deal("Acme", close_in_days=40), make_deal("Hooli")])
    acme = await SnapshotDeal.get(snapshot_id=new.id, name="Acme")
    await snapshots.bring_to_session(rep, old.id, past.id)
    await snapshots.bring_to_session(rep, new.id, upcoming.id, [acme.id])
    shown = (await sessions.get_session_page(coach, upcoming.id)).snapshots[0]
    assert shown.changes is not None
    assert {c.name for c in shown.changes.changes} == {"Acme"}


async def test_a_session_scheduled_under_an_auto_bring_agreement_gets_the_latest_snapshot() -> None:
    rep, coach, pairing, _ = await _world()
    await make_snapshot(rep, deal="Older", taken_on=date.today() - timedelta(days=7))
    latest = await make_snapshot(rep, deal="Latest")
    form = sessions.ScheduleForm("Deal review", date.today() + timedelta(days=4), NOON, 30)
    plain = await sessions.schedule_session(coach, pairing.id, form)
    assert not await BroughtSnapshot.filter(session_id=plain.id).exists()
    pairing.auto_bring_snapshot = True
    await pairing.save()
    session = await sessions.schedule_session(coach, pairing.id, form)
    brought = await BroughtSnapshot.filter(session_id=session.id)
    assert [(b.snapshot_id, b.automatic) for b in brought] == [(latest.id, True)]


async def test_deal_records_read_the_rows_as_the_models_do() -> None:
    rep = await make_user("rep")
    first = await make_snapshot(
        rep,
        deals=[
            make_deal("Acme", close_in_days=None, amount=None, crm_id="0061", next_step=""),
            make_deal("Globex", status=snapshots.DealStatus.WON, stage="Closed Won"),
            make_deal("Initech", close_in_days=-3, currency="JPY", amount=1_000),
            make_deal("Hooli", close_in_days=-3),
        ],
    )
    second = await make_snapshot(rep, deals=[make_deal("Acme")], taken_on=date(2026, 1, 5))
    found = await deal_records([first.id, second.id])
    for snapshot in (first, second):
        models = await SnapshotDeal.filter(snapshot_id=snapshot.id)  # close date, then id
        assert found[snapshot.id] == [deal.record() for deal in models]
        assert all(type(r.status) is snapshots.DealStatus for r in found[snapshot.id])
    assert await deal_records([]) == {}


async def test_compare_page_diffs_two_of_the_reps_own_snapshots_only() -> None:
    rep, coach, _, _ = await _world()
    old = await make_snapshot(
        rep,
        taken_on=date.today() - timedelta(days=14),
        deals=[make_deal("Acme", close_in_days=10), make_deal("Initech")],
    )
    new = await make_snapshot(rep, deals=[make_deal("Acme", close_in_days=40), make_deal("Hooli")])
    for first, second in ((old.id, new.id), (new.id, old.id)):
        page = await compare_page(rep, first, second)
        assert (page.old.id, page.new.id) == (old.id, new.id)
        names = page.changes.names_by_kind()
        assert names[ChangeKind.PUSHED_OUT] == ["Acme"]
        assert names[ChangeKind.NEW] == ["Hooli"]
        assert names[ChangeKind.DISAPPEARED] == ["Initech"]
        assert page.currency == "EUR"
    with pytest.raises(NotFound):
        await compare_page(coach, old.id, new.id)
    with pytest.raises(Invalid):
        await compare_page(rep, old.id, old.id)


async def test_the_session_page_lists_25_deals_and_the_rest_page_by_page(app, browser) -> None:
    rep, coach, _, session = await _world()
    deals = [make_deal(f"Deal {i:03}", close_in_days=i) for i in range(130)]
    snap = await make_snapshot(rep, deals=deals)
    brought = await SnapshotDeal.get(snapshot_id=snap.id, name="Deal 129")
    await snapshots.save_deal_context(rep, snap.id, brought.id, "Stuck in legal", True)
    await snapshots.bring_to_session(rep, snap.id, session.id)
    await browser.login(coach)
    page = (await browser.get(f"/sessions/{session.id}")).text
    assert page.count('data-label="Deal"') == 25
    assert page.index("Deal 129") < page.index("Deal 000")  # help wanted comes first
    assert "See every change, question and deal (130 deals)" in page
    url = f"/sessions/{session.id}/deals?snapshot={snap.id}"
    first, second = (await browser.get(url)).text, (await browser.get(url + "&page=2")).text
    assert first.count('data-label="Deal"') == 100 and second.count('data-label="Deal"') == 30
    assert "Next" in first and "Deal 099" in second
    outsider = await make_user("manager")
    browser.client.cookies.clear()
    await browser.login(outsider)
    assert (await browser.get(url)).status_code == 404


async def test_bringing_again_with_other_deals_shows_the_new_choice_at_once() -> None:
    """What a bringing shows is kept in memory (pipeline/memo.py); a new choice is a new
    bringing, never the old one's memory."""
    rep, coach, _, session = await _world()
    snap = await make_snapshot(rep, deals=[make_deal("Acme"), make_deal("Globex")])
    acme = await SnapshotDeal.get(snapshot_id=snap.id, name="Acme")
    globex = await SnapshotDeal.get(snapshot_id=snap.id, name="Globex")
    for picked, name in ((acme, "Acme"), (globex, "Globex"), (acme, "Acme")):
        await snapshots.bring_to_session(rep, snap.id, session.id, [picked.id])
        for _ in range(2):
            page = await sessions.get_session_page(coach, session.id)
            assert [d.name for d in page.snapshots[0].view.deals] == [name]
    await snapshots.bring_to_session(rep, snap.id, session.id)
    page = await sessions.get_session_page(coach, session.id)
    assert {d.name for d in page.snapshots[0].view.deals} == {"Acme", "Globex"}


async def test_a_question_links_the_published_playbook_tagged_with_its_signal(app, browser) -> None:
    rep, coach, _, session = await _world()
    trainer = await make_user("trainer")
    tagged = await make_playbook(
        trainer, "When the next step is missing", published=True, signals="no-next-step"
    )
    await make_playbook(trainer, "A draft on next steps", signals="no-next-step")
    snap = await make_snapshot(rep, deals=[make_deal("Acme", next_step="")])
    await snapshots.bring_to_session(rep, snap.id, session.id)
    await browser.login(coach)
    page = (await browser.get(f"/sessions/{session.id}")).text
    question = page[page.index('data-signal="no-next-step"') :]
    question = question[: question.index("</li>")]
    assert f"/playbooks/{tagged.id}" in question
    assert "A draft on next steps" not in page


async def test_the_coach_is_offered_the_playbooks_for_the_signals_present_by_published_title(
    app, browser
) -> None:
    rep, coach, _, session = await _world()
    trainer = await make_user("trainer")
    tagged = await make_playbook(
        trainer, "When the next step is missing", published=True, signals="no-next-step"
    )
    form = {name: getattr(tagged, name) for name in library.CONTENT_FIELDS}
    await library.edit_playbook(trainer, tagged.id, {**form, "title": "Unpublished rename"})
    unrelated = await make_playbook(
        trainer, "Pushed dates", published=True, signals="close-date-pushed-twice"
    )
    snap = await make_snapshot(rep, deals=[make_deal("Acme", next_step="")])
    await snapshots.bring_to_session(rep, snap.id, session.id)
    await browser.login(coach)
    page = (await browser.get(f"/sessions/{session.id}")).text
    offered = page[page.index("Playbooks for these questions") :]
    offered = offered[: offered.index("</ul>")]
    assert "When the next step is missing" in offered and f"/playbooks/{tagged.id}" in offered
    assert f"/playbooks/{unrelated.id}" not in offered
    assert "Unpublished rename" not in page
    browser.client.cookies.clear()
    await browser.login(rep)
    assert (
        "Playbooks for these questions" not in (await browser.get(f"/sessions/{session.id}")).text
    )

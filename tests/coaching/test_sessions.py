from datetime import date, time, timedelta

import pytest

from coaching import sessions
from coaching.clock import now
from coaching.errors import Invalid, NotFound, PermissionDenied
from coaching.models import AgendaItem, PairingStatus
from tests.factories import make_pairing, make_session, make_user


def schedule_form(day: date, at: str = "09:30", minutes: str = "30"):
    return sessions.parse_schedule(
        {"title": "Pipeline review", "date": day.isoformat(), "time": at, "duration": minutes}
    )


async def test_session_time_entered_in_coach_zone_is_stored_in_utc(db):
    coach = await make_user("manager", timezone="America/New_York")
    rep = await make_user("rep", timezone="Asia/Tokyo")
    pairing = await make_pairing(coach, rep)
    day = (now() + timedelta(days=30)).date()
    created = await sessions.schedule_session(coach, pairing.id, schedule_form(day, "09:30"))
    stored = (await type(created).get(id=created.id)).starts_at
    local = stored.astimezone(__import__("zoneinfo").ZoneInfo("America/New_York"))
    assert (local.date(), local.time()) == (day, time(9, 30))
    assert stored.utcoffset() == timedelta(0)


async def test_only_the_coach_of_an_active_pairing_schedules(db):
    coach, rep = await make_user("manager"), await make_user()
    proposed = await make_pairing(coach, rep, status=PairingStatus.PROPOSED)
    day = (now() + timedelta(days=3)).date()
    with pytest.raises(PermissionDenied):
        await sessions.schedule_session(coach, proposed.id, schedule_form(day))
    active = await make_pairing(await make_user("manager"), rep, "mentor")
    with pytest.raises(PermissionDenied):
        await sessions.schedule_session(rep, active.id, schedule_form(day))


@pytest.mark.parametrize(
    ("field", "value"),
    [("date", "14/03/2026"), ("time", "25:99"), ("duration", "5"), ("duration", "many")],
)
async def test_bad_schedule_input_names_the_field(db, field, value):
    form = {"title": "x", "date": "2030-01-01", "time": "10:00", "duration": "30", field: value}
    with pytest.raises(Invalid) as caught:
        sessions.parse_schedule(form)
    assert field in caught.value.errors


async def test_both_sides_add_agenda_items_and_see_them(db):
    coach, rep = await make_user("manager"), await make_user()
    session = await make_session(await make_pairing(coach, rep))
    await sessions.add_agenda_item(rep, session.id, "Northwind renewal")
    await sessions.add_agenda_item(coach, session.id, "Discovery questions")
    for viewer in (coach, rep):
        page = await sessions.get_session_page(viewer, session.id)
        assert [i.text for i in page.agenda] == ["Northwind renewal", "Discovery questions"]


async def test_only_the_author_removes_an_agenda_item(db):
    coach, rep = await make_user("manager"), await make_user()
    session = await make_session(await make_pairing(coach, rep))
    item = await sessions.add_agenda_item(rep, session.id, "Mine")
    with pytest.raises(PermissionDenied):
        await sessions.delete_agenda_item(coach, item.id)
    await sessions.delete_agenda_item(rep, item.id)
    assert not await AgendaItem.filter(id=item.id).exists()


async def test_shared_notes_are_written_by_both_and_private_notes_by_each(db):
    coach, rep = await make_user("manager"), await make_user()
    session = await make_session(await make_pairing(coach, rep))
    await sessions.save_shared_notes(coach, session.id, "Agreed next step")
    await sessions.save_private_note(coach, session.id, "coach's own thought")
    await sessions.save_private_note(rep, session.id, "rep's own thought")
    coach_page = await sessions.get_session_page(coach, session.id)
    rep_page = await sessions.get_session_page(rep, session.id)
    assert coach_page.session.shared_notes == rep_page.session.shared_notes == "Agreed next step"
    assert coach_page.private_note.body == "coach's own thought"
    assert rep_page.private_note.body == "rep's own thought"


async def test_ended_pairing_hides_sessions_from_coach_but_not_from_rep(db):
    coach, rep = await make_user("manager"), await make_user()
    pairing = await make_pairing(coach, rep)
    session = await make_session(pairing)
    pairing.status = PairingStatus.ENDED
    await pairing.save()
    with pytest.raises(NotFound):
        await sessions.get_session_page(coach, session.id)
    page = await sessions.get_session_page(rep, session.id)
    assert page.can_write is False


async def test_agenda_item_text_has_an_explicit_length_limit(db):
    coach, rep = await make_user("manager"), await make_user()
    session = await make_session(await make_pairing(coach, rep))
    with pytest.raises(Invalid) as caught:
        await sessions.add_agenda_item(rep, session.id, "x" * 301)
    assert "300" in caught.value.errors["text"]

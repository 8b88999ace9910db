"""The agenda is the rep's first: their points lead; what wasn't discussed moves on."""

import pytest

from coaching import sessions
from coaching.errors import Invalid, NotFound
from coaching.models import AgendaItem
from coaching.sessions import MAX_AGENDA_ITEMS
from tests.factories import make_pairing, make_session, make_user


async def test_the_reps_points_come_first_then_the_coachs_each_in_the_order_added(db):
    coach, rep = await make_user("manager"), await make_user("rep")
    session = await make_session(await make_pairing(coach, rep))
    for author, text in ((coach, "C1"), (rep, "R1"), (coach, "C2"), (rep, "R2")):
        await sessions.add_agenda_item(author, session.id, text)
    page = await sessions.get_session_page(coach, session.id)
    assert [item.text for item in page.agenda] == ["R1", "R2", "C1", "C2"]


async def test_open_points_move_to_the_next_session_and_discussed_ones_stay(db):
    coach, rep = await make_user("manager"), await make_user("rep")
    pairing = await make_pairing(coach, rep)
    past, cancelled, later = (
        await make_session(pairing, days_ahead=-7),
        await make_session(pairing, days_ahead=3),
        await make_session(pairing, days_ahead=10),
    )
    await sessions.cancel_session(coach, cancelled.id)
    open_item = await sessions.add_agenda_item(rep, past.id, "Pricing")
    done = await sessions.add_agenda_item(rep, past.id, "Discovery")
    await sessions.toggle_agenda_item(rep, done.id)
    carried = await sessions.carry_open_agenda(coach, past.id)
    assert (carried.moved, carried.left, carried.to.id) == (1, 0, later.id)
    assert (await AgendaItem.get(id=open_item.id)).session_id == later.id
    assert (await AgendaItem.get(id=done.id)).session_id == past.id


async def test_carrying_needs_a_later_session_and_respects_the_agenda_limit(db):
    coach, rep = await make_user("manager"), await make_user("rep")
    pairing = await make_pairing(coach, rep)
    first = await make_session(pairing, days_ahead=-7)
    await sessions.add_agenda_item(rep, first.id, "One")
    await sessions.add_agenda_item(rep, first.id, "Two")
    with pytest.raises(Invalid, match="schedule one first"):
        await sessions.carry_open_agenda(rep, first.id)
    full = await make_session(pairing, days_ahead=7)
    await AgendaItem.bulk_create(
        [AgendaItem(session=full, author=rep, text=f"T{i}") for i in range(MAX_AGENDA_ITEMS - 1)]
    )
    carried = await sessions.carry_open_agenda(rep, first.id)
    assert (carried.moved, carried.left) == (1, 1)
    assert await AgendaItem.filter(session_id=full.id).count() == MAX_AGENDA_ITEMS
    with pytest.raises(NotFound):
        await sessions.carry_open_agenda(await make_user("manager"), first.id)

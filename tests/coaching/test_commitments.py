"""Commitments: either side owns them, they follow the pairing's sessions until done, and
each person has their own list across pairings."""

from datetime import timedelta

import pytest

from coaching import commitments, pairings, sessions
from coaching.clock import now
from coaching.errors import Invalid, NotFound, PermissionDenied
from coaching.models import Commitment
from tests.factories import make_pairing, make_session, make_user


async def _pair():
    coach, rep = await make_user("manager"), await make_user("rep")
    pairing = await make_pairing(coach, rep)
    first = await make_session(pairing, days_ahead=-7)
    second = await make_session(pairing, days_ahead=7)
    return coach, rep, pairing, first, second


def _form(text: str, owner, due: str = "") -> dict[str, str]:
    return {"text": text, "owner_id": str(owner.id), "due_on": due}


async def _on_page(actor, session) -> list[str]:
    return [c.text for c in (await sessions.get_session_page(actor, session.id)).commitments]


async def test_both_sides_commit_for_either_side_and_both_see_it(db):
    coach, rep, _, first, _ = await _pair()
    await commitments.add_commitment(rep, first.id, _form("Send the proposal", rep))
    await commitments.add_commitment(rep, first.id, _form("Intro to the CFO", coach))
    await commitments.add_commitment(coach, first.id, _form("Share the pricing deck", coach))
    for actor in (coach, rep):
        assert sorted(await _on_page(actor, first)) == [
            "Intro to the CFO",
            "Send the proposal",
            "Share the pricing deck",
        ]
    owners = {c.text: c.owner_id for c in await Commitment.all()}
    assert owners["Intro to the CFO"] == coach.id and owners["Send the proposal"] == rep.id


async def test_an_open_commitment_follows_to_the_next_sessions_until_done(db):
    coach, rep, _, first, second = await _pair()
    made = await commitments.add_commitment(coach, first.id, _form("Call Acme's buyer", rep))
    assert await _on_page(rep, second) == ["Call Acme's buyer"]
    await commitments.set_done(rep, made.id, True)
    assert await _on_page(rep, second) == []
    assert await _on_page(rep, first) == ["Call Acme's buyer"]  # still where it was made
    await commitments.set_done(coach, made.id, False)
    assert await _on_page(rep, second) == ["Call Acme's buyer"]


async def test_a_commitment_made_later_does_not_show_in_earlier_sessions(db):
    coach, rep, _, first, second = await _pair()
    await commitments.add_commitment(coach, second.id, _form("Prepare the QBR", coach))
    assert await _on_page(coach, first) == []


async def test_the_owner_must_be_one_of_the_pair(db):
    coach, rep, _, first, _ = await _pair()
    stranger = await make_user("rep")
    with pytest.raises(Invalid) as caught:
        await commitments.add_commitment(coach, first.id, _form("Do it", stranger))
    assert set(caught.value.errors) == {"owner_id"}


@pytest.mark.parametrize(
    ("due", "message"),
    [("tomorrowish", "is not a day"), ("2099-01-01", "a year from now"), ("1999-12-31", "today")],
)
async def test_a_due_day_must_be_a_real_day_within_a_year(db, due, message):
    coach, rep, _, first, _ = await _pair()
    with pytest.raises(Invalid) as caught:
        await commitments.add_commitment(coach, first.id, _form("Do it", rep, due))
    assert message in caught.value.errors["due_on"]
    assert not await Commitment.exists()


async def test_people_outside_the_pairing_cannot_touch_it(db):
    coach, rep, _, first, _ = await _pair()
    made = await commitments.add_commitment(rep, first.id, _form("Send the proposal", rep))
    outsider = await make_user("manager")
    with pytest.raises(NotFound):
        await commitments.set_done(outsider, made.id, True)
    with pytest.raises(NotFound):
        await commitments.add_commitment(outsider, first.id, _form("Mine", outsider))
    with pytest.raises(PermissionDenied):
        await commitments.remove(coach, made.id)  # the rep wrote it
    assert not (await Commitment.get(id=made.id)).is_done


async def test_after_the_pairing_ends_the_rep_still_reads_them_and_nobody_adds_more(db):
    coach, rep, pairing, first, _ = await _pair()
    await commitments.add_commitment(coach, first.id, _form("Send the proposal", rep))
    await pairings.end_pairing(rep, pairing.id)
    assert await _on_page(rep, first) == ["Send the proposal"]
    with pytest.raises((PermissionDenied, NotFound)):
        await commitments.add_commitment(rep, first.id, _form("One more", rep))


async def test_my_commitments_lists_my_own_across_pairings_with_the_open_ones_by_due_day(db):
    coach, rep, _, first, _ = await _pair()
    mentor = await make_user("manager")
    mentoring = await make_session(await make_pairing(mentor, rep, kind="mentor"))
    soon = (now().date() + timedelta(days=2)).isoformat()
    later = (now().date() + timedelta(days=20)).isoformat()
    await commitments.add_commitment(coach, first.id, _form("Later thing", rep, later))
    await commitments.add_commitment(mentor, mentoring.id, _form("Soon thing", rep, soon))
    await commitments.add_commitment(rep, first.id, _form("Coach's thing", coach))
    done = await commitments.add_commitment(rep, first.id, _form("Done thing", rep))
    await commitments.set_done(rep, done.id, True)
    mine = await commitments.mine(rep)
    assert [c.text for c in mine.open] == ["Soon thing", "Later thing"]
    assert [c.text for c in mine.recently_done] == ["Done thing"]
    assert [c.text for c in (await commitments.mine(coach)).open] == ["Coach's thing"]


async def test_a_pairing_holds_at_most_fifty_open_commitments(db):
    coach, rep, _, first, _ = await _pair()
    for n in range(commitments.MAX_OPEN_PER_PAIRING):
        await Commitment.create(
            pairing_id=first.pairing_id, made_in=first, owner=rep, author=rep, text=f"Item {n}"
        )
    with pytest.raises(Invalid, match="50 open commitments at most"):
        await commitments.add_commitment(coach, first.id, _form("One too many", rep))


async def test_the_coach_home_shows_what_the_rep_wants_to_talk_about_and_logs_the_read(db):
    from coaching.home import home_for
    from coaching.models import AccessEvent, AgendaItem, ObjectKind

    coach, rep, _, _, upcoming = await _pair()
    await sessions.add_agenda_item(rep, upcoming.id, "Pricing objection practice")
    await sessions.add_agenda_item(coach, upcoming.id, "My own point")
    done = await sessions.add_agenda_item(rep, upcoming.id, "Already covered")
    await AgendaItem.filter(id=done.id).update(done=True)

    home = await home_for(coach)

    assert [item.text for item in home.reps_topics] == ["Pricing objection practice"]
    events = await AccessEvent.filter(subject_id=rep.id, actor_id=coach.id)
    assert [(e.object_kind, e.object_id) for e in events] == [(ObjectKind.SESSION, upcoming.id)]
    assert (await home_for(rep)).reps_topics == []

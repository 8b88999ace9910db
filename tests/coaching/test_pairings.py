import pytest

from coaching import pairings
from coaching.errors import Conflict, Invalid, NotFound, PermissionDenied
from coaching.models import PairingStatus
from tests.factories import make_pairing, make_user

AGREEMENT = {"sees": "Shared notes", "why": "To grow", "cadence": "Fortnightly"}


def proposal(coach, rep, kind="manager", **overrides):
    form = {"coach_id": str(coach.id), "rep_id": str(rep.id), "kind": kind, **AGREEMENT}
    return pairings.parse_proposal({**form, **overrides})


async def test_manager_proposes_and_rep_accepts_the_agreement(db):
    manager, rep = await make_user("manager"), await make_user("rep")
    pairing = await pairings.propose_pairing(manager, proposal(manager, rep))
    assert pairing.status == PairingStatus.PROPOSED
    accepted = await pairings.respond_to_pairing(rep, pairing.id, accept=True)
    assert accepted.status == PairingStatus.ACTIVE and accepted.responded_at is not None


async def test_rep_can_decline_and_nothing_becomes_active(db):
    manager, rep = await make_user("manager"), await make_user("rep")
    pairing = await pairings.propose_pairing(manager, proposal(manager, rep))
    declined = await pairings.respond_to_pairing(rep, pairing.id, accept=False)
    assert declined.status == PairingStatus.DECLINED


async def test_only_the_rep_answers_a_proposal(db):
    manager, rep = await make_user("manager"), await make_user("rep")
    pairing = await pairings.propose_pairing(manager, proposal(manager, rep))
    with pytest.raises(PermissionDenied):
        await pairings.respond_to_pairing(manager, pairing.id, accept=True)


async def test_manager_cannot_propose_a_pairing_for_another_coach(db):
    manager, other, rep = await make_user("manager"), await make_user("manager"), await make_user()
    with pytest.raises(PermissionDenied):
        await pairings.propose_pairing(manager, proposal(other, rep))


async def test_admin_can_propose_for_any_manager(db):
    admin, manager, rep = await make_user("admin"), await make_user("manager"), await make_user()
    pairing = await pairings.propose_pairing(admin, proposal(manager, rep))
    assert pairing.coach_id == manager.id and pairing.proposed_by_id == admin.id


async def test_rep_cannot_propose_pairings(db):
    rep, other = await make_user("rep"), await make_user("rep")
    with pytest.raises(PermissionDenied):
        await pairings.propose_pairing(rep, proposal(rep, other, kind="mentor"))


async def test_a_rep_has_at_most_one_manager_pairing(db):
    first, second, rep = await make_user("manager"), await make_user("manager"), await make_user()
    await make_pairing(first, rep, "manager")
    with pytest.raises(Conflict):
        await pairings.propose_pairing(second, proposal(second, rep))


async def test_a_rep_may_have_several_mentor_pairings(db):
    admin, rep = await make_user("admin"), await make_user("rep")
    manager, mentor1, mentor2 = await make_user("manager"), await make_user(), await make_user()
    await make_pairing(manager, rep, "manager")
    await pairings.propose_pairing(admin, proposal(mentor1, rep, kind="mentor"))
    second = await pairings.propose_pairing(admin, proposal(mentor2, rep, kind="mentor"))
    assert second.kind == "mentor"


async def test_manager_pairing_needs_a_coach_with_the_manager_role(db):
    admin, not_manager, rep = await make_user("admin"), await make_user("rep"), await make_user()
    with pytest.raises(Invalid) as caught:
        await pairings.propose_pairing(admin, proposal(not_manager, rep))
    assert "coach_id" in caught.value.errors


async def test_agreement_must_say_what_the_coach_sees_why_and_how_often(db):
    manager, rep = await make_user("manager"), await make_user()
    with pytest.raises(Invalid) as caught:
        proposal(manager, rep, sees="", why=" ", cadence="")
    assert set(caught.value.errors) == {"sees", "why", "cadence"}


async def test_either_side_can_end_a_pairing(db):
    manager, rep = await make_user("manager"), await make_user()
    for ender in ("coach", "rep"):
        pairing = await make_pairing(manager, rep, "mentor")
        actor = manager if ender == "coach" else rep
        ended = await pairings.end_pairing(actor, pairing.id)
        assert ended.status == PairingStatus.ENDED and ended.ended_by_id == actor.id


async def test_outsider_cannot_see_or_end_a_pairing(db):
    manager, rep, outsider = (
        await make_user("manager"),
        await make_user(),
        await make_user("manager"),
    )
    pairing = await make_pairing(manager, rep)
    with pytest.raises(NotFound):
        await pairings.end_pairing(outsider, pairing.id)


async def test_ending_a_pairing_takes_back_what_the_rep_shared_with_that_coach(db):
    from coaching import goals, reflections

    manager, rep = await make_user("manager"), await make_user()
    pairing = await make_pairing(manager, rep)
    goal = await goals.add_goal(rep, {"title": "Shared goal"})
    entry = await reflections.write_reflection(rep, "Shared entry")
    await goals.share_goal(rep, goal.id, [manager.id])
    await reflections.share_reflection(rep, entry.id, [manager.id])
    await pairings.end_pairing(rep, pairing.id)
    await make_pairing(manager, rep)  # paired again later: nothing is shared until the rep says so
    with pytest.raises(NotFound):
        await goals.get_goal(manager, goal.id)
    with pytest.raises(NotFound):
        await reflections.get_reflection(manager, entry.id)

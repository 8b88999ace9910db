import pytest

from coaching import goals, reflections
from coaching.errors import Invalid, NotFound
from coaching.models import GoalStatus
from tests.factories import make_pairing, make_user


async def test_a_new_goal_is_private_to_its_owner(db):
    coach, rep = await make_user("manager"), await make_user()
    await make_pairing(coach, rep)
    goal = await goals.add_goal(rep, {"title": "Listen more on discovery calls"})
    assert await goal.shared_with.all().count() == 0
    with pytest.raises(NotFound):
        await goals.get_goal(coach, goal.id)


async def test_rep_shares_a_goal_with_a_paired_coach_and_can_take_it_back(db):
    coach, rep = await make_user("manager"), await make_user()
    await make_pairing(coach, rep)
    goal = await goals.add_goal(rep, {"title": "Close Northwind"})
    await goals.share_goal(rep, goal.id, [coach.id])
    assert (await goals.get_goal(coach, goal.id)).id == goal.id
    await goals.share_goal(rep, goal.id, [])
    with pytest.raises(NotFound):
        await goals.get_goal(coach, goal.id)


async def test_a_goal_cannot_be_shared_with_someone_outside_a_pairing(db):
    rep, stranger = await make_user(), await make_user("manager")
    goal = await goals.add_goal(rep, {"title": "Close Northwind"})
    with pytest.raises(Invalid):
        await goals.share_goal(rep, goal.id, [stranger.id])


async def test_goal_target_date_must_be_a_date(db):
    rep = await make_user()
    with pytest.raises(Invalid) as caught:
        await goals.add_goal(rep, {"title": "x", "target_date": "next week"})
    assert "target_date" in caught.value.errors


async def test_rep_marks_a_goal_done_and_reopens_it(db):
    rep = await make_user()
    goal = await goals.add_goal(rep, {"title": "Book five discovery calls"})
    assert (await goals.set_goal_status(rep, goal.id, True)).status == GoalStatus.DONE
    assert (await goals.set_goal_status(rep, goal.id, False)).status == GoalStatus.OPEN


async def test_reflection_markdown_is_stored_sanitised(db):
    rep = await make_user()
    entry = await reflections.write_reflection(
        rep, "**Good** call <script>alert(1)</script> [x](javascript:alert(1))"
    )
    assert "<strong>Good</strong>" in entry.body_html
    assert "<script" not in entry.body_html and "javascript:" not in entry.body_html


async def test_shared_reflection_is_readable_by_the_coach_only_while_paired(db):
    coach, rep = await make_user("manager"), await make_user()
    pairing = await make_pairing(coach, rep)
    entry = await reflections.write_reflection(rep, "What I learned")
    await reflections.share_reflection(rep, entry.id, [coach.id])
    assert (await reflections.get_reflection(coach, entry.id)).body == "What I learned"
    pairing.status = "ended"
    await pairing.save()
    with pytest.raises(NotFound):
        await reflections.get_reflection(coach, entry.id)


async def test_coach_cannot_share_a_reps_reflection(db):
    coach, rep = await make_user("manager"), await make_user()
    await make_pairing(coach, rep)
    entry = await reflections.write_reflection(rep, "Mine")
    with pytest.raises(NotFound):
        await reflections.share_reflection(coach, entry.id, [coach.id])

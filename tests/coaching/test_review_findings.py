"""Findings of the code review in the coaching domain."""

from __future__ import annotations

import pytest
from tortoise.fields.relational import ManyToManyRelation

from coaching import goals
from tests.factories import make_pairing, make_user


async def test_changing_who_a_goal_is_shared_with_is_all_or_nothing(db, monkeypatch):
    """Sharing is cleared and re-added in one transaction: a failure half-way leaves the
    sharing as it was, not a state the rep never chose."""
    first, second, rep = await make_user("manager"), await make_user("manager"), await make_user()
    await make_pairing(first, rep)
    await make_pairing(second, rep, kind="mentor")
    goal = await goals.add_goal(rep, {"title": "Close Northwind"})
    await goals.share_goal(rep, goal.id, [first.id])

    async def broken_add(self, *instances, using_db=None):  # type: ignore[no-untyped-def]
        raise RuntimeError("the database went away")

    monkeypatch.setattr(ManyToManyRelation, "add", broken_add)
    with pytest.raises(RuntimeError):
        await goals.share_goal(rep, goal.id, [first.id, second.id])
    monkeypatch.undo()

    shared = await goal.shared_with.all().values_list("id", flat=True)
    assert list(shared) == [first.id]

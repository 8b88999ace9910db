"""Goals: in the rep's own words, private until the rep shares one with a coach."""

from __future__ import annotations

from datetime import date

from coaching.errors import Invalid
from coaching.models import Goal, GoalStatus, User
from coaching.policy import Action
from coaching.policy.reveal import fetch, reveal_one
from coaching.sharing import set_shared_with
from coaching.text import clean_line, clean_text


def _parse_goal(form: dict[str, str]) -> tuple[str, str, date | None]:
    errors: dict[str, str] = {}
    title = clean_line(
        form.get("title"), field="title", label="Goal", max_length=200, errors=errors
    )
    detail = clean_text(
        form.get("detail"),
        field="detail",
        label="Detail",
        max_length=4000,
        errors=errors,
        required=False,
    )
    target: date | None = None
    raw = str(form.get("target_date") or "").strip()
    if raw:
        try:
            target = date.fromisoformat(raw)
        except ValueError:
            errors["target_date"] = "Enter a date like 2026-06-30, or leave it empty."
    if errors:
        raise Invalid(errors)
    return title, detail, target


async def add_goal(actor: User, form: dict[str, str]) -> Goal:
    title, detail, target = _parse_goal(form)
    return await Goal.create(owner=actor, title=title, detail=detail, target_date=target)


async def get_goal(actor: User, goal_id: int) -> Goal:
    """The goal, for its owner or a coach it is shared with; a coach's read is logged."""
    return await reveal_one(actor, Goal.filter(id=goal_id), "No such goal.")


async def set_goal_status(actor: User, goal_id: int, done: bool) -> Goal:
    goal = await fetch(actor, Action.WRITE, Goal.filter(id=goal_id), "No such goal.")
    goal.status = GoalStatus.DONE if done else GoalStatus.OPEN
    await goal.save(update_fields=["status"])
    return goal


async def share_goal(actor: User, goal_id: int, coach_ids: list[int]) -> list[User]:
    goal = await fetch(actor, Action.SHARE, Goal.filter(id=goal_id), "No such goal.")
    return await set_shared_with(actor, goal, coach_ids)


async def list_my_goals(actor: User, *, open_only: bool = False) -> list[Goal]:
    found = Goal.filter(owner_id=actor.id)
    if open_only:
        found = found.filter(status=GoalStatus.OPEN)
    return await found.prefetch_related("shared_with")

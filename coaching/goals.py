"""Goals: in the rep's own words, private until the rep shares one with a coach."""

from __future__ import annotations

from datetime import date

from coaching import access, privacy
from coaching.errors import Invalid, NotFound
from coaching.models import Goal, GoalStatus, ObjectKind, User
from coaching.privacy import Action
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


async def _readable_goal(actor: User, goal_id: int) -> Goal:
    goal = await Goal.get_or_none(id=goal_id)
    if goal is None or not await privacy.may(actor, Action.READ, goal):
        raise NotFound("No such goal.")
    return goal


async def get_goal(actor: User, goal_id: int) -> Goal:
    """The goal, for its owner or a coach it is shared with; a coach's read is logged."""
    goal = await _readable_goal(actor, goal_id)
    await access.record_reads(actor, goal.owner_id, ObjectKind.GOAL, [goal])
    return goal


async def set_goal_status(actor: User, goal_id: int, done: bool) -> Goal:
    goal = await _readable_goal(actor, goal_id)
    await privacy.require(actor, Action.WRITE, goal)
    goal.status = GoalStatus.DONE if done else GoalStatus.OPEN
    await goal.save(update_fields=["status"])
    return goal


async def share_goal(actor: User, goal_id: int, coach_ids: list[int]) -> list[User]:
    return await set_shared_with(actor, await _readable_goal(actor, goal_id), coach_ids)


async def list_my_goals(actor: User, *, open_only: bool = False) -> list[Goal]:
    found = Goal.filter(owner_id=actor.id)
    if open_only:
        found = found.filter(status=GoalStatus.OPEN)
    return await found.prefetch_related("shared_with")

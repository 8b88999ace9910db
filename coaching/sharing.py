"""Per-item sharing of a rep's goal or reflection with coaches of active pairings."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from coaching import privacy
from coaching.errors import Invalid
from coaching.models import Goal, Reflection, User
from coaching.pairings import list_active_coaches
from coaching.privacy import Action


async def set_shared_with(actor: User, item: Goal | Reflection, coach_ids: list[int]) -> list[User]:
    """Share the item with exactly these coaches (an empty list makes it private again).

    Takes effect on the next request: visibility is checked against this table every time.
    """
    await privacy.require(actor, Action.SHARE, item)
    coaches = {c.id: c for c in await list_active_coaches(actor)}
    unknown = [i for i in coach_ids if i not in coaches]
    if unknown:
        raise Invalid({"coach_ids": "You can share only with a coach you are paired with."})
    chosen = [coaches[i] for i in coach_ids]
    async with in_transaction():  # clear and re-add together, never a half-changed sharing
        await item.shared_with.clear()
        if chosen:
            await item.shared_with.add(*chosen)
    return chosen


def parse_ids(values: list[str]) -> list[int]:
    try:
        return sorted({int(v) for v in values})
    except ValueError as exc:
        raise Invalid({"coach_ids": "Choose coaches from the list."}) from exc

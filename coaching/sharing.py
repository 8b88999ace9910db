"""Per-item sharing of a rep's goal or reflection with coaches of active pairings."""

from __future__ import annotations

from coaching.db import lock, transaction
from coaching.errors import Invalid
from coaching.models import Goal, Pairing, PairingStatus, Reflection, User
from coaching.policy import Action, require


async def set_shared_with(actor: User, item: Goal | Reflection, coach_ids: list[int]) -> list[User]:
    """Share the item with exactly these coaches (an empty list makes it private again).

    Takes effect on the next request: visibility is checked against this table every time.
    The pairings shared through are locked while sharing, so a pairing that is being ended
    at the same moment either ends first (and the share is refused) or after (and takes
    the share back with it): never a share that outlives its pairing.
    """
    await require(actor, Action.SHARE, item)
    async with transaction():
        pairings = await lock(
            Pairing.filter(rep_id=actor.id, status=PairingStatus.ACTIVE, coach_id__in=coach_ids)
        ).select_related("coach")
        coaches = {p.coach_id: p.coach for p in pairings if p.status == PairingStatus.ACTIVE}
        if any(i not in coaches for i in coach_ids):
            raise Invalid({"coach_ids": "You can share only with a coach you are paired with."})
        chosen = [coaches[i] for i in coach_ids]
        await item.shared_with.clear()
        if chosen:
            await item.shared_with.add(*chosen)
    return chosen


def parse_ids(values: list[str]) -> list[int]:
    try:
        return sorted({int(v) for v in values})
    except ValueError as exc:
        raise Invalid({"coach_ids": "Choose coaches from the list."}) from exc

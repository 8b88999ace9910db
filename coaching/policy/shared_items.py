"""A rep's goals and journal entries: private until the rep shares one with a coach, and
then visible to that coach only while their pairing is active."""

from coaching.identity.models import Role
from coaching.models import Goal, ObjectKind, PairingStatus, Reflection
from coaching.policy.base import Action, Permission, Policy, register
from coaching.policy.rules import Anyone, HasRole, Is, Related, Rule


def _shared_item_policy(
    kind: str, noun: str, plural: str, model: type, owner: str, logged_as: ObjectKind, keeper: Rule
) -> Policy:
    mine = Is(f"{owner}_id", f"its {owner}")
    shared = Related(
        "a coach it is shared with, while their pairing is active",
        shared_with=Related.ACTOR,
        **{
            f"{owner}__pairings_as_rep__coach_id": Related.ACTOR,
            f"{owner}__pairings_as_rep__status": PairingStatus.ACTIVE,
        },
    )
    return register(
        Policy(
            kind=kind,
            noun=noun,
            model=model,
            owner=f"{owner}_id",
            logged_as=logged_as,
            actions={
                Action.READ: Permission(f"Read the {noun}", mine | shared),
                Action.WRITE: Permission(f"Change the {noun}", mine),
                Action.SHARE: Permission(f"Share the {noun} with a coach, or take it back", mine),
            },
            kind_actions={Action.CREATE: Permission(f"Keep {plural} of one's own", keeper)},
        )
    )


GOAL = _shared_item_policy(
    "goal", "goal", "goals", Goal, "owner", ObjectKind.GOAL, HasRole(Role.REP)
)
REFLECTION = _shared_item_policy(
    "reflection",
    "journal entry",
    "journal entries",
    Reflection,
    "author",
    ObjectKind.REFLECTION,
    Anyone(),
)

"""People: their profile is theirs; admins run accounts and roles, and read no coaching."""

from coaching.identity.models import Role, User
from coaching.models import PairingStatus
from coaching.policy.base import Action, Permission, Policy, register
from coaching.policy.rules import HasRole, Is, Related

SELF = Is("id", "the person themself")
ADMIN = HasRole(Role.ADMIN)
COACH = Related(
    "their coach in an active pairing",
    pairings_as_rep__coach_id=Related.ACTOR,
    pairings_as_rep__status=PairingStatus.ACTIVE,
)

POLICY = register(
    Policy(
        kind="person",
        noun="person",
        model=User,
        actions={
            Action.READ: Permission("See the person's name and email", SELF | ADMIN | COACH),
            Action.WRITE: Permission("Change their own name, time zone and password", SELF),
            Action.MANAGE: Permission(
                "Change their roles, deactivate or reactivate them, issue a reset link", ADMIN
            ),
        },
        kind_actions={
            Action.MANAGE: Permission(
                "Run the organisation: people, invitations, the audit log", ADMIN
            ),
        },
    )
)

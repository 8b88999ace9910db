"""Pairings: the organisation's record of who coaches whom, and their agreement."""

from coaching.identity.models import Role
from coaching.models import Pairing, PairingStatus
from coaching.policy.base import Action, Permission, Policy, register
from coaching.policy.rules import HasRole, Is, Where

COACH = Is("coach_id", "its coach")
REP = Is("rep_id", "its rep")
ADMIN = HasRole(Role.ADMIN)
OPEN = Where("status", [PairingStatus.PROPOSED, PairingStatus.ACTIVE], "while open")
ACTIVE = Where("status", [PairingStatus.ACTIVE], "while active")

POLICY = register(
    Policy(
        kind="pairing",
        noun="pairing",
        model=Pairing,
        actions={
            Action.READ: Permission(
                "See the pairing and its coaching agreement (not its content)",
                COACH | REP | ADMIN,
            ),
            Action.CREATE: Permission(
                "Propose this pairing: a manager as its coach, or an admin for anyone",
                ADMIN | (HasRole(Role.MANAGER) & COACH),
            ),
            Action.RESPOND: Permission(
                "Accept or decline the coaching agreement",
                REP & Where("status", [PairingStatus.PROPOSED], "while proposed"),
            ),
            Action.END: Permission(
                "End it; what the rep shared through it is taken back", (COACH | REP | ADMIN) & OPEN
            ),
            Action.SCHEDULE: Permission(
                "Schedule sessions in it, with an active rep",
                COACH & ACTIVE & Where("rep__is_active", [True], "the rep's account is active"),
            ),
        },
        kind_actions={
            Action.PROPOSE: Permission(
                "Propose pairings with a coaching agreement", HasRole(Role.MANAGER, Role.ADMIN)
            ),
            Action.COACH: Permission("Coach reps in manager pairings", HasRole(Role.MANAGER)),
        },
    )
)

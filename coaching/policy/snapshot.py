"""Pipeline snapshots: the rep's own. A coach sees one only while it is brought to a session
of their active pairing, and then only the deals the rep brought (all, or those picked)."""

from coaching.identity.models import Role
from coaching.models import ObjectKind, PairingStatus
from coaching.pipeline.models import BroughtSnapshot, PipelineSnapshot, SnapshotDeal
from coaching.policy.base import Action, Permission, Policy, register
from coaching.policy.rules import HasRole, Is, Related, Where

ACTIVE = PairingStatus.ACTIVE
OWNER = Is("owner_id", "its rep")
BROUGHT_TO_COACH = Related(
    "the coach of a session it is brought to, while that pairing is active",
    broughts__session__pairing__coach_id=Related.ACTOR,
    broughts__session__pairing__status=ACTIVE,
)

SNAPSHOT = register(
    Policy(
        kind="snapshot",
        noun="pipeline snapshot",
        model=PipelineSnapshot,
        owner="owner_id",
        logged_as=ObjectKind.SNAPSHOT,
        actions={
            Action.READ: Permission("See the snapshot", OWNER | BROUGHT_TO_COACH),
            Action.WRITE: Permission("Bring it to a session, take it back, add context", OWNER),
            Action.DELETE: Permission("Delete it", OWNER),
        },
        kind_actions={
            Action.CREATE: Permission("Import pipeline snapshots", HasRole(Role.REP)),
        },
    )
)

BRINGER = Is("snapshot__owner_id", "its rep")
SESSION_COACH = Is("session__pairing__coach_id", "the session's coach") & Where(
    "session__pairing__status", [ACTIVE], "while the pairing is active"
)

BROUGHT = register(
    Policy(
        kind="brought_snapshot",
        noun="snapshot brought to a session",
        model=BroughtSnapshot,
        actions={
            Action.READ: Permission("See what was brought to the session", BRINGER | SESSION_COACH),
            Action.DELETE: Permission("Take it back", BRINGER),
        },
    )
)

DEAL_OWNER = Is("snapshot__owner_id", "its rep")
IN_WHOLE_SNAPSHOT = Related(
    "the coach of a session its whole snapshot is brought to, while that pairing is active",
    snapshot__broughts__whole=True,
    snapshot__broughts__session__pairing__coach_id=Related.ACTOR,
    snapshot__broughts__session__pairing__status=ACTIVE,
)
PICKED = Related(
    "the coach of a session the rep brought this deal to, while that pairing is active",
    picks__brought__session__pairing__coach_id=Related.ACTOR,
    picks__brought__session__pairing__status=ACTIVE,
)

DEAL = register(
    Policy(
        kind="deal",
        noun="deal in a snapshot",
        model=SnapshotDeal,
        actions={
            Action.READ: Permission("See the deal", DEAL_OWNER | IN_WHOLE_SNAPSHOT | PICKED),
            Action.WRITE: Permission("Add context to it or ask for help with it", DEAL_OWNER),
        },
    )
)

"""Pipeline snapshots: the rep's, seen by a coach only when brought to a session of their
active pairing (bring_to_session accepts only the rep's own sessions)."""

from coaching.identity.models import Role
from coaching.models import ObjectKind, PairingStatus, PipelineSnapshot
from coaching.policy.base import Action, Permission, Policy, register
from coaching.policy.rules import HasRole, Is, Where

OWNER = Is("owner_id", "its rep")
BROUGHT = Is("session__pairing__coach_id", "the coach of the session it was brought to") & Where(
    "session__pairing__status", [PairingStatus.ACTIVE], "while that pairing is active"
)

POLICY = register(
    Policy(
        kind="snapshot",
        noun="pipeline snapshot",
        model=PipelineSnapshot,
        owner="owner_id",
        logged_as=ObjectKind.SNAPSHOT,
        actions={
            Action.READ: Permission("See the snapshot and its deals", OWNER | BROUGHT),
            Action.WRITE: Permission("Bring it to a session, or take it back", OWNER),
            Action.DELETE: Permission("Delete it", OWNER),
        },
        kind_actions={
            Action.CREATE: Permission("Keep pipeline snapshots", HasRole(Role.REP)),
        },
    )
)

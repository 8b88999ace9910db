"""Coaching sessions, their agenda items, and the private notes people keep on them."""

from coaching.identity.models import Role
from coaching.models import (
    AgendaItem,
    CoachingSession,
    Commitment,
    ObjectKind,
    PairingStatus,
    PrivateNote,
    SharedNotesRevision,
)
from coaching.policy.base import Action, Permission, Policy, register
from coaching.policy.rules import HasRole, Is, Where

REP = Is("pairing__rep_id", "the rep")
COACH = Is("pairing__coach_id", "the coach")
ACTIVE = Where("pairing__status", [PairingStatus.ACTIVE], "while the pairing is active")
READ = REP | (COACH & ACTIVE)
WRITE = (REP | COACH) & ACTIVE

SESSION = register(
    Policy(
        kind="session",
        noun="session",
        model=CoachingSession,
        owner="pairing__rep_id",
        logged_as=ObjectKind.SESSION,
        actions={
            Action.READ: Permission(
                "Open the session: agenda, shared notes, what was brought", READ
            ),
            Action.WRITE: Permission("Add to the agenda and edit the shared notes", WRITE),
        },
        kind_actions={
            Action.ATTEND: Permission(
                "Take part in coaching sessions", HasRole(Role.REP, Role.MANAGER)
            ),
        },
    )
)

AGENDA_ITEM = register(
    Policy(
        kind="agenda_item",
        noun="agenda item",
        model=AgendaItem,
        actions={
            Action.READ: Permission("See the item, with its session", READ.within("session")),
            Action.WRITE: Permission("Mark it discussed or open", WRITE.within("session")),
            Action.DELETE: Permission(
                "Remove it (its author only)",
                Is("author_id", "its author") & WRITE.within("session"),
            ),
        },
    )
)

# Commitments are the pairing's shared session material: they are read on the session
# page, whose read is logged for the rep, and on their owner's own list.
COMMITMENT = register(
    Policy(
        kind="commitment",
        noun="commitment",
        model=Commitment,
        actions={
            Action.READ: Permission("See it, in the pairing's sessions", READ),
            Action.WRITE: Permission("Mark it done, or open again", WRITE),
            Action.DELETE: Permission(
                "Remove it (whoever wrote it)", Is("author_id", "whoever wrote it") & WRITE
            ),
        },
    )
)

NOTES_REVISION = register(
    Policy(
        kind="notes_revision",
        noun="earlier version of the shared notes",
        model=SharedNotesRevision,
        actions={
            Action.READ: Permission("Read it, with its session", READ.within("session")),
        },
    )
)

AUTHOR = Is("author_id", "its author alone")

PRIVATE_NOTE = register(
    Policy(
        kind="private_note",
        noun="private note",
        model=PrivateNote,
        actions={
            Action.READ: Permission("Read the note", AUTHOR),
            Action.WRITE: Permission("Write the note", AUTHOR),
        },
    )
)

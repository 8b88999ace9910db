"""Playbooks: trainers write and publish them; everyone signed in reads published ones."""

from coaching.identity.models import Role
from coaching.policy import Action, Permission, Policy, register
from coaching.policy.rules import HasRole, Where
from playbooks.models import Playbook, PlaybookStatus

TRAINER = HasRole(Role.TRAINER)

POLICY = register(
    Policy(
        kind="playbook",
        noun="playbook",
        model=Playbook,
        actions={
            Action.READ: Permission(
                "Read the playbook",
                Where("status", [PlaybookStatus.PUBLISHED], "anyone once it is published")
                | TRAINER,
            ),
            Action.WRITE: Permission(
                "Edit its draft, see its versions and how managers received it (counts only)",
                TRAINER,
            ),
            Action.PUBLISH: Permission("Publish the draft as a new version", TRAINER),
            Action.MANAGE: Permission("Archive or restore the playbook", TRAINER),
        },
        kind_actions={
            Action.CREATE: Permission("Write playbooks", TRAINER),
            Action.LEARN: Permission(
                "Mark playbooks read, bookmark, rate and reflect on them (privately)",
                HasRole(Role.MANAGER, Role.TRAINER),
            ),
        },
    )
)

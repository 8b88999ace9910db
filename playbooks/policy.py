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
            Action.WRITE: Permission("Edit the playbook", TRAINER),
            Action.PUBLISH: Permission("Publish the playbook to managers", TRAINER),
        },
        kind_actions={
            Action.CREATE: Permission("Write playbooks", TRAINER),
            Action.LEARN: Permission(
                "Keep a reading list of playbooks", HasRole(Role.MANAGER, Role.TRAINER)
            ),
        },
    )
)

"""The permission reference, generated from the policies (`tandem permissions`)."""

from __future__ import annotations

from coaching.policy.base import Permission, Policy, policies

HEADER = """# Who may do what

This table is generated from the policies in `coaching/policy/` and `playbooks/policy.py`
by `tandem permissions > docs/permissions.md`; a test fails when it is out of date. Each
row is one action, described in a line, and who may do it. Anything not listed is refused
to everyone, and a deactivated account may do nothing.

"Kind" rows are actions on a kind as a whole (creating one, a menu entry); the others are
actions on one object. Reads marked *logged* leave a line in the owner's access log
("Who looked at my things") whenever someone other than the owner reads.
"""


def _row(action: str, permission: Permission, logged: bool) -> str:
    who = permission.rule.text + (" — *logged*" if logged else "")
    return f"| {action} | {permission.description} | {who} |"


def _section(policy: Policy) -> list[str]:
    lines = [f"## {policy.noun.capitalize()} (`{policy.kind}`)", ""]
    lines += ["| Action | What it allows | Who |", "|---|---|---|"]
    for action, permission in policy.actions.items():
        logged = action.value == "read" and policy.logged_as is not None
        lines.append(_row(action.value, permission, logged))
    for action, permission in policy.kind_actions.items():
        lines.append(_row(f"{action.value} (kind)", permission, False))
    return [*lines, ""]


def permissions_markdown() -> str:
    lines = [HEADER]
    for policy in policies():
        lines += _section(policy)
    return "\n".join(lines).rstrip() + "\n"

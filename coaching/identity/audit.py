"""The admin audit log: an append-only line for every administrative change to a person.

Admins read the whole log; each person reads the lines about themselves. Who acted and who
was affected are copied as they were at that moment, so renames and deletions hide nothing.
"""

from __future__ import annotations

from tortoise.queryset import QuerySet

from coaching.errors import Invalid
from coaching.identity.models import AuditAction, AuditEvent, User
from coaching.policy import Action, require

PAGE_SIZE = 50

DESCRIPTIONS = {
    AuditAction.ROLES_CHANGED: "changed the roles of",
    AuditAction.DEACTIVATED: "deactivated",
    AuditAction.REACTIVATED: "reactivated",
    AuditAction.INVITED: "invited",
    AuditAction.INVITATION_REVOKED: "revoked the invitation of",
    AuditAction.PASSWORD_RESET_ISSUED: "issued a password reset link for",
    AuditAction.LOGIN_DELAY_CLEARED: "cleared the sign-in delay of",
    AuditAction.PAIRING_PROPOSED: "proposed a pairing for",
    AuditAction.PAIRING_ENDED: "ended a pairing of",
    AuditAction.SNAPSHOT_IMPORTED: "imported a pipeline snapshot for",
    AuditAction.API_TOKEN_CREATED: "created an API token",
    AuditAction.API_TOKEN_REVOKED: "revoked an API token",
}

# The same, addressed to the person it is about ("Ada Lindqvist changed your roles").
YOUR_DESCRIPTIONS = {
    AuditAction.ROLES_CHANGED: "changed your roles",
    AuditAction.DEACTIVATED: "deactivated your account",
    AuditAction.REACTIVATED: "reactivated your account",
    AuditAction.INVITED: "invited you",
    AuditAction.INVITATION_REVOKED: "revoked your invitation",
    AuditAction.PASSWORD_RESET_ISSUED: "issued a password reset link for you",
    AuditAction.LOGIN_DELAY_CLEARED: "cleared the delay on your sign-ins",
    AuditAction.PAIRING_PROPOSED: "proposed a pairing for you",
    AuditAction.PAIRING_ENDED: "ended a pairing of yours",
    AuditAction.SNAPSHOT_IMPORTED: "imported a pipeline snapshot of yours",
    AuditAction.API_TOKEN_CREATED: "created an API token",
    AuditAction.API_TOKEN_REVOKED: "revoked an API token",
}


async def record(
    actor: User | None,
    action: AuditAction,
    subject: User | None = None,
    detail: str = "",
    *,
    subject_name: str = "",
    subject_email: str = "",
) -> AuditEvent:
    """One line, written in the caller's transaction. `subject` may be someone without an
    account yet (an invitation): then pass their name and email."""
    return await AuditEvent.create(
        action=action,
        actor_id=actor.id if actor else None,
        actor_name=actor.name if actor else "Tandem",
        actor_email=actor.email if actor else "",
        subject_id=subject.id if subject else None,
        subject_name=subject.name if subject else subject_name,
        subject_email=subject.email if subject else subject_email,
        detail=detail[:500],
    )


async def _page(query: QuerySet[AuditEvent], page: int) -> tuple[list[AuditEvent], bool]:
    if page < 1:
        raise Invalid({"page": "Page numbers start at 1."})
    rows = await query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


async def list_all(actor: User, page: int = 1) -> tuple[list[AuditEvent], bool]:
    """Every line, newest first, for an admin."""
    await require(actor, Action.MANAGE, "person")
    return await _page(AuditEvent.all(), page)


async def list_about(person: User, page: int = 1) -> tuple[list[AuditEvent], bool]:
    """The lines about one person, for that person."""
    return await _page(AuditEvent.filter(subject_id=person.id), page)

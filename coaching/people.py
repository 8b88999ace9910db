"""Running the organisation's people: roles and activation, and what follows from them.

Each change is written with its audit line in one transaction. Consequences for coaching
follow in the same transaction: a coach who loses the manager role has their manager
pairings ended; a deactivated person's open pairings end. The last active admin can never
lose the role or be deactivated, even when two admins act at the same moment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tortoise.expressions import Q

from coaching.db import lock, transaction
from coaching.errors import Invalid
from coaching.identity import audit, invitations, throttle
from coaching.identity.accounts import parse_roles, replace_roles, with_roles
from coaching.identity.models import ROLE_ORDER, AuditAction, Invitation, Role, User, UserRole
from coaching.identity.web_sessions import sign_out_everywhere
from coaching.pairings import end_pairings_of
from coaching.policy import Action, require
from coaching.policy.reveal import reveal_one

PEOPLE_PAGE = 50
MAX_QUERY = 100


async def list_people(actor: User, query: str = "", page: int = 1) -> tuple[list[User], bool]:
    await require(actor, Action.MANAGE, "person")
    query = query.strip()
    if len(query) > MAX_QUERY:
        raise Invalid({"q": f"Search for at most {MAX_QUERY} characters (this has {len(query)})."})
    found = User.all().order_by("name", "id")
    if query:
        found = found.filter(Q(name__icontains=query) | Q(email__icontains=query))
    page = max(page, 1)
    rows = await with_roles(found.offset((page - 1) * PEOPLE_PAGE).limit(PEOPLE_PAGE + 1))
    return rows[:PEOPLE_PAGE], len(rows) > PEOPLE_PAGE


@dataclass
class PeoplePage:
    """What the admin's People page shows: one page of people, which of them are slowed
    down after failed sign-ins, and one page of invitations not yet accepted."""

    people: list[User]
    has_more: bool
    slowed_down: set[int] = field(default_factory=set)
    invitations: list[Invitation] = field(default_factory=list)
    more_invitations: bool = False


async def people_page(
    actor: User, query: str = "", page: int = 1, invitations_page: int = 1
) -> PeoplePage:
    found, has_more = await list_people(actor, query, page)
    slowed = await throttle.slowed_down_among(person.email for person in found)
    pending, more = await invitations.list_pending_invitations(actor, invitations_page)
    return PeoplePage(
        people=found,
        has_more=has_more,
        slowed_down={person.id for person in found if person.email in slowed},
        invitations=pending,
        more_invitations=more,
    )


async def get_person(actor: User, user_id: int) -> User:
    return await reveal_one(actor, with_roles(User.filter(id=user_id)), "No such person.")


async def _refuse_losing_last_admin(person: User) -> None:
    """Called in a transaction before `person` stops being an active admin. Locks every
    admin role row first, so concurrent changes of admins wait for each other."""
    await lock(UserRole.filter(role=Role.ADMIN))
    others = await User.filter(
        is_active=True, role_rows__role=Role.ADMIN, id__not=person.id
    ).exists()
    if not others:
        raise Invalid(
            {"roles": f"{person.name} is the last active admin. Make someone else admin first."}
        )


async def set_roles(actor: User, user_id: int, roles: list[str]) -> User:
    await require(actor, Action.MANAGE, "person")
    errors: dict[str, str] = {}
    chosen = parse_roles(roles, errors)
    if errors:
        raise Invalid(errors)
    parsed = [role for role in ROLE_ORDER if role in chosen]  # compared with person.roles
    async with transaction():
        person = await get_person(actor, user_id)
        before = person.roles
        if before == parsed:
            return person
        if person.id == actor.id and Role.ADMIN not in parsed:
            raise Invalid({"roles": "You can't remove your own admin role; ask another admin."})
        if Role.ADMIN in before and Role.ADMIN not in parsed and person.is_active:
            await _refuse_losing_last_admin(person)
        await replace_roles(person, parsed)
        detail = f"{', '.join(before) or 'none'} → {', '.join(parsed)}"
        await audit.record(actor, AuditAction.ROLES_CHANGED, person, detail)
        if Role.MANAGER in before and Role.MANAGER not in parsed:
            reason = f"{person.name} no longer has the manager role"
            own = "you no longer have the manager role"
            await end_pairings_of(actor, person, reason, own, managers_only=True)
    return person


async def set_active(actor: User, user_id: int, active: bool) -> User:
    await require(actor, Action.MANAGE, "person")
    async with transaction():
        person = await get_person(actor, user_id)
        if person.is_active == active:
            return person
        if person.id == actor.id:
            raise Invalid({"__all__": "You can't deactivate yourself."})
        if not active and person.has_role(Role.ADMIN):
            await _refuse_losing_last_admin(person)
        person.is_active = active
        await person.save(update_fields=["is_active"])
        action = AuditAction.REACTIVATED if active else AuditAction.DEACTIVATED
        await audit.record(actor, action, person)
        if not active:  # signed out everywhere: reactivating must not revive old sessions
            await sign_out_everywhere(person.id)
            reason = f"{person.name}'s account was deactivated"
            await end_pairings_of(actor, person, reason, "your account was deactivated")
    return person


async def issue_password_reset(actor: User, user_id: int, days: int) -> tuple[User, str]:
    """A one-time link for the person to choose a new password: (person, token)."""
    await require(actor, Action.MANAGE, "person")
    person = await get_person(actor, user_id)
    return person, await invitations.issue_password_reset(actor, person, days)


async def clear_login_delay(actor: User, user_id: int) -> User:
    await require(actor, Action.MANAGE, "person")
    async with transaction():
        person = await get_person(actor, user_id)
        await throttle.clear_for(person.email)
        await audit.record(actor, AuditAction.LOGIN_DELAY_CLEARED, person)
    return person

"""Invitations and password resets: single-use links that expire, stored only as hashes.

One pending invitation per email address: a new one replaces the old (the unique
`pending_email` column makes that hold under concurrent requests too).
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from tortoise.expressions import Q

from coaching.clock import now
from coaching.db import transaction
from coaching.errors import Invalid, NotFound
from coaching.identity import audit, throttle
from coaching.identity.accounts import (
    check_email,
    check_name,
    check_timezone,
    hash_token,
    insert_account,
    parse_roles,
    prepare_account,
)
from coaching.identity.models import AuditAction, Invitation, PasswordReset, User
from coaching.identity.passwords import check_password, hash_password
from coaching.identity.web_sessions import sign_out_everywhere
from coaching.policy import Action, require

INVITATIONS_PAGE = 20
# A password reset link is handed over by an admin (chat, phone, in person): two days leaves
# time for that across time zones, and the person's current password works until it is used.
PASSWORD_RESET_DAYS = 2


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def _pending() -> Q:
    return Q(pending_email__isnull=False, expires_at__gte=now())


async def invite(
    actor: User, email: str, name: str, roles: list[str], days: int, *, resent: bool = False
) -> str:
    """Create an invitation, replacing any pending one for the address, and return its
    one-time token (shown once, stored hashed)."""
    await require(actor, Action.MANAGE, "person")
    errors: dict[str, str] = {}
    email = check_email(email, errors)
    name = check_name(name, errors)
    parsed = parse_roles(roles, errors)
    if errors:
        raise Invalid(errors)
    if await User.filter(email=email).exists():
        raise Invalid({"email": f"{email} already has an account."})
    token, token_hash = _new_token()
    async with transaction(on_conflict=f"An invitation for {email} was created just now."):
        await _close_pending(email)
        await Invitation.create(
            email=email,
            pending_email=email,
            name=name,
            roles=[role.value for role in parsed],
            token_hash=token_hash,
            invited_by=actor,
            expires_at=now() + timedelta(days=days),
        )
        detail = f"as {', '.join(parsed)}" + (", with a new link" if resent else "")
        await audit.record(
            actor,
            AuditAction.INVITED,
            None,
            detail,
            subject_name=name,
            subject_email=email,
        )
    return token


async def _close_pending(email: str) -> None:
    await Invitation.filter(pending_email=email).update(pending_email=None, revoked_at=now())


async def get_invitation(invitation_id: int) -> Invitation:
    invitation = await Invitation.filter(_pending(), id=invitation_id).first()
    if invitation is None:
        raise NotFound("That invitation is no longer pending.")
    return invitation


async def resend(actor: User, invitation_id: int, days: int) -> tuple[Invitation, str]:
    """A fresh link for a pending invitation (the old link stops working)."""
    await require(actor, Action.MANAGE, "person")
    async with transaction():
        old = await get_invitation(invitation_id)
        token = await invite(actor, old.email, old.name, old.roles, days, resent=True)
    return old, token


async def revoke(actor: User, invitation_id: int) -> Invitation:
    await require(actor, Action.MANAGE, "person")
    async with transaction():
        invitation = await get_invitation(invitation_id)
        await _close_pending(invitation.email)
        await audit.record(
            actor,
            AuditAction.INVITATION_REVOKED,
            None,
            subject_name=invitation.name,
            subject_email=invitation.email,
        )
    return invitation


async def get_open_invitation(token: str) -> Invitation:
    invitation = await Invitation.get_or_none(token_hash=hash_token(token))
    if invitation is None or invitation.used_at is not None or invitation.revoked_at:
        raise NotFound(
            "This invitation link has been used, replaced or withdrawn. Ask an admin for a new one."
        )
    if invitation.expires_at < now():
        raise NotFound("This invitation link has expired. Ask an admin for a new one.")
    return invitation


async def accept_invitation(token: str, password: str, confirm: str, timezone: str) -> User:
    invitation = await get_open_invitation(token)
    if password != confirm:
        errors = {"confirm": "The two passwords differ."}
        check_password(password, errors, email=invitation.email, name=invitation.name)
        check_timezone(timezone, errors)
        raise Invalid(errors)
    account = await prepare_account(
        invitation.email, invitation.name, invitation.roles, password, timezone
    )
    async with transaction():
        claimed = await Invitation.filter(id=invitation.id, pending_email__isnull=False).update(
            used_at=now(), pending_email=None
        )
        if not claimed:
            raise NotFound("This invitation link has just been used.")
        return await insert_account(account)


async def list_pending_invitations(actor: User, page: int = 1) -> tuple[list[Invitation], bool]:
    """Open invitations, newest first, a page at a time. Returns (invitations, has_more)."""
    await require(actor, Action.MANAGE, "person")
    page = max(page, 1)
    rows = (
        await Invitation.filter(_pending())
        .order_by("-created_at", "-id")
        .offset((page - 1) * INVITATIONS_PAGE)
        .limit(INVITATIONS_PAGE + 1)
    )
    return rows[:INVITATIONS_PAGE], len(rows) > INVITATIONS_PAGE


# --- password resets -------------------------------------------------------------------


async def issue_password_reset(actor: User, person: User, days: int) -> str:
    """A one-time link for `person` to choose a new password (an admin hands it over).
    Any earlier unused link for them stops working."""
    await require(actor, Action.MANAGE, "person")
    if not person.is_active:
        raise Invalid(
            {"__all__": f"{person.name} is deactivated. Reactivate them first, then issue a link."}
        )
    token, token_hash = _new_token()
    async with transaction():
        await PasswordReset.filter(user_id=person.id, used_at__isnull=True).update(used_at=now())
        await PasswordReset.create(
            user=person,
            token_hash=token_hash,
            created_by=actor,
            expires_at=now() + timedelta(days=days),
        )
        await audit.record(actor, AuditAction.PASSWORD_RESET_ISSUED, person)
    return token


async def get_open_reset(token: str) -> PasswordReset:
    reset = await PasswordReset.get_or_none(token_hash=hash_token(token)).select_related("user")
    if reset is None or reset.used_at is not None or not reset.user.is_active:
        raise NotFound(
            "This reset link has been used or does not exist. Ask an admin for a new one."
        )
    if reset.expires_at < now():
        raise NotFound("This reset link has expired. Ask an admin for a new one.")
    return reset


async def use_password_reset(token: str, password: str, confirm: str) -> User:
    """Set the new password, sign the person out everywhere and clear sign-in delays."""
    reset = await get_open_reset(token)
    person = reset.user
    errors: dict[str, str] = {}
    check_password(password, errors, email=person.email, name=person.name)
    if not errors and password != confirm:
        errors["confirm"] = "The two passwords differ."
    if errors:
        raise Invalid(errors)
    hashed = await hash_password(password)
    async with transaction():
        claimed = await PasswordReset.filter(id=reset.id, used_at__isnull=True).update(
            used_at=now()
        )
        if not claimed:
            raise NotFound("This reset link has just been used.")
        person.password_hash = hashed
        await person.save(update_fields=["password_hash"])
        await sign_out_everywhere(person.id)
        await throttle.clear_for(person.email)
    await person.fetch_related("role_rows")
    return person

"""Accounts: creating people, their roles, profile, and the checks on what they type."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from tortoise.queryset import QuerySet

from coaching.db import transaction
from coaching.errors import Invalid, Throttled
from coaching.identity import throttle
from coaching.identity.models import EMAIL_MAX, NAME_MAX, Role, User, UserRole
from coaching.identity.passwords import (
    check_password,
    hash_password,
    too_long_email,
    verify_password,
)
from coaching.identity.web_sessions import sign_out_everywhere
from coaching.text import clean_line

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Guesses of the current password on the password form are throttled like sign-ins, per
# account under this client key (whoever guesses is already in one of the person's sessions).
PASSWORD_CHANGE_CLIENT = "password-change"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(value: object) -> str:
    return str(value or "").strip().lower()


def check_email(value: object, errors: dict[str, str], field: str = "email") -> str:
    email = normalise_email(value)
    if not email:
        errors[field] = "Email is required."
    elif len(email) > EMAIL_MAX:
        errors[field] = too_long_email(email)
    elif not EMAIL_RE.match(email):
        errors[field] = "Enter an email address like name@example.com."
    return email


def check_name(value: object, errors: dict[str, str], field: str = "name") -> str:
    return clean_line(value, field=field, label="Name", max_length=NAME_MAX, errors=errors)


def parse_roles(values: Iterable[str], errors: dict[str, str]) -> list[Role]:
    values = list(values)
    known = {role.value for role in Role}
    unknown = [v for v in values if v not in known]
    if unknown:
        errors["roles"] = f"Unknown role {unknown[0]!r}: choose from rep, manager, trainer, admin."
    elif not values:
        errors["roles"] = "Choose at least one role."
    return [Role(v) for v in dict.fromkeys(values) if v in known]


def check_timezone(value: object, errors: dict[str, str]) -> str:
    name = str(value or "").strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        errors["timezone"] = "Choose a time zone from the list, such as Europe/Paris."
    return name


def timezone_names() -> list[str]:
    return sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))


def with_roles(query: QuerySet[User]) -> QuerySet[User]:
    """People with their role rows, so `user.roles` works without another query."""
    return query.prefetch_related("role_rows")


def people_with_role(role: Role) -> QuerySet[User]:
    """Active people holding a role: one indexed query on `user_roles`."""
    return User.filter(is_active=True, role_rows__role=role)


@dataclass(frozen=True)
class NewAccount:
    """A checked account, its password already hashed, ready to be inserted."""

    email: str
    name: str
    roles: list[Role]
    timezone: str
    password_hash: str | None


async def prepare_account(
    email: str, name: str, roles: list[str], password: str | None = None, timezone: str = "UTC"
) -> NewAccount:
    """Check what was given (Invalid lists every problem) and hash the password: done before
    any transaction, so no lock is held while argon2 works."""
    errors: dict[str, str] = {}
    email = check_email(email, errors)
    name = check_name(name, errors)
    parsed_roles = parse_roles(roles, errors)
    if password is not None:
        check_password(password, errors, email=email, name=name)
    timezone = check_timezone(timezone, errors)
    if errors:
        raise Invalid(errors)
    hashed = await hash_password(password) if password is not None else None
    return NewAccount(email, name, parsed_roles, timezone, hashed)


async def insert_account(account: NewAccount) -> User:
    """Insert a prepared account with its roles (Conflict when the email is taken)."""
    taken = f"Someone with the email {account.email} already has an account."
    async with transaction(on_conflict=taken):
        user = await User.create(
            email=account.email,
            name=account.name,
            timezone=account.timezone,
            password_hash=account.password_hash,
        )
        await replace_roles(user, account.roles)
    return user


async def create_user(
    email: str, name: str, roles: list[str], password: str | None = None, timezone: str = "UTC"
) -> User:
    """Create an account (command line, demo, tests). Raises Invalid or Conflict."""
    return await insert_account(await prepare_account(email, name, roles, password, timezone))


async def replace_roles(user: User, roles: list[Role]) -> None:
    """Give the person exactly these roles (inside the caller's transaction)."""
    await UserRole.filter(user_id=user.id).delete()
    await UserRole.bulk_create([UserRole(user_id=user.id, role=role) for role in roles])
    await user.fetch_related("role_rows")


async def find_user_by_verified_email(email: str) -> User | None:
    email = normalise_email(email)
    if len(email) > EMAIL_MAX:
        return None
    return await with_roles(User.filter(email=email, is_active=True)).first()


async def update_profile(actor: User, name: str, timezone: str) -> User:
    errors: dict[str, str] = {}
    name = check_name(name, errors)
    timezone = check_timezone(timezone, errors)
    if errors:
        raise Invalid(errors)
    actor.name = name
    actor.timezone = timezone
    await actor.save(update_fields=["name", "timezone"])
    return actor


async def change_password(
    actor: User, current: str, new: str, confirm: str, *, keep_session: str | None
) -> None:
    """Change one's own password: the current one is required, and every other session of
    the person is signed out (`keep_session` is the hash of the one in use).

    Checks of the current password are throttled (Throttled after five wrong ones in a row),
    so a borrowed or stolen session can't be used to guess it."""
    if actor.password_hash is None:
        raise Invalid(
            {
                "current": "You sign in with single sign-on and have no Tandem password. "
                "An admin can give you a link to set one."
            }
        )
    wait = await throttle.claim_attempt(actor.email, PASSWORD_CHANGE_CLIENT)
    if wait:
        raise Throttled(
            f"Too many wrong current passwords. Wait {wait} seconds and try again.",
            retry_after=wait,
        )
    errors: dict[str, str] = {}
    if await verify_password(actor.password_hash, current):
        await throttle.forget_failures(actor.email, PASSWORD_CHANGE_CLIENT)
    else:
        errors["current"] = "That isn't your current password."
    check_password(new, errors, field="new", email=actor.email, name=actor.name)
    if "new" not in errors and "current" not in errors and new == current:
        errors["new"] = "That is your current password. Choose a new one."
    if "new" not in errors and new != confirm:
        errors["confirm"] = "The two new passwords differ."
    if errors:
        raise Invalid(errors)
    actor.password_hash = await hash_password(new)
    async with transaction():
        await actor.save(update_fields=["password_hash"])
        await sign_out_everywhere(actor.id, except_key_hash=keep_session)

"""People: accounts, roles, passwords, invitations, login throttling, time zones."""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from coaching import privacy
from coaching.errors import Conflict, Invalid, NotFound, PermissionDenied
from coaching.models import Invitation, LoginAttempt, Role, User, WebSession
from coaching.text import clean_line

password_hasher = PasswordHasher()  # argon2id with the library's recommended parameters

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
MAX_FAILED_LOGINS = 5
LOGIN_WINDOW = timedelta(minutes=15)


def now() -> datetime:
    return datetime.now(UTC)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(value: object) -> str:
    return str(value or "").strip().lower()


def check_email(value: object, errors: dict[str, str], field: str = "email") -> str:
    email = normalise_email(value)
    if not email:
        errors[field] = "Email is required."
    elif len(email) > 254 or not EMAIL_RE.match(email):
        errors[field] = "Enter an email address like name@example.com."
    return email


def parse_roles(values: list[str], errors: dict[str, str]) -> list[Role]:
    known = {role.value for role in Role}
    unknown = [v for v in values if v not in known]
    if unknown:
        errors["roles"] = f"Unknown role {unknown[0]!r}: choose from rep, manager, trainer, admin."
    elif not values:
        errors["roles"] = "Choose at least one role."
    return [Role(v) for v in values if v in known]


def check_password(password: str, errors: dict[str, str], field: str = "password") -> None:
    if len(password) < MIN_PASSWORD:
        errors[field] = f"Use at least {MIN_PASSWORD} characters."
    elif len(password) > MAX_PASSWORD:
        errors[field] = f"Use at most {MAX_PASSWORD} characters."


def check_timezone(value: object, errors: dict[str, str]) -> str:
    name = str(value or "").strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        errors["timezone"] = "Choose a time zone from the list, such as Europe/Paris."
    return name


def timezone_names() -> list[str]:
    return sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))


async def create_user(
    email: str, name: str, roles: list[str], password: str | None = None, timezone: str = "UTC"
) -> User:
    """Create an account (command line, demo, invitations). Raises Invalid or Conflict."""
    errors: dict[str, str] = {}
    email = check_email(email, errors)
    name = clean_line(name, field="name", label="Name", max_length=120, errors=errors)
    parsed_roles = parse_roles(roles, errors)
    if password is not None:
        check_password(password, errors)
    timezone = check_timezone(timezone, errors)
    if errors:
        raise Invalid(errors)
    if await User.filter(email=email).exists():
        raise Conflict(f"Someone with the email {email} already has an account.")
    user = User(email=email, name=name, timezone=timezone)
    user.roles = parsed_roles
    if password is not None:
        user.password_hash = password_hasher.hash(password)
    await user.save()
    return user


async def too_many_failures(email: str, client: str) -> bool:
    """Slow guessing down: 5 failures for one account from one address, 20 from one address,
    or 50 for one account from anywhere (so someone else can't lock you out with 5 tries)."""
    since = now() - LOGIN_WINDOW
    by_pair = await LoginAttempt.filter(at__gte=since, email=email, client=client).count()
    by_client = await LoginAttempt.filter(at__gte=since, client=client).count()
    by_email = await LoginAttempt.filter(at__gte=since, email=email).count()
    return (
        by_pair >= MAX_FAILED_LOGINS
        or by_client >= MAX_FAILED_LOGINS * 4
        or by_email >= MAX_FAILED_LOGINS * 10
    )


async def authenticate(email: str, password: str, client: str) -> User:
    """Check a login. Raises Invalid with a message that does not tell which part was wrong."""
    email = normalise_email(email)
    if await too_many_failures(email, client):
        minutes = int(LOGIN_WINDOW.total_seconds() // 60)
        raise PermissionDenied(
            f"Too many failed attempts. Wait {minutes} minutes and try again,"
            " or ask an admin to reset your access."
        )
    user = await User.get_or_none(email=email, is_active=True)
    if not _verify(user, password) or user is None:
        await LoginAttempt.create(email=email[:254], client=client[:64])
        raise Invalid({"__all__": "That email and password don't match an active account."})
    await LoginAttempt.filter(email=email).delete()
    if password_hasher.check_needs_rehash(user.password_hash or ""):
        user.password_hash = password_hasher.hash(password)
        await user.save(update_fields=["password_hash"])
    return user


def _verify(user: User | None, password: str) -> bool:
    """Check the password; for an unknown account, hash anyway so timing tells nothing."""
    stored = user.password_hash if user is not None else None
    try:
        return password_hasher.verify(stored or _dummy_hash(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def _dummy_hash() -> str:
    return password_hasher.hash("no account has this password")


async def find_user_by_verified_email(email: str) -> User | None:
    return await User.get_or_none(email=normalise_email(email), is_active=True)


# --- invitations ---------------------------------------------------------------------


async def invite(actor: User, email: str, name: str, roles: list[str], days: int) -> str:
    """Create an invitation and return its one-time token (shown once, stored hashed)."""
    if not privacy.may_manage_people(actor):
        raise PermissionDenied("Only an admin can invite people.")
    errors: dict[str, str] = {}
    email = check_email(email, errors)
    name = clean_line(name, field="name", label="Name", max_length=120, errors=errors)
    parsed = parse_roles(roles, errors)
    if errors:
        raise Invalid(errors)
    if await User.filter(email=email).exists():
        raise Invalid({"email": f"{email} already has an account."})
    token = secrets.token_urlsafe(32)
    await Invitation.create(
        email=email,
        name=name,
        roles_csv=",".join(parsed),
        token_hash=hash_token(token),
        invited_by=actor,
        expires_at=now() + timedelta(days=days),
    )
    return token


async def get_open_invitation(token: str) -> Invitation:
    invitation = await Invitation.get_or_none(token_hash=hash_token(token))
    if invitation is None or invitation.used_at is not None:
        raise NotFound(
            "This invitation link has been used or does not exist. Ask an admin for a new one."
        )
    if invitation.expires_at < now():
        raise NotFound("This invitation link has expired. Ask an admin for a new one.")
    return invitation


async def accept_invitation(token: str, password: str, confirm: str, timezone: str) -> User:
    errors: dict[str, str] = {}
    check_password(password, errors)
    if not errors and password != confirm:
        errors["confirm"] = "The two passwords differ."
    timezone = check_timezone(timezone, errors)
    if errors:
        raise Invalid(errors)
    async with in_transaction():
        invitation = await get_open_invitation(token)
        claimed = await Invitation.filter(id=invitation.id, used_at__isnull=True).update(
            used_at=now()
        )
        if not claimed:
            raise NotFound("This invitation link has just been used.")
        return await create_user(
            invitation.email,
            invitation.name,
            invitation.roles_csv.split(","),
            password=password,
            timezone=timezone,
        )


async def list_pending_invitations(actor: User) -> list[Invitation]:
    if not privacy.may_manage_people(actor):
        raise PermissionDenied("Only an admin can see invitations.")
    return await Invitation.filter(used_at__isnull=True, expires_at__gte=now()).order_by(
        "-created_at"
    )


# --- administration --------------------------------------------------------------------

PEOPLE_PAGE = 50


async def list_people(actor: User, query: str = "", page: int = 1) -> tuple[list[User], bool]:
    if not privacy.may_manage_people(actor):
        raise PermissionDenied("Only an admin can list everyone.")
    found = User.all().order_by("name", "id")
    query = query.strip()
    if query:
        found = found.filter(Q(name__icontains=query) | Q(email__icontains=query))
    page = max(page, 1)
    rows = await found.offset((page - 1) * PEOPLE_PAGE).limit(PEOPLE_PAGE + 1)
    return rows[:PEOPLE_PAGE], len(rows) > PEOPLE_PAGE


async def get_person(actor: User, user_id: int) -> User:
    person = await User.get_or_none(id=user_id)
    if person is None or not await privacy.may(actor, privacy.Action.READ, person):
        raise NotFound("No such person.")
    return person


async def set_roles(actor: User, user_id: int, roles: list[str]) -> User:
    person = await get_person(actor, user_id)
    await privacy.require(actor, privacy.Action.MANAGE, person)
    errors: dict[str, str] = {}
    parsed = parse_roles(roles, errors)
    if errors:
        raise Invalid(errors)
    if person.id == actor.id and Role.ADMIN not in parsed:
        raise Invalid({"roles": "You can't remove your own admin role; ask another admin."})
    person.roles = parsed
    await person.save(update_fields=["roles_csv"])
    return person


async def set_active(actor: User, user_id: int, active: bool) -> User:
    person = await get_person(actor, user_id)
    await privacy.require(actor, privacy.Action.MANAGE, person)
    if person.id == actor.id and not active:
        raise Invalid({"__all__": "You can't deactivate yourself."})
    person.is_active = active
    await person.save(update_fields=["is_active"])
    if not active:  # signed out everywhere: reactivating must not revive old sessions
        await WebSession.filter(user_id=person.id).delete()
    return person


async def update_profile(actor: User, name: str, timezone: str) -> User:
    errors: dict[str, str] = {}
    name = clean_line(name, field="name", label="Name", max_length=120, errors=errors)
    timezone = check_timezone(timezone, errors)
    if errors:
        raise Invalid(errors)
    actor.name = name
    actor.timezone = timezone
    await actor.save(update_fields=["name", "timezone"])
    return actor

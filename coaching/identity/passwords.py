"""Passwords: what a good one is, hashing off the event loop, and checking a sign-in."""

from __future__ import annotations

import asyncio
import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from coaching.errors import Invalid, Throttled
from coaching.identity import throttle
from coaching.identity.models import EMAIL_MAX, User

# argon2id with the library's recommended parameters. Tests swap in cheaper ones.
password_hasher = PasswordHasher()

MIN_PASSWORD = 12
MAX_PASSWORD = 1024
# zxcvbn (a maintained estimator with a list of 30,000 common passwords): a score below
# this means the password is common or built from guessable patterns.
MIN_STRENGTH = 2


def too_long_email(email: str) -> str:
    return f"An email address has at most {EMAIL_MAX} characters; this one has {len(email)}."


def check_password(
    password: str, errors: dict[str, str], field: str = "password", **personal: str
) -> None:
    """Note an error when the password is too short, too long, or common."""
    if len(password) < MIN_PASSWORD:
        errors[field] = f"Use at least {MIN_PASSWORD} characters."
    elif len(password) > MAX_PASSWORD:
        errors[field] = f"Use at most {MAX_PASSWORD} characters."
    else:
        verdict = zxcvbn(password[:100], user_inputs=[v for v in personal.values() if v])
        if verdict["score"] < MIN_STRENGTH:
            why = verdict["feedback"]["warning"] or "It is too easy to guess."
            errors[field] = f"Choose a less common password. {why}"


async def hash_password(password: str) -> str:
    """Hash in a worker thread: argon2 takes tens of milliseconds of CPU by design, which
    would otherwise stall every other request on the event loop."""
    return await asyncio.to_thread(password_hasher.hash, password)


def _verify(stored: str | None, password: str) -> bool:
    try:
        return password_hasher.verify(stored or _dummy_hash(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


async def verify_password(stored: str | None, password: str) -> bool:
    """Check a password against a stored hash (for no hash, hash anyway: timing tells
    nothing about whether the account exists)."""
    return await asyncio.to_thread(_verify, stored, password)


@functools.cache
def _dummy_hash() -> str:
    return password_hasher.hash("no account has this password")


async def authenticate(email: str, password: str, client: str) -> User:
    """Check a sign-in. Raises Throttled when the pair must wait, or Invalid with a message
    that does not tell which part was wrong."""
    email = email.strip().lower()
    if len(email) > EMAIL_MAX:
        raise Invalid({"email": too_long_email(email)})
    wait = await throttle.claim_attempt(email, client)
    if wait:
        raise Throttled(
            f"Too many attempts for this account from here. Wait {wait} seconds and try again.",
            retry_after=wait,
        )
    user = await User.filter(email=email, is_active=True).prefetch_related("role_rows").first()
    stored = user.password_hash if user is not None else None
    # Checked before looking at `user`: with no account (or no password) the dummy hash
    # is checked, so the answer takes as long whether or not the account exists.
    if not await verify_password(stored, password) or user is None:
        raise Invalid({"__all__": "That email and password don't match an active account."})
    await throttle.forget_failures(email, client)
    if password_hasher.check_needs_rehash(stored or ""):
        user.password_hash = await hash_password(password)
        await user.save(update_fields=["password_hash"])
    return user

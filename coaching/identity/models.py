"""Tortoise models of identity (Tortoise app "identity"). Times are stored in UTC."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:  # the reverse relations coaching adds; for type checking only
    from coaching.models import Goal, Reflection

# The largest id an `IntField` primary key can hold (PostgreSQL `integer`). A bigger number
# in a URL or form names nothing; checked before it reaches the database (which would fail).
MAX_ID = 2**31 - 1
EMAIL_MAX = 254
NAME_MAX = 120


class Role(StrEnum):
    REP = "rep"
    MANAGER = "manager"
    TRAINER = "trainer"
    ADMIN = "admin"


ROLE_ORDER = [Role.REP, Role.MANAGER, Role.TRAINER, Role.ADMIN]


class User(Model):
    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=EMAIL_MAX, unique=True)
    name = fields.CharField(max_length=NAME_MAX)
    password_hash = fields.CharField(max_length=255, null=True)
    timezone = fields.CharField(max_length=64, default="UTC")
    is_active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    # When the person last opened "who looked at my things": newer reads are announced.
    access_log_seen_at = fields.DatetimeField(null=True)

    role_rows: fields.ReverseRelation[UserRole]
    goals_shared_with_me: fields.ManyToManyRelation[Goal]
    reflections_shared_with_me: fields.ManyToManyRelation[Reflection]

    class Meta:
        table = "users"

    @property
    def roles(self) -> list[Role]:
        """The person's roles, in display order. The rows must have been fetched
        (`prefetch_related("role_rows")`); otherwise Tortoise raises NoValuesFetched."""
        present = {row.role for row in self.role_rows}
        return [role for role in ROLE_ORDER if role in present]

    def has_role(self, *roles: Role) -> bool:
        mine = self.roles
        return any(role in mine for role in roles)

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else self.email

    def __str__(self) -> str:
        return self.name


class UserRole(Model):
    """One role held by one person: "all reps" is one indexed query."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="role_rows", on_delete=fields.CASCADE
    )
    user_id: int
    role = fields.CharEnumField(Role, max_length=16, db_index=True)

    class Meta:
        table = "user_roles"
        unique_together = (("user", "role"),)


class Invitation(Model):
    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=EMAIL_MAX, db_index=True)
    # The email while the invitation is open, NULL once used or revoked: the unique index
    # allows one pending invitation per address, even under concurrent requests.
    pending_email = fields.CharField(max_length=EMAIL_MAX, null=True, unique=True)
    name = fields.CharField(max_length=NAME_MAX)
    roles: fields.Field[list[str]] = fields.JSONField(default=list)
    token_hash = fields.CharField(max_length=64, unique=True)
    invited_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="invitations_sent", null=True, on_delete=fields.SET_NULL
    )
    invited_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "invitations"


class PasswordReset(Model):
    """A one-time link an admin issues so a person can choose a new password."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="password_resets", on_delete=fields.CASCADE
    )
    user_id: int
    token_hash = fields.CharField(max_length=64, unique=True)
    created_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="password_resets_issued", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "password_resets"


class WebSession(Model):
    """A server-side browser session: the cookie holds only a random id, hashed here."""

    id = fields.IntField(primary_key=True)
    key_hash = fields.CharField(max_length=64, unique=True)
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="web_sessions", null=True, on_delete=fields.CASCADE
    )
    user_id: int | None
    data: fields.Field[dict] = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField(db_index=True)

    class Meta:
        table = "web_sessions"


class LoginThrottle(Model):
    """Failed sign-ins for one (account, client address) pair, to slow guessing down.

    Times are epoch milliseconds so that one UPDATE can claim an attempt atomically with
    the same arithmetic on SQLite and PostgreSQL."""

    id = fields.IntField(primary_key=True)
    key_hash = fields.CharField(max_length=64, unique=True)
    email = fields.CharField(max_length=EMAIL_MAX, db_index=True)
    client = fields.CharField(max_length=64)
    failures = fields.IntField(default=0)
    last_attempt_ms = fields.BigIntField(default=0, db_index=True)
    next_attempt_ms = fields.BigIntField(default=0)

    class Meta:
        table = "login_throttles"


class AuditAction(StrEnum):
    """What an admin (or the system on an admin's behalf) did to a person."""

    ROLES_CHANGED = "roles_changed"
    DEACTIVATED = "deactivated"
    REACTIVATED = "reactivated"
    INVITED = "invited"
    INVITATION_REVOKED = "invitation_revoked"
    PASSWORD_RESET_ISSUED = "password_reset_issued"
    LOGIN_DELAY_CLEARED = "login_delay_cleared"
    PAIRING_PROPOSED = "pairing_proposed"
    PAIRING_ENDED = "pairing_ended"
    SNAPSHOT_IMPORTED = "snapshot_imported"  # for the rep, by an admin or an integration
    API_TOKEN_CREATED = "api_token_created"
    API_TOKEN_REVOKED = "api_token_revoked"


class AuditEvent(Model):
    """Append-only: an administrative change to a person. Who did it and to whom are kept as
    they were at that moment (name and email), so the line survives renames and deletions."""

    id = fields.BigIntField(primary_key=True)
    at = fields.DatetimeField(auto_now_add=True, db_index=True)
    action = fields.CharEnumField(AuditAction, max_length=32)
    actor_id = fields.IntField(null=True)
    actor_name = fields.CharField(max_length=NAME_MAX, default="")
    actor_email = fields.CharField(max_length=EMAIL_MAX, default="")
    subject_id = fields.IntField(null=True, db_index=True)
    subject_name = fields.CharField(max_length=NAME_MAX, default="")
    subject_email = fields.CharField(max_length=EMAIL_MAX, default="")
    detail = fields.CharField(max_length=500, default="")

    class Meta:
        table = "audit_events"
        ordering = ["-at", "-id"]


class ApiToken(Model):
    """A bearer token an admin creates for an integration (a CRM sync pushing snapshots).
    Only its hash is kept: the token itself is shown once, when it is made."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=80)
    token_hash = fields.CharField(max_length=64, unique=True)
    hint = fields.CharField(max_length=12)  # the first characters, to recognise it by
    created_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="api_tokens_created", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_tokens"
        ordering = ["-created_at", "-id"]

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class CalendarFeed(Model):
    """A person's private calendar link (`/calendar/<token>.ics`): a calendar app reads the
    person's sessions with it, without signing in. Only the token's SHA-256 is kept; making
    a new link replaces the hash (the old link stops working), turning it off deletes the
    row."""

    id = fields.IntField(primary_key=True)
    user: fields.OneToOneRelation[User] = fields.OneToOneField(
        "identity.User", related_name="calendar_feed", on_delete=fields.CASCADE
    )
    user_id: int
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "calendar_feeds"


__models__ = [
    User,
    UserRole,
    Invitation,
    PasswordReset,
    WebSession,
    LoginThrottle,
    AuditEvent,
    ApiToken,
    CalendarFeed,
]

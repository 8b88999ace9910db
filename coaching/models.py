"""Tortoise models of the coaching domain. Times are stored in UTC."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

# The largest id an `IntField` primary key can hold (PostgreSQL `integer`). A bigger number
# in a URL or form names nothing; checked before it reaches the database (which would fail).
MAX_ID = 2**31 - 1


class Role(StrEnum):
    REP = "rep"
    MANAGER = "manager"
    TRAINER = "trainer"
    ADMIN = "admin"


ROLE_ORDER = [Role.REP, Role.MANAGER, Role.TRAINER, Role.ADMIN]


class PairingKind(StrEnum):
    MANAGER = "manager"
    MENTOR = "mentor"


class PairingStatus(StrEnum):
    PROPOSED = "proposed"
    ACTIVE = "active"
    DECLINED = "declined"
    ENDED = "ended"


class GoalStatus(StrEnum):
    OPEN = "open"
    DONE = "done"


class User(Model):
    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, unique=True)
    name = fields.CharField(max_length=120)
    roles_csv = fields.CharField(max_length=64, default="")
    password_hash = fields.CharField(max_length=255, null=True)
    timezone = fields.CharField(max_length=64, default="UTC")
    is_active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    goals_shared_with_me: fields.ManyToManyRelation[Goal]
    reflections_shared_with_me: fields.ManyToManyRelation[Reflection]

    class Meta:
        table = "users"

    @property
    def roles(self) -> list[Role]:
        present = set(self.roles_csv.split(",")) if self.roles_csv else set()
        return [role for role in ROLE_ORDER if role.value in present]

    @roles.setter
    def roles(self, roles: list[Role] | list[str]) -> None:
        wanted = {str(role) for role in roles}
        self.roles_csv = ",".join(role.value for role in ROLE_ORDER if role.value in wanted)

    def has_role(self, *roles: Role) -> bool:
        return any(role in self.roles for role in roles)

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else self.email

    def __str__(self) -> str:
        return self.name


class Invitation(Model):
    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254)
    name = fields.CharField(max_length=120)
    roles_csv = fields.CharField(max_length=64)
    token_hash = fields.CharField(max_length=64, unique=True)
    invited_by: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "coaching.User", related_name="invitations_sent", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "invitations"


class WebSession(Model):
    """A server-side browser session: the cookie holds only a random id, hashed here."""

    id = fields.IntField(primary_key=True)
    key_hash = fields.CharField(max_length=64, unique=True)
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "coaching.User", related_name="web_sessions", null=True, on_delete=fields.CASCADE
    )
    data: fields.Field[dict] = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()

    class Meta:
        table = "web_sessions"


class LoginAttempt(Model):
    """A failed login, kept briefly to slow down password guessing."""

    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, db_index=True)
    client = fields.CharField(max_length=64, db_index=True)
    at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "login_attempts"


class Pairing(Model):
    id = fields.IntField(primary_key=True)
    coach: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "coaching.User", related_name="pairings_as_coach", on_delete=fields.CASCADE
    )
    rep: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "coaching.User", related_name="pairings_as_rep", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(PairingKind, max_length=16)
    # The coaching agreement, in plain words, that the rep accepts or declines.
    agreement_sees = fields.TextField()
    agreement_why = fields.TextField()
    agreement_cadence = fields.CharField(max_length=200)
    status = fields.CharEnumField(PairingStatus, max_length=16, default=PairingStatus.PROPOSED)
    proposed_by: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "coaching.User", related_name="pairings_proposed", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    responded_at = fields.DatetimeField(null=True)
    ended_at = fields.DatetimeField(null=True)
    ended_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "coaching.User", related_name="pairings_ended", null=True, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "pairings"

    @property
    def is_active(self) -> bool:
        return self.status == PairingStatus.ACTIVE


class CoachingSession(Model):
    id = fields.IntField(primary_key=True)
    pairing: fields.ForeignKeyRelation[Pairing] = fields.ForeignKeyField(
        "coaching.Pairing", related_name="sessions", on_delete=fields.CASCADE
    )
    title = fields.CharField(max_length=120)
    starts_at = fields.DatetimeField(db_index=True)
    duration_minutes = fields.IntField()
    created_by: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "coaching.User", related_name="sessions_created", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    shared_notes = fields.TextField(default="")
    shared_notes_updated_at = fields.DatetimeField(null=True)
    shared_notes_updated_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "coaching.User", related_name="shared_notes_edits", null=True, on_delete=fields.SET_NULL
    )

    class Meta:
        table = "coaching_sessions"


class AgendaItem(Model):
    id = fields.IntField(primary_key=True)
    session: fields.ForeignKeyRelation[CoachingSession] = fields.ForeignKeyField(
        "coaching.CoachingSession", related_name="agenda_items", on_delete=fields.CASCADE
    )
    author: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "coaching.User", related_name="agenda_items", on_delete=fields.CASCADE
    )
    text = fields.CharField(max_length=300)
    done = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "agenda_items"
        ordering = ["created_at", "id"]


class PrivateNote(Model):
    """Words one person keeps about a session for themselves alone."""

    id = fields.IntField(primary_key=True)
    session: fields.ForeignKeyRelation[CoachingSession] = fields.ForeignKeyField(
        "coaching.CoachingSession", related_name="private_notes", on_delete=fields.CASCADE
    )
    author: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "coaching.User", related_name="private_notes", on_delete=fields.CASCADE
    )
    body = fields.TextField(default="")
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "private_notes"
        unique_together = (("session", "author"),)


class Goal(Model):
    id = fields.IntField(primary_key=True)
    owner: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "coaching.User", related_name="goals", on_delete=fields.CASCADE
    )
    title = fields.CharField(max_length=200)
    detail = fields.TextField(default="")
    status = fields.CharEnumField(GoalStatus, max_length=16, default=GoalStatus.OPEN)
    target_date = fields.DateField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    shared_with: fields.ManyToManyRelation[User] = fields.ManyToManyField(
        "coaching.User", related_name="goals_shared_with_me", through="goal_shares"
    )

    class Meta:
        table = "goals"
        ordering = ["-created_at", "-id"]


class Reflection(Model):
    id = fields.IntField(primary_key=True)
    author: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "coaching.User", related_name="reflections", on_delete=fields.CASCADE
    )
    session: fields.ForeignKeyNullableRelation[CoachingSession] = fields.ForeignKeyField(
        "coaching.CoachingSession", related_name="reflections", null=True, on_delete=fields.SET_NULL
    )
    body = fields.TextField()
    body_html = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)
    shared_with: fields.ManyToManyRelation[User] = fields.ManyToManyField(
        "coaching.User", related_name="reflections_shared_with_me", through="reflection_shares"
    )

    class Meta:
        table = "reflections"
        ordering = ["-created_at", "-id"]


class PipelineSnapshot(Model):
    """The pipeline of a rep as exported from the CRM at one moment, brought to a session."""

    id = fields.IntField(primary_key=True)
    owner: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "coaching.User", related_name="snapshots", on_delete=fields.CASCADE
    )
    session: fields.ForeignKeyNullableRelation[CoachingSession] = fields.ForeignKeyField(
        "coaching.CoachingSession", related_name="snapshots", null=True, on_delete=fields.SET_NULL
    )
    taken_at = fields.DatetimeField()
    source = fields.CharField(max_length=60, default="CSV import")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "pipeline_snapshots"


class SnapshotDeal(Model):
    id = fields.IntField(primary_key=True)
    snapshot: fields.ForeignKeyRelation[PipelineSnapshot] = fields.ForeignKeyField(
        "coaching.PipelineSnapshot", related_name="deals", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=200)
    stage = fields.CharField(max_length=80)
    amount_minor = fields.BigIntField()
    currency = fields.CharField(max_length=3)
    close_date = fields.DateField(null=True)

    class Meta:
        table = "snapshot_deals"
        ordering = ["close_date", "id"]


class AccessEvent(Model):
    """Append-only: someone other than the rep read something that belongs to the rep."""

    id = fields.BigIntField(primary_key=True)
    actor: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "coaching.User", related_name="access_events_made", on_delete=fields.CASCADE
    )
    subject: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "coaching.User", related_name="access_events_about_me", on_delete=fields.CASCADE
    )
    object_type = fields.CharField(max_length=40)
    object_id = fields.IntField()
    action = fields.CharField(max_length=20, default="read")
    at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "access_events"
        ordering = ["-at", "-id"]

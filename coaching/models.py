"""Tortoise models of the coaching domain. Times are stored in UTC."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from coaching.identity.models import MAX_ID, ROLE_ORDER, Role, User
from coaching.pipeline.models import BroughtSnapshot, PipelineSnapshot, SnapshotDeal

# Re-exported: most code needs them here.
__all__ = ["MAX_ID", "ROLE_ORDER", "BroughtSnapshot", "PipelineSnapshot", "Role", "SnapshotDeal"]
__all__ += ["User"]


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


class Pairing(Model):
    id = fields.IntField(primary_key=True)
    coach: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="pairings_as_coach", on_delete=fields.CASCADE
    )
    coach_id: int
    rep: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="pairings_as_rep", on_delete=fields.CASCADE
    )
    rep_id: int
    kind = fields.CharEnumField(PairingKind, max_length=16)
    # The coaching agreement, in plain words, that the rep accepts or declines.
    agreement_sees = fields.TextField()
    agreement_why = fields.TextField()
    agreement_cadence = fields.CharField(max_length=200)
    status = fields.CharEnumField(PairingStatus, max_length=16, default=PairingStatus.PROPOSED)
    proposed_by: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="pairings_proposed", on_delete=fields.CASCADE
    )
    proposed_by_id: int
    created_at = fields.DatetimeField(auto_now_add=True)
    responded_at = fields.DatetimeField(null=True)
    ended_at = fields.DatetimeField(null=True)
    ended_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="pairings_ended", null=True, on_delete=fields.SET_NULL
    )
    ended_by_id: int | None
    # Why it ended when neither side ended it (a coach lost the manager role, ...), for the rep.
    ended_reason = fields.CharField(max_length=300, default="")
    # Part of the agreement: the rep's latest snapshot goes to each session on its own.
    # The rep can switch it off at any time.
    auto_bring_snapshot = fields.BooleanField(default=False, db_default=False)

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
    pairing_id: int
    title = fields.CharField(max_length=120)
    starts_at = fields.DatetimeField(db_index=True)
    duration_minutes = fields.IntField()
    created_by: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="sessions_created", on_delete=fields.CASCADE
    )
    created_by_id: int
    created_at = fields.DatetimeField(auto_now_add=True)
    shared_notes = fields.TextField(default="")
    shared_notes_updated_at = fields.DatetimeField(null=True)
    shared_notes_updated_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="shared_notes_edits", null=True, on_delete=fields.SET_NULL
    )
    shared_notes_updated_by_id: int | None
    # Raised by every save: a save made from an older version is a conflict, not an overwrite.
    shared_notes_version = fields.IntField(default=0, db_default=0)
    # The latest change of time or the cancel: who made it and why, for the other person.
    changed_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="session_changes", null=True, on_delete=fields.SET_NULL
    )
    changed_by_id: int | None
    change_reason = fields.CharField(max_length=300, default="", db_default="")
    cancelled_at = fields.DatetimeField(null=True)
    # The iCalendar SEQUENCE of the session's invitations (RFC 5545 3.8.7.4): raised by
    # coaching.calendars.next_sequence on every change and on the cancel, so calendars
    # replace the copy they hold instead of keeping the older one.
    calendar_sequence = fields.IntField(default=0, db_default=0)

    class Meta:
        table = "coaching_sessions"

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


class AgendaItem(Model):
    id = fields.IntField(primary_key=True)
    session: fields.ForeignKeyRelation[CoachingSession] = fields.ForeignKeyField(
        "coaching.CoachingSession", related_name="agenda_items", on_delete=fields.CASCADE
    )
    session_id: int
    author: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="agenda_items", on_delete=fields.CASCADE
    )
    author_id: int
    text = fields.CharField(max_length=300)
    done = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "agenda_items"
        ordering = ["created_at", "id"]


class Commitment(Model):
    """Something one side of a pairing will do: the coach's count as much as the rep's.
    It shows in every session of the pairing, from the one it was made in, until done."""

    id = fields.IntField(primary_key=True)
    pairing: fields.ForeignKeyRelation[Pairing] = fields.ForeignKeyField(
        "coaching.Pairing", related_name="commitments", on_delete=fields.CASCADE
    )
    pairing_id: int
    made_in: fields.ForeignKeyNullableRelation[CoachingSession] = fields.ForeignKeyField(
        "coaching.CoachingSession", related_name="commitments", null=True, on_delete=fields.SET_NULL
    )
    made_in_id: int | None
    owner: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="commitments", on_delete=fields.CASCADE
    )
    owner_id: int
    author: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="commitments_written", on_delete=fields.CASCADE
    )
    author_id: int
    text = fields.CharField(max_length=300)
    due_on = fields.DateField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    done_at = fields.DatetimeField(null=True)

    class Meta:
        table = "commitments"
        indexes = (("pairing_id", "done_at"), ("owner_id", "done_at"))

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class SharedNotesRevision(Model):
    """A saved text of a session's shared notes: the history both people can read back."""

    id = fields.IntField(primary_key=True)
    session: fields.ForeignKeyRelation[CoachingSession] = fields.ForeignKeyField(
        "coaching.CoachingSession", related_name="notes_revisions", on_delete=fields.CASCADE
    )
    session_id: int
    version = fields.IntField()
    body = fields.TextField()
    saved_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="notes_revisions", null=True, on_delete=fields.SET_NULL
    )
    saved_by_id: int | None
    saved_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "shared_notes_revisions"
        unique_together = (("session", "version"),)


class PrivateNote(Model):
    """Words one person keeps about a session for themselves alone."""

    id = fields.IntField(primary_key=True)
    session: fields.ForeignKeyRelation[CoachingSession] = fields.ForeignKeyField(
        "coaching.CoachingSession", related_name="private_notes", on_delete=fields.CASCADE
    )
    session_id: int
    author: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="private_notes", on_delete=fields.CASCADE
    )
    author_id: int
    body = fields.TextField(default="")
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "private_notes"
        unique_together = (("session", "author"),)


class Goal(Model):
    id = fields.IntField(primary_key=True)
    owner: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="goals", on_delete=fields.CASCADE
    )
    owner_id: int
    title = fields.CharField(max_length=200)
    detail = fields.TextField(default="")
    status = fields.CharEnumField(GoalStatus, max_length=16, default=GoalStatus.OPEN)
    target_date = fields.DateField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    shared_with: fields.ManyToManyRelation[User] = fields.ManyToManyField(
        "identity.User", related_name="goals_shared_with_me", through="goal_shares"
    )

    class Meta:
        table = "goals"
        ordering = ["-created_at", "-id"]


class Reflection(Model):
    id = fields.IntField(primary_key=True)
    author: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="reflections", on_delete=fields.CASCADE
    )
    author_id: int
    session: fields.ForeignKeyNullableRelation[CoachingSession] = fields.ForeignKeyField(
        "coaching.CoachingSession", related_name="reflections", null=True, on_delete=fields.SET_NULL
    )
    session_id: int | None
    body = fields.TextField()
    body_html = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)
    shared_with: fields.ManyToManyRelation[User] = fields.ManyToManyField(
        "identity.User", related_name="reflections_shared_with_me", through="reflection_shares"
    )

    class Meta:
        table = "reflections"
        ordering = ["-created_at", "-id"]


class AccessKind(StrEnum):
    """What someone other than the owner did with the owner's thing."""

    READ = "read"


class ObjectKind(StrEnum):
    """The kinds of a rep's things whose reads are logged for the rep."""

    SESSION = "session"
    GOAL = "goal"
    REFLECTION = "reflection"
    SNAPSHOT = "snapshot"


class AccessEvent(Model):
    """Append-only: someone other than the rep read something that belongs to the rep.

    The reader is kept as they were at that moment (id, name, email, no foreign key), so a
    reader who renames themselves or whose account is deleted cannot hide past reads; the
    item's label is kept too, so the line stays readable when the item changes or goes.
    The database refuses UPDATE and DELETE on this table (migration 0002)."""

    id = fields.BigIntField(primary_key=True)
    at = fields.DatetimeField(auto_now_add=True)
    kind = fields.CharEnumField(AccessKind, max_length=16, default=AccessKind.READ)
    actor_id = fields.IntField()
    actor_name = fields.CharField(max_length=120)
    actor_email = fields.CharField(max_length=254)
    subject: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="access_events_about_me", on_delete=fields.RESTRICT
    )
    subject_id: int
    object_kind = fields.CharEnumField(ObjectKind, max_length=16)
    object_id = fields.IntField()
    object_label = fields.CharField(max_length=300)

    class Meta:
        table = "access_events"
        ordering = ["-at", "-id"]
        indexes = (("subject_id", "at"),)


class Notice(Model):
    """Something a person should know that happened without them: shown on their home page
    until they dismiss it (a pairing ended because the coach lost the manager role, ...)."""

    id = fields.IntField(primary_key=True)
    recipient: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="notices", on_delete=fields.CASCADE
    )
    recipient_id: int
    message = fields.CharField(max_length=500)
    created_at = fields.DatetimeField(auto_now_add=True)
    dismissed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "notices"
        ordering = ["-created_at", "-id"]


__models__ = [
    Pairing,
    CoachingSession,
    AgendaItem,
    Commitment,
    SharedNotesRevision,
    PrivateNote,
    Goal,
    Reflection,
    AccessEvent,
    Notice,
]

"""Tortoise models of playbooks.

A playbook is a trainer's working draft plus the numbered versions published from it.
Managers only ever read a published version, and a version never changes once written
(database triggers refuse UPDATE and DELETE on `playbook_versions`): editing a published
playbook edits the draft, and the next publish adds a version.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from coaching.identity.models import User


class PlaybookStatus(StrEnum):
    DRAFT = "draft"  # never published
    PUBLISHED = "published"
    ARCHIVED = "archived"  # out of the library; its versions stay


class Playbook(Model):
    id = fields.IntField(primary_key=True)
    # A stable name for files (`tandem playbooks export` writes SLUG.md, import matches it).
    slug = fields.CharField(max_length=100, unique=True, null=True)
    # The working draft: what the trainer edits. Readers never see it.
    title = fields.CharField(max_length=160)
    summary = fields.CharField(max_length=300, default="")
    audience = fields.CharField(max_length=120, default="", db_default="")
    topics = fields.CharField(max_length=300, default="", db_default="")  # tags, space separated
    # Stable ids of the snapshot signals this playbook helps with, space separated.
    signals = fields.CharField(max_length=500, default="", db_default="")
    prompts = fields.TextField(default="", db_default="")  # reflection prompts, one a line
    body = fields.TextField()
    body_html = fields.TextField()
    author: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="playbooks", on_delete=fields.SET_NULL, null=True
    )
    author_id: int | None
    status = fields.CharEnumField(PlaybookStatus, max_length=16, default=PlaybookStatus.DRAFT)
    # The version readers see; no database constraint, as versions point back here.
    current: fields.ForeignKeyNullableRelation[PlaybookVersion] = fields.ForeignKeyField(
        "playbooks.PlaybookVersion",
        related_name=False,
        null=True,
        db_constraint=False,
        on_delete=fields.NO_ACTION,
    )
    current_id: int | None
    draft_hash = fields.CharField(max_length=64, default="", db_default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    published_at = fields.DatetimeField(null=True)  # of the latest version

    class Meta:
        table = "playbooks"
        ordering = ["-published_at", "-id"]

    @property
    def is_published(self) -> bool:
        return self.status == PlaybookStatus.PUBLISHED

    @property
    def is_archived(self) -> bool:
        return self.status == PlaybookStatus.ARCHIVED


class PlaybookVersion(Model):
    """One published text of a playbook, numbered from 1. Written once, never changed."""

    id = fields.IntField(primary_key=True)
    playbook: fields.ForeignKeyRelation[Playbook] = fields.ForeignKeyField(
        "playbooks.Playbook", related_name="versions", on_delete=fields.RESTRICT
    )
    playbook_id: int
    number = fields.IntField()
    title = fields.CharField(max_length=160)
    summary = fields.CharField(max_length=300, default="")
    audience = fields.CharField(max_length=120, default="")
    topics = fields.CharField(max_length=300, default="")
    signals = fields.CharField(max_length=500, default="")
    prompts = fields.TextField(default="")
    body = fields.TextField()
    body_html = fields.TextField()
    reading_minutes = fields.IntField(default=1)
    change_note = fields.CharField(max_length=300, default="")
    content_hash = fields.CharField(max_length=64)
    # Who published it, as they were named then: no foreign key, so a deleted account
    # doesn't have to change a row that never changes.
    published_by_id = fields.IntField(null=True)
    published_by_name = fields.CharField(max_length=200, default="")
    published_at = fields.DatetimeField()

    class Meta:
        table = "playbook_versions"
        unique_together = (("playbook", "number"),)
        ordering = ["-number"]

    @property
    def topic_list(self) -> list[str]:
        return self.topics.split()

    @property
    def signal_list(self) -> list[str]:
        return self.signals.split()

    @property
    def prompt_list(self) -> list[str]:
        return [line for line in self.prompts.splitlines() if line.strip()]


class PlaybookTopic(Model):
    """A topic of a playbook's current version, for browsing the library by topic."""

    id = fields.IntField(primary_key=True)
    playbook: fields.ForeignKeyRelation[Playbook] = fields.ForeignKeyField(
        "playbooks.Playbook", related_name="topic_rows", on_delete=fields.CASCADE
    )
    playbook_id: int
    topic = fields.CharField(max_length=40, db_index=True)

    class Meta:
        table = "playbook_topics"
        unique_together = (("playbook", "topic"),)


class PlaybookRead(Model):
    """That the reader has read a playbook, and which version: shown only to that reader,
    and to trainers only as a count."""

    id = fields.IntField(primary_key=True)
    playbook: fields.ForeignKeyRelation[Playbook] = fields.ForeignKeyField(
        "playbooks.Playbook", related_name="reads", on_delete=fields.CASCADE
    )
    playbook_id: int
    reader: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="playbook_reads", on_delete=fields.CASCADE
    )
    reader_id: int
    version = fields.IntField(default=1, db_default=1)
    read_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "playbook_reads"
        unique_together = (("playbook", "reader"),)


class PlaybookNote(Model):
    """A reader's own bookmark, private reflection and usefulness rating of a playbook.
    The reflection is the reader's alone; ratings reach trainers only in aggregate."""

    id = fields.IntField(primary_key=True)
    playbook: fields.ForeignKeyRelation[Playbook] = fields.ForeignKeyField(
        "playbooks.Playbook", related_name="notes", on_delete=fields.CASCADE
    )
    playbook_id: int
    reader: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="playbook_notes", on_delete=fields.CASCADE
    )
    reader_id: int
    bookmarked = fields.BooleanField(default=False)
    reflection = fields.TextField(default="")
    rating = fields.SmallIntField(null=True)  # 1 (not useful) to 5 (very useful)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "playbook_notes"
        unique_together = (("playbook", "reader"),)


__models__ = [Playbook, PlaybookVersion, PlaybookTopic, PlaybookRead, PlaybookNote]

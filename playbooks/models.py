"""Tortoise models of playbooks. Markdown is stored raw plus its sanitised HTML."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from coaching.identity.models import User


class PlaybookStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class Playbook(Model):
    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=160)
    summary = fields.CharField(max_length=300, default="")
    body = fields.TextField()
    body_html = fields.TextField()
    # Stable ids of the snapshot signals this playbook helps with, space separated.
    signals = fields.CharField(max_length=500, default="", db_default="")
    author: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="playbooks", on_delete=fields.CASCADE
    )
    author_id: int
    status = fields.CharEnumField(PlaybookStatus, max_length=16, default=PlaybookStatus.DRAFT)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    published_at = fields.DatetimeField(null=True)

    class Meta:
        table = "playbooks"
        ordering = ["-published_at", "-id"]

    @property
    def is_published(self) -> bool:
        return self.status == PlaybookStatus.PUBLISHED


class PlaybookRead(Model):
    """A bookmark that the reader has read a playbook, shown only to that reader."""

    id = fields.IntField(primary_key=True)
    playbook: fields.ForeignKeyRelation[Playbook] = fields.ForeignKeyField(
        "playbooks.Playbook", related_name="reads", on_delete=fields.CASCADE
    )
    playbook_id: int
    reader: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "identity.User", related_name="playbook_reads", on_delete=fields.CASCADE
    )
    reader_id: int
    read_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "playbook_reads"
        unique_together = (("playbook", "reader"),)


__models__ = [Playbook, PlaybookRead]

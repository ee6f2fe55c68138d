"""Shared documents as the rest of the app sees them: provenance, comments, conflicts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class IncomingOutcome(StrEnum):
    NEW = "new"  # a document we did not have
    UPDATED = "updated"  # a newer version, applied as is (we had not edited it)
    MERGED = "merged"  # both sides edited different passages: merged
    CONFLICT = "conflict"  # both edited the same passages: both kept, flagged
    UNCHANGED = "unchanged"  # same content we already have


@dataclass(frozen=True)
class Provenance:
    document_uid: str
    origin_key: str | None  # who first shared it with us (its owner); None: we wrote it
    shared_by: str | None  # who sent the version we hold; None: us
    received_at: datetime | None
    verified: bool  # the version arrived in an envelope whose signature verified
    head_revision: str | None


@dataclass(frozen=True)
class Revision:
    revision: str
    document_uid: str
    parent: str | None
    author_key: str | None
    title: str
    body_format: str
    body: str
    created_at: datetime


@dataclass(frozen=True)
class Conflict:
    id: int
    document_uid: str
    revision: str
    base_revision: str | None
    author_key: str
    title: str
    body: str
    received_at: datetime
    resolved: bool


@dataclass(frozen=True)
class AudienceNotice:
    """Someone other than the owner sent a version naming holders we did not know: ignored."""

    id: int
    document_uid: str
    sender_key: str
    revision: str
    added_keys: tuple[str, ...]  # the identity keys they tried to add
    received_at: datetime
    dismissed: bool


@dataclass(frozen=True)
class Comment:
    id: int
    uid: str
    document_uid: str
    author_key: str | None  # None: this profile
    body: str
    quote: str | None
    reply_to: str | None  # uid of the comment this answers
    created_at: datetime
    received_at: datetime | None


@dataclass(frozen=True)
class ShareResult:
    document_uid: str
    revision: str
    recipients: tuple[str, ...]  # names
    attachment_bytes: int  # size of the PDF sent as a resumable blob (0: inline or none)

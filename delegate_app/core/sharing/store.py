"""SQL for shared documents: provenance, revisions, holders, conflicts, comments.

Also attaches a received PDF to its document (the ``attachments`` table of the
documents schema), since that is the one write sharing needs that the document
store does not offer.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from delegate_app.core.documents.attachment_store import AttachmentStore
from delegate_app.core.sharing.models import (
    AudienceNotice,
    Comment,
    Conflict,
    Provenance,
    Revision,
)
from delegate_app.core.vault import Database


def _time(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(float(value), tz=UTC)


def _revision(row: Any) -> Revision:
    return Revision(
        revision=str(row["revision"]),
        document_uid=str(row["document_uid"]),
        parent=row["parent"],
        author_key=row["author_key"],
        title=str(row["title"]),
        body_format=str(row["body_format"]),
        body=str(row["body"]),
        created_at=datetime.fromtimestamp(float(row["created_at"]), tz=UTC),
    )


def _comment(row: Any) -> Comment:
    return Comment(
        id=int(row["id"]),
        uid=str(row["uid"]),
        document_uid=str(row["document_uid"]),
        author_key=row["author_key"],
        body=str(row["body"]),
        quote=row["quote"],
        reply_to=row["reply_to"],
        created_at=datetime.fromtimestamp(float(row["created_at"]), tz=UTC),
        received_at=_time(row["received_at"]),
    )


def _notice(row: Any) -> AudienceNotice:
    return AudienceNotice(
        id=int(row["id"]),
        document_uid=str(row["document_uid"]),
        sender_key=str(row["sender_key"]),
        revision=str(row["revision"]),
        added_keys=tuple(str(k) for k in json.loads(row["added_keys"])),
        received_at=datetime.fromtimestamp(float(row["received_at"]), tz=UTC),
        dismissed=row["dismissed_at"] is not None,
    )


def _conflict(row: Any) -> Conflict:
    return Conflict(
        id=int(row["id"]),
        document_uid=str(row["document_uid"]),
        revision=str(row["revision"]),
        base_revision=row["base_revision"],
        author_key=str(row["author_key"]),
        title=str(row["title"]),
        body=str(row["body"]),
        received_at=datetime.fromtimestamp(float(row["received_at"]), tz=UTC),
        resolved=row["resolved_at"] is not None,
    )


class SharingStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- provenance ------------------------------------------------------------------------

    def provenance(self, document_uid: str) -> Provenance | None:
        row = self.db.query_one(
            "SELECT * FROM shared_documents WHERE document_uid = ?", (document_uid,)
        )
        if row is None:
            return None
        return Provenance(
            document_uid=str(row["document_uid"]),
            origin_key=row["origin_key"],
            shared_by=row["shared_by"],
            received_at=_time(row["received_at"]),
            verified=bool(row["verified"]),
            head_revision=row["head_revision"],
        )

    def set_shared(
        self,
        document_uid: str,
        *,
        head_revision: str,
        shared_by: str | None,
        received_at: float | None,
        verified: bool,
        origin_key: str | None = None,
    ) -> None:
        """Create or update the provenance row (the origin is only set on creation)."""
        self.db.execute(
            "INSERT INTO shared_documents (document_uid, origin_key, shared_by, received_at,"
            " verified, head_revision, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (document_uid) DO UPDATE SET shared_by = excluded.shared_by,"
            " received_at = coalesce(excluded.received_at, received_at),"
            " verified = excluded.verified, head_revision = excluded.head_revision,"
            " updated_at = excluded.updated_at",
            (
                document_uid,
                origin_key,
                shared_by,
                received_at,
                int(verified),
                head_revision,
                time.time(),
            ),
        )

    def set_head(self, document_uid: str, revision: str) -> None:
        self.db.execute(
            "UPDATE shared_documents SET head_revision = ?, updated_at = ? WHERE document_uid = ?",
            (revision, time.time(), document_uid),
        )

    # -- revisions -------------------------------------------------------------------------

    def revision(self, revision: str) -> Revision | None:
        row = self.db.query_one("SELECT * FROM shared_revisions WHERE revision = ?", (revision,))
        return None if row is None else _revision(row)

    def add_revision(
        self,
        *,
        revision: str,
        document_uid: str,
        parent: str | None,
        author_key: str | None,
        title: str,
        body_format: str,
        body: str,
        created_at: float,
    ) -> bool:
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO shared_revisions (revision, document_uid, parent, author_key,"
            " title, body_format, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (revision, document_uid, parent, author_key, title, body_format, body, created_at),
        )
        return bool(cursor.rowcount == 1)

    # -- holders ---------------------------------------------------------------------------

    def holders(self, document_uid: str) -> list[str]:
        rows = self.db.query(
            "SELECT identity_key FROM document_holders WHERE document_uid = ?"
            " ORDER BY identity_key",
            (document_uid,),
        )
        return [str(r["identity_key"]) for r in rows]

    def add_holders(self, document_uid: str, keys: Iterable[str]) -> None:
        self.db.executemany(
            "INSERT OR IGNORE INTO document_holders (document_uid, identity_key) VALUES (?, ?)",
            [(document_uid, key) for key in sorted(set(keys))],
        )

    def replace_holder_key(self, old_key: str, new_key: str) -> None:
        """Documents held or owned by ``old_key`` are held or owned by ``new_key`` (an accepted
        key change): the owner's next version, signed with the new key, still decides."""
        with self.db.transaction() as db:
            db.execute(
                "UPDATE OR IGNORE document_holders SET identity_key = ? WHERE identity_key = ?",
                (new_key, old_key),
            )
            db.execute("DELETE FROM document_holders WHERE identity_key = ?", (old_key,))
            db.execute(
                "UPDATE shared_documents SET origin_key = ? WHERE origin_key = ?",
                (new_key, old_key),
            )

    # -- audience notices ------------------------------------------------------------------

    def add_audience_notice(
        self,
        *,
        document_uid: str,
        sender_key: str,
        revision: str,
        added_keys: Iterable[str],
        received_at: float,
    ) -> None:
        self.db.execute(
            "INSERT OR IGNORE INTO document_audience_notices (document_uid, sender_key, revision,"
            " added_keys, received_at) VALUES (?, ?, ?, ?, ?)",
            (
                document_uid,
                sender_key,
                revision,
                json.dumps(sorted(set(added_keys))),
                received_at,
            ),
        )

    def audience_notices(
        self, document_uid: str, *, open_only: bool = True
    ) -> list[AudienceNotice]:
        sql = "SELECT * FROM document_audience_notices WHERE document_uid = ?"
        if open_only:
            sql += " AND dismissed_at IS NULL"
        sql += " ORDER BY received_at, id"
        return [_notice(r) for r in self.db.query(sql, (document_uid,))]

    def dismiss_audience_notices(self, document_uid: str) -> None:
        self.db.execute(
            "UPDATE document_audience_notices SET dismissed_at = ?"
            " WHERE document_uid = ? AND dismissed_at IS NULL",
            (time.time(), document_uid),
        )

    # -- conflicts -------------------------------------------------------------------------

    def add_conflict(
        self,
        *,
        document_uid: str,
        revision: str,
        base_revision: str | None,
        author_key: str,
        title: str,
        body: str,
        received_at: float,
    ) -> None:
        self.db.execute(
            "INSERT OR IGNORE INTO document_conflicts (document_uid, revision, base_revision,"
            " author_key, title, body, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (document_uid, revision, base_revision, author_key, title, body, received_at),
        )

    def conflicts(self, document_uid: str, *, open_only: bool = True) -> list[Conflict]:
        sql = "SELECT * FROM document_conflicts WHERE document_uid = ?"
        if open_only:
            sql += " AND resolved_at IS NULL"
        sql += " ORDER BY received_at, id"
        return [_conflict(r) for r in self.db.query(sql, (document_uid,))]

    def conflict(self, conflict_id: int) -> Conflict | None:
        row = self.db.query_one("SELECT * FROM document_conflicts WHERE id = ?", (conflict_id,))
        return None if row is None else _conflict(row)

    def open_conflict_count(self) -> int:
        row = self.db.query_one("SELECT count(*) FROM document_conflicts WHERE resolved_at IS NULL")
        return int(row[0]) if row else 0

    def resolve_conflict(self, conflict_id: int) -> None:
        self.db.execute(
            "UPDATE document_conflicts SET resolved_at = ? WHERE id = ?", (time.time(), conflict_id)
        )

    # -- comments --------------------------------------------------------------------------

    def add_comment(
        self,
        *,
        uid: str,
        document_uid: str,
        author_key: str | None,
        body: str,
        quote: str | None,
        reply_to: str | None,
        created_at: float,
        received_at: float | None,
    ) -> bool:
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO document_comments (uid, document_uid, author_key, body, quote,"
            " reply_to, created_at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (uid, document_uid, author_key, body, quote, reply_to, created_at, received_at),
        )
        return bool(cursor.rowcount == 1)

    def comments(self, document_uid: str) -> list[Comment]:
        rows = self.db.query(
            "SELECT * FROM document_comments WHERE document_uid = ?"
            " ORDER BY coalesce(received_at, created_at), id",
            (document_uid,),
        )
        return [_comment(r) for r in rows]

    def comment(self, uid: str) -> Comment | None:
        row = self.db.query_one("SELECT * FROM document_comments WHERE uid = ?", (uid,))
        return None if row is None else _comment(row)

    def comment_by_id(self, comment_id: int) -> Comment | None:
        row = self.db.query_one("SELECT * FROM document_comments WHERE id = ?", (comment_id,))
        return None if row is None else _comment(row)

    # -- documents ----------------------------------------------------------------------------

    def document_id(self, document_uid: str) -> int | None:
        row = self.db.query_one("SELECT id FROM documents WHERE uid = ?", (document_uid,))
        return None if row is None else int(row["id"])

    def replace_pdf(self, document_id: int, filename: str, data: bytes) -> None:
        """Attach ``data`` as the document's PDF, replacing an older one."""
        AttachmentStore(self.db).replace(document_id, filename, data)

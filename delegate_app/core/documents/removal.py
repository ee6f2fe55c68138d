"""What deleting a document takes with it, and what its confirmation says about its sharing.

A document's own rows (versions, attachments and their chunks) go by foreign key. Sharing
keeps its records by the document's ``uid`` instead (the same in every vault that holds it),
so they are deleted here by that uid: provenance, revisions, holders, conflicts, comments,
audience notices, and the blob transfers of its PDF (with their stored chunks). Envelopes
already queued for contacts are left to go: they are a share the user asked for. Other
holders keep their copies; if the owner sends a new version later, it arrives as a new
document.
"""

from __future__ import annotations

from dataclasses import dataclass

from delegate_app.core.vault import Database
from delegate_app.i18n import _, ngettext

# Tables holding a document's sharing records, each with the column naming its uid.
BY_UID = (
    ("document_comments", "document_uid"),
    ("document_conflicts", "document_uid"),
    ("document_audience_notices", "document_uid"),
    ("document_holders", "document_uid"),
    ("shared_revisions", "document_uid"),
    ("shared_documents", "document_uid"),
    ("blob_transfers", "ref"),  # blob_chunks go with them (ON DELETE CASCADE)
)


@dataclass(frozen=True)
class SharingState:
    """What a delete confirmation says: who else holds the document, who sent it to us."""

    holders: int  # other identities recorded as holding it (we are not counted)
    owner_key: str | None  # who first shared it with us; None: ours, or never shared
    comments: int
    owner_name: str | None = None  # the owner's contact name, when the owner is a contact

    @property
    def shared(self) -> bool:
        return self.holders > 0 or self.owner_key is not None


def sharing_state(db: Database, uid: str) -> SharingState:
    holders = db.query_one(
        "SELECT count(*) AS n FROM document_holders WHERE document_uid = ?", (uid,)
    )
    owner = db.query_one("SELECT origin_key FROM shared_documents WHERE document_uid = ?", (uid,))
    comments = db.query_one(
        "SELECT count(*) AS n FROM document_comments WHERE document_uid = ?", (uid,)
    )
    owner_key = str(owner["origin_key"]) if owner and owner["origin_key"] else None
    return SharingState(
        holders=int(holders["n"]) if holders else 0,
        owner_key=owner_key,
        comments=int(comments["n"]) if comments else 0,
        owner_name=_contact_name(db, owner_key),
    )


def _contact_name(db: Database, key: str | None) -> str | None:
    try:
        raw = bytes.fromhex(key or "")
    except ValueError:
        return None
    row = db.query_one("SELECT name FROM contacts WHERE identity_key = ?", (raw,)) if raw else None
    return None if row is None else str(row["name"])


def delete_sharing_records(db: Database, uid: str) -> None:
    """Delete every sharing record of the document ``uid`` (inside the caller's transaction)."""
    for table, column in BY_UID:
        db.execute(f"DELETE FROM {table} WHERE {column} = ?", (uid,))  # noqa: S608 - fixed names


def describe_sharing(state: SharingState) -> str:
    """What deleting the document means for others, for its confirmation (one or more
    sentences): who sent it, how many others hold a copy, and that theirs stay."""
    parts = []
    if state.owner_key is not None:
        owner = state.owner_name or _("a contact")
        parts.append(_("It was shared with you by {name}.").format(name=owner))
    if state.holders:
        parts.append(
            ngettext(
                "{count} other person holds a copy.",
                "{count} other people hold a copy.",
                state.holders,
            ).format(count=state.holders)
        )
    if state.shared:
        parts.append(_("Deleting it here does not delete their copies."))
    else:
        parts.append(_("It is not shared with anyone."))
    return " ".join(parts)

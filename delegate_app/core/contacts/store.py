"""SQL for the identity, contacts and seen envelope ids."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from delegate_app.core.crypto.cards import ContactCard, parse_card
from delegate_app.core.crypto.identity import LocalIdentity
from delegate_app.core.vault import Database


def _now() -> float:
    return datetime.now(UTC).timestamp()


#: Contacts with the envelope format in use with each (1 until a ratchet session, docs/SYNC.md).
_SELECT = (
    "SELECT c.*, coalesce(p.protocol, 1) AS protocol FROM contacts c"
    " LEFT JOIN ratchet_peers p ON p.contact_key = lower(hex(c.identity_key))"
)


class ContactStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # identity
    def load_identity_secret(self) -> str | None:
        row = self.db.query_one("SELECT secret FROM identity WHERE id = 1")
        return None if row is None else str(row["secret"])

    def save_identity(self, identity: LocalIdentity) -> None:
        self.db.execute(
            "INSERT INTO identity (id, secret, created_at) VALUES (1, ?, ?)",
            (identity.to_json(), _now()),
        )

    # contacts
    def rows(self) -> list[Any]:
        return self.db.query(f"{_SELECT} ORDER BY c.name")

    def by_name(self, name: str) -> Any | None:
        return self.db.query_one(f"{_SELECT} WHERE c.name = ?", (name.strip(),))

    def by_identity_key(self, identity_key: bytes) -> Any | None:
        return self.db.query_one(f"{_SELECT} WHERE c.identity_key = ?", (identity_key,))

    def by_id(self, contact_id: int) -> Any | None:
        return self.db.query_one(f"{_SELECT} WHERE c.id = ?", (contact_id,))

    def insert(self, card: ContactCard) -> int:
        now = _now()
        cursor = self.db.execute(
            "INSERT INTO contacts (name, organisation, identity_key, card, added_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (card.name, card.organisation, card.identity.identity_key, card.to_bytes(), now, now),
        )
        return int(cursor.lastrowid)

    def update_card(self, contact_id: int, card: ContactCard) -> None:
        self.db.execute(
            "UPDATE contacts SET organisation = ?, card = ?, updated_at = ? WHERE id = ?",
            (card.organisation, card.to_bytes(), _now(), contact_id),
        )

    def set_pending(self, contact_id: int, card: ContactCard | None) -> None:
        self.db.execute(
            "UPDATE contacts SET pending_card = ?, updated_at = ? WHERE id = ?",
            (None if card is None else card.to_bytes(), _now(), contact_id),
        )

    def replace_key(self, contact_id: int, card: ContactCard) -> None:
        """The contact's key becomes ``card``'s; the old key is remembered as theirs."""
        with self.db.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO contact_previous_keys"
                " (identity_key, contact_id, replaced_at)"
                " SELECT identity_key, id, ? FROM contacts WHERE id = ?",
                (_now(), contact_id),
            )
            db.execute(
                "UPDATE contacts SET identity_key = ?, card = ?, organisation = ?,"
                " pending_card = NULL, verified = 0, updated_at = ? WHERE id = ?",
                (card.identity.identity_key, card.to_bytes(), card.organisation, _now(),
                 contact_id),
            )  # fmt: skip

    def by_previous_key(self, identity_key: bytes) -> Any | None:
        """The contact who held ``identity_key`` before a key change, if any."""
        return self.db.query_one(
            "SELECT c.* FROM contact_previous_keys p JOIN contacts c ON c.id = p.contact_id"
            " WHERE p.identity_key = ?",
            (identity_key,),
        )

    def set_verified(self, contact_id: int, verified: bool) -> None:
        self.db.execute(
            "UPDATE contacts SET verified = ? WHERE id = ?", (int(verified), contact_id)
        )

    @staticmethod
    def card_of(row: Any) -> ContactCard:
        return parse_card(bytes(row["card"]))

    @staticmethod
    def pending_of(row: Any) -> ContactCard | None:
        return None if row["pending_card"] is None else parse_card(bytes(row["pending_card"]))

    # replay protection
    def record_envelope(self, envelope_id: bytes) -> bool:
        """Remember ``envelope_id``; False when it was seen before (a replay or duplicate)."""
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO seen_envelopes (envelope_id, seen_at) VALUES (?, ?)",
            (envelope_id, _now()),
        )
        return bool(cursor.rowcount == 1)

    def envelope_seen(self, envelope_id: bytes) -> bool:
        row = self.db.query_one(
            "SELECT 1 FROM seen_envelopes WHERE envelope_id = ?", (envelope_id,)
        )
        return row is not None

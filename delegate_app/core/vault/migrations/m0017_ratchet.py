"""Ratchet state for envelope format 2 (forward secrecy, docs/SYNC.md "Sessions").

- ``ratchet_account``: the one Olm account of this profile (its pickle and the 32-byte pickle
  key; both only ever inside the vault), and what of it our relay holds.
- ``ratchet_sessions``: pairwise Olm sessions, by the contact's identity key and the session
  key (Curve25519) their side uses; a contact may have several (a pre-key session each way
  until one side answers), newest first by ``seq`` (raised on every use).
- ``claimed_prekeys``: a prekey claimed from a contact's relay (or their card's fallback key),
  used once by the next send to them and deleted in the same transaction.
- ``ratchet_peers``: per contact the envelope format in use (1 or 2) and their session key as
  last seen in a verified envelope or bundle; ``restart`` asks the next send to start a new
  session (an envelope of theirs no session opened).
"""

from delegate_app.core.vault.migrations import Migration

MIGRATION = Migration(
    version=17,
    name="ratchet",
    statements=(
        """
        CREATE TABLE ratchet_account (
            id               INTEGER PRIMARY KEY CHECK (id = 1),
            pickle           TEXT NOT NULL,
            pickle_key       BLOB NOT NULL,
            created_at       REAL NOT NULL,
            published_relay  TEXT,
            published_at     REAL
        )
        """,
        """
        CREATE TABLE ratchet_sessions (
            id             INTEGER PRIMARY KEY,
            contact_key    TEXT NOT NULL,
            session_key    TEXT NOT NULL,
            session_id     TEXT NOT NULL,
            pickle         TEXT NOT NULL,
            created        REAL NOT NULL,
            last_used      REAL NOT NULL,
            last_received  REAL,
            seq            INTEGER NOT NULL,
            UNIQUE (contact_key, session_id)
        )
        """,
        "CREATE INDEX ratchet_sessions_contact ON ratchet_sessions (contact_key, seq)",
        "CREATE INDEX ratchet_sessions_key ON ratchet_sessions (session_key, seq)",
        """
        CREATE TABLE claimed_prekeys (
            contact_key  TEXT PRIMARY KEY,
            session_key  BLOB NOT NULL,
            prekey       BLOB NOT NULL,
            one_time     INTEGER NOT NULL,
            created      INTEGER NOT NULL,
            claimed_at   REAL NOT NULL
        )
        """,
        """
        CREATE TABLE ratchet_peers (
            contact_key  TEXT PRIMARY KEY,
            protocol     INTEGER NOT NULL CHECK (protocol IN (1, 2)),
            session_key  BLOB,
            restart      INTEGER NOT NULL DEFAULT 0,
            updated_at   REAL NOT NULL
        )
        """,
    ),
)

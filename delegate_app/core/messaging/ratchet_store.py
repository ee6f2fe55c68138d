"""The ratchet state in the vault: this profile's account, its sessions, claimed prekeys.

Pickles are only ever written here, inside the encrypted vault, in the caller's transaction:
a session advanced to seal or open an envelope is saved in the same commit as the outbox row
or the message it produced (docs/SYNC.md "Sessions"), so a crash between the two leaves both
as they were. Nothing of this leaves the vault (no log, no error text carries a pickle).
The pickle key is kept in the vault beside the pickles: the vault's encryption is what
protects them at rest; the key only satisfies vodozemac's API.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from delegate_app.core.crypto.identity import LocalIdentity
from delegate_app.core.crypto.ratchet import PICKLE_KEY_BYTES, RatchetAccount, RatchetSession
from delegate_app.core.vault import Database

#: Sessions kept per contact (the newest by use); older ones are deleted when one is added.
MAX_SESSIONS_PER_CONTACT = 4


@dataclass(frozen=True)
class StoredSession:
    """One session with a contact, as loaded (its row id, the session key of their side)."""

    row_id: int
    contact_key: str
    session_key: bytes
    session: RatchetSession


@dataclass(frozen=True)
class ClaimedKey:
    """A prekey of a contact's, to start a session with on the next send (used once)."""

    contact_key: str
    session_key: bytes
    prekey: bytes
    one_time: bool
    created: int


class RatchetStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._key: bytes | None = None

    # -- the account ---------------------------------------------------------------------

    def has_account(self) -> bool:
        return self.db.query_one("SELECT 1 FROM ratchet_account WHERE id = 1") is not None

    def pickle_key(self) -> bytes:
        if self._key is None:
            row = self.db.query_one("SELECT pickle_key FROM ratchet_account WHERE id = 1")
            if row is None:
                raise LookupError("This profile has no ratchet account yet.")
            self._key = bytes(row["pickle_key"])
        return self._key

    def ensure_account(
        self, identity: LocalIdentity, *, now: float | None = None
    ) -> RatchetAccount:
        """The account, created (with a fallback key) on first use: profile creation, or the
        first unlock of a profile made before envelope format 2."""
        with self.db.transaction():
            if not self.has_account():
                account = RatchetAccount.create()
                account.signed_fallback(identity)
                key = secrets.token_bytes(PICKLE_KEY_BYTES)  # the vault is the protection
                self.db.execute(
                    "INSERT INTO ratchet_account (id, pickle, pickle_key, created_at)"
                    " VALUES (1, ?, ?, ?)",
                    (account.pickle(key), key, time.time() if now is None else now),
                )
                self._key = key
                return account
        return self.account()

    def account(self) -> RatchetAccount:
        row = self.db.query_one("SELECT pickle, pickle_key FROM ratchet_account WHERE id = 1")
        if row is None:
            raise LookupError("This profile has no ratchet account yet.")
        self._key = bytes(row["pickle_key"])
        return RatchetAccount.from_pickle(str(row["pickle"]), self._key)

    def save_account(self, account: RatchetAccount) -> None:
        self.db.execute(
            "UPDATE ratchet_account SET pickle = ? WHERE id = 1",
            (account.pickle(self.pickle_key()),),
        )

    def published_relay(self) -> str | None:
        row = self.db.query_one("SELECT published_relay FROM ratchet_account WHERE id = 1")
        return None if row is None or row["published_relay"] is None else str(row[0])

    def set_published(self, relay_url: str | None, *, now: float | None = None) -> None:
        self.db.execute(
            "UPDATE ratchet_account SET published_relay = ?, published_at = ? WHERE id = 1",
            (relay_url, None if relay_url is None else (time.time() if now is None else now)),
        )

    # -- sessions ------------------------------------------------------------------------

    def sessions(self, contact_key: str, session_key: bytes | None = None) -> list[StoredSession]:
        """A contact's sessions, most recently used first (only those of ``session_key``)."""
        sql = "SELECT * FROM ratchet_sessions WHERE contact_key = ?"
        params: list[object] = [contact_key]
        if session_key is not None:
            sql += " AND session_key = ?"
            params.append(session_key.hex())
        sql += " ORDER BY seq DESC"
        key = self.pickle_key()
        return [
            StoredSession(
                int(r["id"]),
                contact_key,
                bytes.fromhex(str(r["session_key"])),
                RatchetSession.from_pickle(str(r["pickle"]), key),
            )
            for r in self.db.query(sql, params)
        ]

    def has_session(self, contact_key: str) -> bool:
        row = self.db.query_one(
            "SELECT 1 FROM ratchet_sessions WHERE contact_key = ? LIMIT 1", (contact_key,)
        )
        return row is not None

    def save_session(
        self,
        contact_key: str,
        session_key: bytes,
        session: RatchetSession,
        *,
        received: bool = False,
        now: float | None = None,
    ) -> None:
        """Insert or update one session (by its id) and mark it the contact's newest."""
        now = time.time() if now is None else now
        pickle = session.pickle(self.pickle_key())
        self.db.execute(
            "INSERT INTO ratchet_sessions (contact_key, session_key, session_id, pickle, created,"
            " last_used, last_received, seq) VALUES (?, ?, ?, ?, ?, ?, ?,"
            " (SELECT coalesce(max(seq), 0) + 1 FROM ratchet_sessions))"
            " ON CONFLICT (contact_key, session_id) DO UPDATE SET pickle = excluded.pickle,"
            " last_used = excluded.last_used, seq = excluded.seq,"
            " last_received = coalesce(excluded.last_received, last_received)",
            (
                contact_key,
                session_key.hex(),
                session.session_id,
                pickle,
                now,
                now,
                now if received else None,
            ),
        )
        self.db.execute(
            "DELETE FROM ratchet_sessions WHERE contact_key = ? AND id NOT IN (SELECT id FROM"
            " ratchet_sessions WHERE contact_key = ? ORDER BY seq DESC LIMIT ?)",
            (contact_key, contact_key, MAX_SESSIONS_PER_CONTACT),
        )

    def sessions_by_key(self, session_key: bytes) -> list[StoredSession]:
        """Every stored session whose other side uses ``session_key``, most recent first."""
        key = self.pickle_key()
        return [
            StoredSession(
                int(r["id"]),
                str(r["contact_key"]),
                session_key,
                RatchetSession.from_pickle(str(r["pickle"]), key),
            )
            for r in self.db.query(
                "SELECT * FROM ratchet_sessions WHERE session_key = ? ORDER BY seq DESC",
                (session_key.hex(),),
            )
        ]

    def contacts_of_session_key(self, session_key: bytes) -> list[str]:
        """Contacts known to use ``session_key`` (from sessions or verified envelopes)."""
        rows = self.db.query(
            "SELECT contact_key FROM ratchet_sessions WHERE session_key = ?"
            " UNION SELECT contact_key FROM ratchet_peers WHERE session_key = ?",
            (session_key.hex(), session_key),
        )
        return sorted(str(r[0]) for r in rows)

    def discard_sessions(self, contact_key: str) -> int:
        """Forget every session with a contact (and a claimed key): the next send starts anew."""
        with self.db.transaction() as db:
            cursor = db.execute(
                "DELETE FROM ratchet_sessions WHERE contact_key = ?", (contact_key,)
            )
            db.execute("DELETE FROM claimed_prekeys WHERE contact_key = ?", (contact_key,))
        return int(cursor.rowcount)

    def session_count(self) -> int:
        row = self.db.query_one("SELECT count(*) FROM ratchet_sessions")
        return int(row[0]) if row else 0

    # -- claimed prekeys -----------------------------------------------------------------

    def claimed(self, contact_key: str) -> ClaimedKey | None:
        row = self.db.query_one(
            "SELECT * FROM claimed_prekeys WHERE contact_key = ?", (contact_key,)
        )
        if row is None:
            return None
        return ClaimedKey(
            contact_key,
            bytes(row["session_key"]),
            bytes(row["prekey"]),
            bool(row["one_time"]),
            int(row["created"]),
        )

    def store_claimed(self, claimed: ClaimedKey, *, now: float | None = None) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO claimed_prekeys (contact_key, session_key, prekey, one_time,"
            " created, claimed_at) VALUES (?, ?, ?, ?, ?, ?)",
            (
                claimed.contact_key,
                claimed.session_key,
                claimed.prekey,
                int(claimed.one_time),
                claimed.created,
                time.time() if now is None else now,
            ),
        )

    def drop_claimed(self, contact_key: str) -> None:
        self.db.execute("DELETE FROM claimed_prekeys WHERE contact_key = ?", (contact_key,))

    # -- per contact: the format in use ----------------------------------------------------

    def request_restart(self, contact_key: str, *, now: float | None = None) -> None:
        """The next send to this contact starts a new session (their last envelope opened with
        none of ours); the sessions stay, so a forged envelope cannot break a working one."""
        self.db.execute(
            "INSERT INTO ratchet_peers (contact_key, protocol, restart, updated_at)"
            " VALUES (?, 2, 1, ?) ON CONFLICT (contact_key) DO UPDATE SET restart = 1",
            (contact_key, time.time() if now is None else now),
        )

    def restart_done(self, contact_key: str) -> None:
        self.db.execute(
            "UPDATE ratchet_peers SET restart = 0 WHERE contact_key = ?", (contact_key,)
        )

    def restart_wanted(self, contact_key: str) -> bool:
        row = self.db.query_one(
            "SELECT restart FROM ratchet_peers WHERE contact_key = ?", (contact_key,)
        )
        return bool(row and row["restart"])

    def protocol(self, contact_key: str) -> int:
        row = self.db.query_one(
            "SELECT protocol FROM ratchet_peers WHERE contact_key = ?", (contact_key,)
        )
        return 1 if row is None else int(row["protocol"])

    def protocols(self) -> dict[str, int]:
        return {
            str(r["contact_key"]): int(r["protocol"])
            for r in self.db.query("SELECT contact_key, protocol FROM ratchet_peers")
        }

    def peer_session_key(self, contact_key: str) -> bytes | None:
        row = self.db.query_one(
            "SELECT session_key FROM ratchet_peers WHERE contact_key = ?", (contact_key,)
        )
        return None if row is None or row["session_key"] is None else bytes(row["session_key"])

    def set_peer(
        self,
        contact_key: str,
        protocol: int,
        session_key: bytes | None,
        *,
        now: float | None = None,
    ) -> None:
        self.db.execute(
            "INSERT INTO ratchet_peers (contact_key, protocol, session_key, updated_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (contact_key) DO UPDATE SET"
            " protocol = excluded.protocol,"
            " session_key = coalesce(excluded.session_key, session_key),"
            " updated_at = excluded.updated_at",
            (contact_key, protocol, session_key, time.time() if now is None else now),
        )

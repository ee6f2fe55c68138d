"""Which session seals to whom, and which session opens what (envelope format 2).

Sending (:meth:`Sessions.plan`): per recipient, the newest stored session; else a session
started from a claimed prekey (deleted in the commit that uses it); else one started from
the fallback key in their version-3 card; else format 1. Receiving (:meth:`Sessions.open`):
the slot names the sender's session key; a pre-key message opens with the session it
matches or a new inbound one (which uses up our one-time key), a normal message with the
first stored session of that key that decrypts. Nothing is written here until the caller
runs :meth:`Outbound.commit` / :meth:`Opening.commit` in the transaction that also stores the
envelope or the message (docs/SYNC.md "Sessions").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from delegate_app.core.crypto.envelope import OpenedEnvelope
from delegate_app.core.crypto.envelope_v2 import V2Recipient, finish_open_v2, open_slot_v2
from delegate_app.core.crypto.errors import RatchetDecryptError
from delegate_app.core.crypto.identity import LocalIdentity
from delegate_app.core.crypto.ratchet import (
    OLM_PRE_KEY,
    RatchetAccount,
    RatchetSession,
    SessionBinding,
)
from delegate_app.core.errors import CryptoError
from delegate_app.core.messaging.directory import Correspondent
from delegate_app.core.messaging.ratchet_store import RatchetStore
from delegate_app.core.vault import Database


class SessionLostError(CryptoError):
    """No session of ours opens this envelope (lost or restored state, or a forgery).

    ``contacts``: the identity keys (hex) known to use the slot's session key.
    """

    def __init__(self, message: str, contacts: Sequence[str]) -> None:
        super().__init__(message)
        self.contacts = tuple(contacts)


class SessionMismatchError(CryptoError):
    """An envelope opened with one contact's session but is signed by someone else."""


@dataclass
class Outbound:
    """The recipients split by format, with the sessions that will seal the v2 envelope."""

    v2: list[tuple[Correspondent, RatchetSession, bytes]] = field(default_factory=list)
    v1: list[Correspondent] = field(default_factory=list)
    used_claims: list[str] = field(default_factory=list)
    restarted: list[str] = field(default_factory=list)

    @property
    def v2_recipients(self) -> list[V2Recipient]:
        return [V2Recipient(c.identity, session) for c, session, _key in self.v2]

    def commit(self, store: RatchetStore, now: float | None = None) -> None:
        """Save the advanced sessions (after sealing), in the caller's transaction."""
        for correspondent, session, their_key in self.v2:
            store.save_session(correspondent.key, their_key, session, now=now)
            store.set_peer(correspondent.key, 2, their_key, now=now)
        for key in self.used_claims:
            store.drop_claimed(key)
        for key in self.restarted:
            store.restart_done(key)


@dataclass
class Opening:
    """An opened v2 envelope and the state its opening changed (saved by :meth:`commit`)."""

    opened: OpenedEnvelope
    session: RatchetSession
    session_key: bytes
    account: RatchetAccount | None  # set when a new inbound session used up a one-time key

    @property
    def sender_key(self) -> str:
        return self.opened.sender.identity_key.hex()

    def commit(self, store: RatchetStore, now: float | None = None) -> None:
        store.save_session(self.sender_key, self.session_key, self.session, received=True, now=now)
        if self.account is not None:
            store.save_account(self.account)
        store.set_peer(self.sender_key, 2, self.session_key, now=now)


class Sessions:
    """The session side of sending and receiving, over one vault connection."""

    def __init__(
        self, db: Database, identity: LocalIdentity, cache: dict[str, object] | None = None
    ) -> None:
        self.store = RatchetStore(db)
        self.identity = identity
        self._cache: dict[str, object] = {} if cache is None else cache

    @property
    def enabled(self) -> bool:
        return self.store.has_account()

    def binding(self) -> SessionBinding:
        """Our session key and its signature by our identity key (cached by the caller)."""
        binding = self._cache.get("binding")
        if not isinstance(binding, SessionBinding):
            binding = self.store.account().binding(self.identity)
            self._cache["binding"] = binding
        return binding

    # -- sending -------------------------------------------------------------------------

    @staticmethod
    def all_v1(recipients: Sequence[Correspondent]) -> Outbound:
        """Everyone in format 1 (nothing of the sessions is used or saved)."""
        return Outbound(v1=list(recipients))

    def plan(self, recipients: Sequence[Correspondent]) -> Outbound:
        out = Outbound()
        if not self.enabled:
            out.v1.extend(recipients)
            return out
        account: RatchetAccount | None = None
        for correspondent in recipients:
            key = correspondent.key
            restart = self.store.restart_wanted(key)
            stored = self.store.sessions(key)
            if stored and not restart:
                out.v2.append((correspondent, stored[0].session, stored[0].session_key))
                continue
            start = self._prekey_for(correspondent)
            if start is None:
                if stored:  # nothing to start a new one with: the old one is still better
                    out.v2.append((correspondent, stored[0].session, stored[0].session_key))
                else:
                    out.v1.append(correspondent)
                continue
            their_key, prekey, claimed = start
            if account is None:
                account = self.store.account()
            out.v2.append((correspondent, account.outbound(their_key, prekey), their_key))
            if claimed:
                out.used_claims.append(key)
            if restart:
                out.restarted.append(key)
        return out

    def _prekey_for(self, correspondent: Correspondent) -> tuple[bytes, bytes, bool] | None:
        """(their session key, a prekey, whether it was claimed) to start a session with."""
        claimed = self.store.claimed(correspondent.key)
        if claimed is not None:
            return claimed.session_key, claimed.prekey, True
        if correspondent.session_key is not None and correspondent.fallback_key is not None:
            return correspondent.session_key, correspondent.fallback_key, False
        return None

    # -- receiving -----------------------------------------------------------------------

    def open(self, data: bytes) -> Opening:
        """Open a v2 envelope (nothing stored). Raises CryptoError subclasses; SessionLostError
        when it is well-formed for us but no session of ours opens it."""
        slot = open_slot_v2(self.identity, data)
        candidates = self.store.sessions_by_key(slot.session_key) if self.enabled else []
        account: RatchetAccount | None = None
        chosen: RatchetSession | None = None
        owner: str | None = None
        plaintext = b""
        for stored in candidates:
            if slot.olm_type == OLM_PRE_KEY and not stored.session.matches(slot.ciphertext):
                continue
            try:
                plaintext = stored.session.decrypt(slot.olm_type, slot.ciphertext)
            except RatchetDecryptError:
                continue
            chosen, owner = stored.session, stored.contact_key
            break
        if chosen is None and slot.olm_type == OLM_PRE_KEY and self.enabled:
            account = self.store.account()
            try:
                chosen, plaintext = account.inbound(slot.session_key, slot.ciphertext)
            except CryptoError:
                chosen = None
        if chosen is None:
            raise SessionLostError(
                "No session opens this envelope.",
                self.store.contacts_of_session_key(slot.session_key),
            )
        opened = finish_open_v2(self.identity, data, slot, plaintext)
        if owner is not None and owner != opened.sender.identity_key.hex():
            raise SessionMismatchError("The envelope's sender does not own the session it used.")
        return Opening(opened, chosen, slot.session_key, account)

"""Test parties that send and receive v2 envelopes with real Olm sessions, the way a client does:
the caller owns session lookup (pre-key message: a matching session, else a new inbound one;
normal message: each session of that session key, newest first)."""

from __future__ import annotations

from dataclasses import dataclass, field

from delegate_app.core.crypto.envelope import OpenedEnvelope
from delegate_app.core.crypto.envelope_v2 import (
    SlotV2,
    V2Recipient,
    finish_open_v2,
    open_slot_v2,
    seal_v2,
)
from delegate_app.core.crypto.errors import RatchetDecryptError
from delegate_app.core.crypto.identity import LocalIdentity
from delegate_app.core.crypto.ratchet import RatchetAccount, RatchetSession

PICKLE_KEY = bytes(range(32))
NOW = 1_800_000_000


@dataclass
class Party:
    identity: LocalIdentity = field(default_factory=LocalIdentity.generate)
    account: RatchetAccount = field(default_factory=RatchetAccount.create)
    #: Sessions by the peer's session key, newest last.
    sessions: dict[bytes, list[RatchetSession]] = field(default_factory=dict)

    def start_session(self, peer: Party) -> None:
        """An outbound session from a one-time key the peer published (as a claim gives)."""
        prekey = peer.account.new_one_time_keys(peer.identity, 1)[0]
        peer.account.mark_published()
        session = self.account.outbound(peer.account.session_key, prekey.key)
        self.sessions.setdefault(peer.account.session_key, []).append(session)

    def session_with(self, peer: Party) -> RatchetSession:
        if peer.account.session_key not in self.sessions:
            self.start_session(peer)
        return self.sessions[peer.account.session_key][-1]

    def send(self, peers: list[Party], body: bytes) -> bytes:
        recipients = [V2Recipient(p.identity.public(), self.session_with(p)) for p in peers]
        binding = self.account.binding(self.identity)
        return seal_v2(self.identity, binding, recipients, "message/v1", body, timestamp=NOW).data

    def receive(self, data: bytes) -> OpenedEnvelope:
        slot = open_slot_v2(self.identity, data)
        return finish_open_v2(self.identity, data, slot, self.decrypt(slot))

    def decrypt(self, slot: SlotV2) -> bytes:
        known = self.sessions.get(slot.session_key, [])
        if slot.is_pre_key:
            for session in known:
                if session.matches(slot.ciphertext):
                    return session.decrypt(slot.olm_type, slot.ciphertext)
            session, plaintext = self.account.inbound(slot.session_key, slot.ciphertext)
            self.sessions.setdefault(slot.session_key, []).append(session)
            return plaintext
        for session in reversed(known):
            try:
                return session.decrypt(slot.olm_type, slot.ciphertext)
            except RatchetDecryptError:
                continue
        raise RatchetDecryptError("no session opens this message")

    def seized(self) -> Party:
        """What a seizure of the vault now gives: the identity and every pickle, copied."""
        copy = Party(
            identity=LocalIdentity.from_json(self.identity.to_json()),
            account=RatchetAccount.from_pickle(self.account.pickle(PICKLE_KEY), PICKLE_KEY),
        )
        for key, sessions in self.sessions.items():
            copy.sessions[key] = [
                RatchetSession.from_pickle(s.pickle(PICKLE_KEY), PICKLE_KEY) for s in sessions
            ]
        return copy

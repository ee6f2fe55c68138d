"""Helpers for envelope-format-2 tests: hand a peer's one-time key over, read the state."""

from __future__ import annotations

from delegate_app.core.crypto.envelope import envelope_version
from delegate_app.core.messaging.outbox import Outbox
from delegate_app.core.messaging.ratchet_store import ClaimedKey, RatchetStore
from tests.sync.profiles import Peer


def hand_claim(claimer: Peer, owner: Peer, *, one_time: bool = True) -> None:
    """``claimer`` gets one prekey of ``owner``'s account, as a relay claim would give it."""
    with owner.unlocked() as room, room.db.transaction():
        store = RatchetStore(room.db)
        account = store.account()
        if one_time:
            (signed,) = account.new_one_time_keys(room.identity, 1)
            account.mark_published()
            store.save_account(account)
        else:
            signed = account.signed_fallback(room.identity)
        session_key, owner_key = account.session_key, room.sender.key
    with claimer.unlocked() as room, room.db.transaction():
        RatchetStore(room.db).store_claimed(
            ClaimedKey(owner_key, session_key, signed.key, one_time, 1_700_000_000)
        )


def outbox_versions(peer: Peer) -> dict[str, int]:
    """The envelope format of each pending delivery, by recipient identity key."""
    with peer.unlocked() as room:
        return {d.identity_key: envelope_version(d.data) for d in Outbox(room.db).pending()}

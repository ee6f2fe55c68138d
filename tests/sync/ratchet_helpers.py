"""Helpers for envelope-format-2 tests: hand a peer's one-time key over, read the state."""

from __future__ import annotations

from delegate_app.core.contacts.book import deposit_token
from delegate_app.core.contacts.store import ContactStore
from delegate_app.core.crypto.cards import make_card
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


def as_format_1_contact(holder: Peer, owner: Peer) -> None:
    """``holder`` keeps a version 2 card of ``owner`` (a client from before format 2)."""
    with owner.unlocked() as room:
        card = make_card(
            room.identity,
            name=owner.name,
            organisation=room.db.get_setting("profile.organisation") or "",
            relay_url=room.relay_url or "",
            created=2_000_000_000,
            deposit_token=deposit_token(room.db),
        )
    with holder.unlocked() as room:
        current = room.contacts.get(owner.name)
        ContactStore(room.db).update_card(current.id, card)

"""What a group member can do by hand that the client never would: post to part of a group."""

from __future__ import annotations

import secrets

from delegate_app.core.crypto.envelope import seal
from delegate_app.core.crypto.identity import PublicIdentity
from delegate_app.core.messaging.outbox import Outbox
from delegate_app.core.messaging.payloads import (
    MESSAGE_TYPE,
    ConversationRef,
    MessagePayload,
    QuoteRef,
)
from tests.sync.profiles import Peer, sync_peer


def identity_of(peer: Peer) -> PublicIdentity:
    with peer.unlocked() as room:
        return room.identity.public()


def post_as(
    sender: Peer, group_uid: str, to: list[PublicIdentity], text: str, title: str = "Delegation"
) -> None:
    """``sender`` seals a group message for exactly ``to`` and deposits it to the contacts."""
    with sender.unlocked() as room:
        keys = [identity.identity_key.hex() for identity in to]
        payload = MessagePayload(
            conversation=ConversationRef(
                uid=group_uid, kind="group", title=title,
                members=tuple(sorted({*keys, room.sender.key})),
            ),
            message_uid=secrets.token_hex(16),
            text=text,
            expiry_days=None,
        )  # fmt: skip
        sealed = seal(room.identity, to, MESSAGE_TYPE, payload.to_bytes())
        contacts = [c for c in (room.directory.by_key(k) for k in keys) if c is not None]
        with room.db.transaction() as db:
            Outbox(db).enqueue(
                envelope_id=sealed.id_hex, data=sealed.data, kind="message", priority=0,
                targets=[room.sender.target(c) for c in contacts],
            )  # fmt: skip
    sync_peer(sender)


def direct_as(
    sender: Peer, uid: str, to: Peer, text: str, *, quote: QuoteRef | None = None
) -> None:
    """``sender`` seals a direct message to ``to`` whose conversation uid (and quote, if any)
    it chose itself."""
    recipient = identity_of(to)
    with sender.unlocked() as room:
        payload = MessagePayload(
            conversation=ConversationRef(
                uid=uid, kind="direct", title=None,
                members=tuple(sorted({recipient.identity_key.hex(), room.sender.key})),
            ),
            message_uid=secrets.token_hex(16),
            text=text,
            expiry_days=None,
            quote=quote,
        )  # fmt: skip
        sealed = seal(room.identity, [recipient], MESSAGE_TYPE, payload.to_bytes())
        contact = room.directory.by_key(recipient.identity_key.hex())
        assert contact is not None
        with room.db.transaction() as db:
            Outbox(db).enqueue(
                envelope_id=sealed.id_hex, data=sealed.data, kind="message", priority=0,
                targets=[room.sender.target(contact)],
            )  # fmt: skip
    sync_peer(sender)

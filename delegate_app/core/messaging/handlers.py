"""Inbound handlers for messages, receipts and group updates (inside the receive transaction)."""

from __future__ import annotations

from delegate_app.core.messaging.errors import ConversationNotFoundError, PayloadError
from delegate_app.core.messaging.membership import (
    MembershipStore,
    check_audience,
    group_update_handler,
)
from delegate_app.core.messaging.models import Conversation, ConversationKind, MessageState
from delegate_app.core.messaging.payloads import (
    GROUP_UPDATE_TYPE,
    MESSAGE_TYPE,
    RECEIPT_TYPE,
    MessagePayload,
    ReceiptPayload,
)
from delegate_app.core.messaging.receiver import Handler, Inbound
from delegate_app.core.messaging.service import DAY, effective_expiry_days
from delegate_app.core.messaging.store import MessageStore
from delegate_app.core.policy import Policy
from delegate_app.core.vault import Database


def message_handlers(own_key: str, policy: Policy) -> dict[str, Handler]:
    """Handlers for messages, receipts and group updates for the profile ``own_key``."""

    direct_ids: dict[str, int] = {}  # sender key -> direct conversation id (a lookup saved)

    def direct_conversation(store: MessageStore, key: str) -> Conversation | None:
        known = direct_ids.get(key)
        if known is not None:
            try:
                cached = store.conversation(known)
            except ConversationNotFoundError:
                cached = None
            # Row ids can be reused after a rollback: trust the cache only if it still fits.
            if (
                cached is not None
                and cached.kind is ConversationKind.DIRECT
                and cached.members == (key,)
            ):
                return cached
            direct_ids.pop(key, None)
        found = store.direct_with(key)
        if found is not None:
            direct_ids[key] = found.id
        return found

    def on_message(db: Database, inbound: Inbound) -> None:
        payload = MessagePayload.from_bytes(inbound.body)
        ref = payload.conversation
        members = set(ref.members)
        # The signed recipient list is the truth; the payload's member list must agree with it,
        # so nobody can slip a stranger into a group by naming them in the payload only.
        if members != {*inbound.recipients, inbound.sender.key} or own_key not in members:
            raise PayloadError("The conversation members do not match the envelope.")
        others = members - {own_key}
        store = MessageStore(db)
        kind = ConversationKind(ref.kind)
        if kind is ConversationKind.DIRECT:
            if others != {inbound.sender.key}:
                raise PayloadError("A direct message must be between two people.")
            conversation = direct_conversation(store, inbound.sender.key)
        else:
            conversation = store.conversation_by_uid(ref.uid)
            if conversation is not None and conversation.kind is not ConversationKind.GROUP:
                raise PayloadError("The conversation kind does not match.")
        if conversation is None:
            conversation = store.create_conversation(
                kind=kind,
                members=others,
                title=ref.title if kind is ConversationKind.GROUP else None,
                # A direct conversation is found by the sender's key, never by a uid the sender
                # chose: it gets a local random uid, so no payload can pre-claim a group's uid.
                uid=ref.uid if kind is ConversationKind.GROUP else None,
                expiry_days=payload.expiry_days,
                now=inbound.received_at,
            )
            warning = None
        else:
            if inbound.sender.key not in conversation.members:
                raise PayloadError("The sender is not a member of this conversation.")
            # A member's message never changes who is in the group (only the creator's signed
            # updates do): recipients that differ from the membership we know are flagged.
            warning = (
                check_audience(
                    {*conversation.members, *(() if conversation.self_removed else (own_key,))},
                    members,
                    inbound.sender.key,
                )
                if kind is ConversationKind.GROUP
                else None
            )
            if conversation.expiry_days != payload.expiry_days:
                store.set_expiry(conversation.id, payload.expiry_days)
        sent_at = inbound.sent_at
        days = effective_expiry_days(payload.expiry_days, policy)
        inserted = store.insert_incoming(
            conversation_id=conversation.id,
            uid=payload.message_uid,
            sender_key=inbound.sender.key,
            body=payload.text,
            sent_at=sent_at,
            received_at=inbound.received_at,
            expires_at=None if days is None else sent_at + days * DAY,
            quote=None
            if payload.quote is None
            else (payload.quote.message_uid, payload.quote.excerpt),
        )
        if inserted is not None and warning is not None:
            MembershipStore(db).record_warning(inserted, warning)
        if inserted is not None:
            db.execute(
                "INSERT OR IGNORE INTO receipts_owed (sender_key, kind, message_uid)"
                " VALUES (?, 'delivered', ?)",
                (inbound.sender.key, payload.message_uid),
            )

    def on_receipt(db: Database, inbound: Inbound) -> None:
        payload = ReceiptPayload.from_bytes(inbound.body)
        state = MessageState.READ if payload.kind == "read" else MessageState.DELIVERED
        # Only moves the state of the receipt's signer, and only on our outgoing messages.
        MessageStore(db).advance_recipients(
            [(uid, inbound.sender.key) for uid in payload.message_uids],
            state,
            inbound.received_at,
        )

    return {
        MESSAGE_TYPE: on_message,
        RECEIPT_TYPE: on_receipt,
        GROUP_UPDATE_TYPE: group_update_handler(own_key),
    }

"""Who a shared document goes to: decided by its owner, never by whoever sent the last version.

The *owner* of a document is the identity that first shared it with us (``origin_key`` of its
provenance), or this profile for a document we wrote. Only a version signed by the owner may
add holders; the holders a version from anyone else names are not recorded (the version's body
is still handled as any other), and an attempt to add someone is kept as a notice for the user.
No version removes a holder: the protocol has no removal, so a list that leaves someone out
changes nothing. Comments go to the holders recorded under this rule and nobody else.
"""

from __future__ import annotations

from delegate_app.core.messaging.receiver import Inbound
from delegate_app.core.sharing.payloads import DocumentPayload
from delegate_app.core.sharing.store import SharingStore


def owner_of(store: SharingStore, document_uid: str) -> str | None:
    """The owner's identity key (hex), or None for our own document (or one we do not hold)."""
    provenance = store.provenance(document_uid)
    return None if provenance is None else provenance.origin_key


def apply_audience(
    store: SharingStore, own_key: str, inbound: Inbound, payload: DocumentPayload
) -> bool:
    """Record the holders ``payload`` names if its sender decides them; returns whether it did.

    Must run before the version itself is stored: for a document we do not hold yet the
    sender becomes its owner.
    """
    uid = payload.uid
    sender = inbound.sender.key
    claimed = set(payload.holders) - {own_key}
    held = store.document_id(uid) is not None or store.provenance(uid) is not None
    if not held or owner_of(store, uid) == sender:
        store.add_holders(uid, claimed)
        return True
    added = claimed - set(store.holders(uid))
    if added:
        store.add_audience_notice(
            document_uid=uid,
            sender_key=sender,
            revision=payload.revision,
            added_keys=added,
            received_at=inbound.received_at,
        )
    return False

"""Which attachment downloads we accept: trusted relays only, declared sizes within policy.

A blob descriptor is written by the contact who shared the document, so every field of it is
hostile. Before a byte is fetched:

- its ``relay`` must have the origin (scheme, host, port) of a relay we already trust for that
  contact: their card's relay, our own relay, or the policy's relay. The download then goes to
  *our* copy of that URL (the blob path is built from the blob id, RELAY.md); the descriptor's
  path and query are never used, and a descriptor naming any other relay is never fetched;
- ``plain_size`` must be at most the policy's ``max_import_mb`` and ``size`` exactly the
  ciphertext size of ``plain_size`` in the descriptor's chunk format (so the download is bounded
  before it starts).

A refused attachment keeps its document: the transfer is recorded as failed with the reason,
which :mod:`attachment_status` hands to the GUI and ``delegatectl shared``.
"""

from __future__ import annotations

import json

from delegate_app.core.messaging.directory import Correspondent, Directory
from delegate_app.core.messaging.models import Priority
from delegate_app.core.messaging.transfers import BlobTransfer, TransferStore
from delegate_app.core.policy import Policy
from delegate_app.core.relay_urls import origin, trusted_match
from delegate_app.core.sharing.payloads import BlobDescriptor
from delegate_app.core.sharing.service import SharingError
from delegate_app.core.sharing.store import SharingStore
from delegate_app.core.vault import Database
from delegate_app.i18n import _

MIB = 1024 * 1024


class AttachmentRefusedError(SharingError):
    """An attachment descriptor we will not fetch (untrusted relay, size beyond policy)."""


def size_limit(policy: Policy) -> int:
    """The largest attachment (plaintext bytes) we download: the policy's ``max_import_mb``."""
    return int(policy.value("max_import_mb")) * MIB


def trusted_relays(
    sender: Correspondent | None, own_relay: str | None, policy: Policy
) -> tuple[str, ...]:
    """The relays a blob from ``sender`` may come from, in order of preference."""
    candidates = (
        None if sender is None else sender.relay_url,
        own_relay,
        policy.value("relay_url"),
    )
    return tuple(url for url in candidates if url)


def review(descriptor: BlobDescriptor, trusted: tuple[str, ...], policy: Policy) -> str:
    """The relay URL to download ``descriptor`` from; raises AttachmentRefusedError."""
    limit = size_limit(policy)
    if descriptor.plain_size > limit:
        raise AttachmentRefusedError(
            _(
                "The attachment declares {size} MB, more than the {limit} MB the policy allows;"
                " it was not downloaded."
            ).format(size=-(-descriptor.plain_size // MIB), limit=limit // MIB)
        )
    if descriptor.size != descriptor.expected_size:
        raise AttachmentRefusedError(
            _("The attachment's declared sizes do not agree; it was not downloaded.")
        )
    url = trusted_match(descriptor.relay_url, trusted)
    if url is None:
        named = origin(descriptor.relay_url)
        raise AttachmentRefusedError(
            _(
                "The attachment is on a relay you do not use with this contact ({relay});"
                " it was not downloaded."
            ).format(relay=str(named) if named is not None else "?")
        )
    return url


def queue_download(
    db: Database,
    descriptor: BlobDescriptor,
    *,
    sender: Correspondent,
    own_relay: str | None,
    policy: Policy,
    ref: str,
) -> None:
    """Queue the download of an incoming attachment, or record it as refused (never fetched)."""
    try:
        url, refusal = review(descriptor, trusted_relays(sender, own_relay, policy), policy), None
    except AttachmentRefusedError as exc:
        url, refusal = "", str(exc)
    TransferStore(db).create_download(
        blob_id=descriptor.blob_id,
        relay_url=url,
        total=descriptor.size,
        priority=Priority.ATTACHMENT,
        ref=ref,
        descriptor=json.dumps(descriptor.to_dict()),
        sender_key=sender.key,
        refusal=refusal,
    )


def download_source(
    db: Database,
    transfer: BlobTransfer,
    *,
    directory: Directory,
    own_relay: str | None,
    policy: Policy,
) -> str:
    """Check a queued download again before fetching it; the relay URL to fetch from.

    The rules are those of :func:`review` with today's contacts and policy, so downloads queued
    before them (or before a contact's card or the policy changed) are held to them too.
    Raises AttachmentRefusedError.
    """
    descriptor = BlobDescriptor.from_dict(json.loads(transfer.descriptor))
    key = transfer.sender_key
    if key is None:  # queued before the sender was recorded: the contact it came from
        provenance = SharingStore(db).provenance(transfer.ref)
        key = None if provenance is None else provenance.shared_by
    sender = None if key is None else directory.by_key(key)
    return review(descriptor, trusted_relays(sender, own_relay, policy), policy)

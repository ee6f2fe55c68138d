"""The state of a document's incoming attachment, as the reader and ``delegatectl`` show it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum

from delegate_app.core.messaging.transfers import BlobTransfer, TransferDirection


class AttachmentState(StrEnum):
    DOWNLOADING = "downloading"  # queued or in progress
    WAITING = "waiting"  # the last attempt failed; retried later
    RECEIVED = "received"
    REFUSED = "refused"  # never fetched, or dropped (untrusted relay, size, tampering)


@dataclass(frozen=True)
class AttachmentStatus:
    filename: str
    size: int  # plaintext bytes, as declared
    state: AttachmentState
    done: int  # ciphertext bytes held
    total: int
    reason: str | None  # why it is refused or waiting
    retry_at: float | None  # WAITING: not tried again before (epoch seconds)


def attachment_status(transfers: list[BlobTransfer]) -> AttachmentStatus | None:
    """The state of a document's incoming attachment, from its transfers (None: there is none)."""
    downloads = [t for t in transfers if t.direction is TransferDirection.DOWN]
    if not downloads:
        return None
    transfer = downloads[-1]
    data = json.loads(transfer.descriptor)
    if transfer.state == "complete":
        state = AttachmentState.RECEIVED
    elif transfer.state == "failed":
        state = AttachmentState.REFUSED
    elif transfer.attempts > 0:
        state = AttachmentState.WAITING
    else:
        state = AttachmentState.DOWNLOADING
    return AttachmentStatus(
        filename=str(data.get("filename", "")),
        size=int(data.get("plain_size", 0)),
        state=state,
        done=transfer.done,
        total=transfer.total,
        reason=None if state is AttachmentState.RECEIVED else transfer.last_error,
        retry_at=transfer.retry_at if state is AttachmentState.WAITING else None,
    )

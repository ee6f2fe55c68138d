"""Typed errors of the relay client. Each message is fit to show a user."""

from __future__ import annotations

from delegate_app.core.errors import DelegateError


class RelayError(DelegateError):
    """Base class: talking to the relay failed."""


class RelayUnreachableError(RelayError):
    """No answer from the relay (no route, refused, timed out, connection cut)."""


class RelayRefusedError(RelayError):
    """This client will not contact the relay at all: plain ``http://`` to another computer
    without the policy's ``allow_plain_http_relays``, or no valid http(s) address. Raised
    before any connection is attempted."""


class CaFileError(RelayRefusedError):
    """The policy's ``relay_ca_file`` cannot be read or holds no certificate: no https
    relay is contacted rather than one verified against fewer authorities than IT chose."""


class RelayRateLimitedError(RelayError):
    """The relay asked us to slow down (429); wait ``retry_after`` seconds."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RelayPayloadTooLargeError(RelayError):
    """The request (a batch or one envelope) exceeds the relay's size limit (413)."""


class RelayQuotaError(RelayError):
    """The recipient's mailbox on the relay is full (507)."""


class RelayDepositRefusedError(RelayError):
    """The relay refused a deposit or blob part for want of a valid deposit token (403):
    our copy of the recipient's card is older than the token their relay now asks for."""


class RelayAuthError(RelayError):
    """The relay refused our signed request (401): clock skew or a wrong mailbox key."""


class RelayProtocolError(RelayError):
    """The relay answered something this client does not understand, or a server error."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class PrekeysUnavailableError(RelayError):
    """The relay holds no prekeys for this mailbox (404: never published, or wiped), or it
    predates the prekey endpoints (404/405 for the route)."""


class BlobOffsetError(RelayError):
    """The relay holds a different number of bytes of this blob than we assumed (409)."""

    def __init__(self, message: str, *, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


class BlobNotReadyError(RelayError):
    """The blob does not exist on the relay or is not complete yet (404)."""


class BlobSizeError(RelayError):
    """The relay offered or sent more bytes of a blob than its descriptor declares."""

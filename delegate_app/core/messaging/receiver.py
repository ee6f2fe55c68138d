"""Receiving one envelope: verify, decrypt, commit — exactly once as the user sees it.

For each envelope fetched from a relay, :meth:`Receiver.receive` commits in ONE
transaction the content (through the handler for its content type), the
seen-envelope id, the relay cursor and the acknowledgement owed. Envelopes that
fail verification are counted (no sender can be known) and those from contacts that
cannot be applied are recorded as rejected; both are reported, never shown. Those
from senders not (yet) in the contacts are opened once and kept as message
requests within the policy's bounds (``request_store.py``), or dropped beyond
them (and dropped silently from a blocked sender). The caller acknowledges to the
relay only after this returns.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from delegate_app.core.contacts.store import ContactStore
from delegate_app.core.crypto.envelope import (
    OpenedEnvelope,
    envelope_version,
    open_envelope,
    peek_envelope_id,
)
from delegate_app.core.crypto.identity import LocalIdentity
from delegate_app.core.errors import CryptoError, DelegateError, VaultStorageError
from delegate_app.core.messaging.directory import Correspondent, Directory
from delegate_app.core.messaging.errors import PayloadError
from delegate_app.core.messaging.inbox import InboxState
from delegate_app.core.messaging.payloads import MESSAGE_TYPE, RECEIPT_TYPE, MessagePayload
from delegate_app.core.messaging.request_store import (
    Admission,
    RequestItem,
    RequestLimits,
    RequestStore,
)
from delegate_app.core.messaging.sessions import Opening, SessionLostError, Sessions
from delegate_app.core.vault import Database
from delegate_app.core.vault.database import IntegrityError

log = logging.getLogger(__name__)

#: Why a stranger's envelope was dropped (``ReceiveResult.reason`` of ``Outcome.DISCARDED``).
OVER_LIMITS = "over the request limits"  # counted, for the user to be told
BLOCKED = "blocked"  # dropped silently
STRANGER_RECEIPT = "a receipt from someone who is not a contact"  # dropped silently
#: A stranger's content we cannot use (unknown type, malformed message): counted like
#: ``OVER_LIMITS``, never stored, so a stranger cannot grow ``inbox_rejected``.
STRANGER_MALFORMED = "unusable content from someone who is not a contact"
#: A format-2 envelope no session of ours opens: dropped, and the next send to its sender
#: starts a new session (the user is told, ``Receiver.restarted``).
SESSION_LOST = "no session opens it"
#: At most one "Rejected an envelope" warning per this many seconds; the rest are counted in it.
WARNING_INTERVAL = 60.0
#: Characters of a stranger's first words kept for the request list (the body has them all).
PREVIEW_CHARS = 500

#: 2020-01-01T00:00:00Z. A sender's time before it is a broken clock (or 0), never a real date.
EARLIEST_PLAUSIBLE_TIME = 1_577_836_800


def plausible_time(claimed: float, received_at: float) -> float:
    """The time to show for an event the sender dates ``claimed``: theirs if plausible.

    A claim before 2020 or after our own receive time is replaced by the receive time, so a
    message dated 0 is not shown as 1970 and one dated next year cannot stay on top. Nothing
    is refused for it: the content is authentic, only the sender's clock is wrong.
    """
    if EARLIEST_PLAUSIBLE_TIME <= claimed <= received_at:
        return float(claimed)
    return float(received_at)


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    HELD = "held"  # kept as a message request
    DISCARDED = "discarded"  # from a stranger, over the request bounds or blocked: dropped
    REJECTED = "rejected"


@dataclass(frozen=True)
class Inbound:
    """A verified, decrypted envelope from a known correspondent."""

    envelope_id: str
    sender: Correspondent
    recipients: tuple[str, ...]  # identity keys (hex), this profile included
    timestamp: int
    content_type: str
    body: bytes
    received_at: float

    @property
    def sent_at(self) -> float:
        """The envelope's signed time if plausible, else the receive time (docs/SYNC.md)."""
        return plausible_time(self.timestamp, self.received_at)


#: Applies one inbound payload inside the receive transaction; raises PayloadError if malformed.
Handler = Callable[[Database, Inbound], None]


@dataclass(frozen=True)
class RelayPosition:
    """Where an envelope came from, recorded with its commit (cursor and ack owed)."""

    relay_url: str
    mailbox_id: str
    cursor: int


@dataclass(frozen=True)
class ReceiveResult:
    envelope_id: str
    outcome: Outcome
    content_type: str | None = None
    reason: str | None = None


class Receiver:
    def __init__(
        self,
        db: Database,
        identity: LocalIdentity,
        directory: Directory,
        handlers: Mapping[str, Handler],
        *,
        limits: RequestLimits | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.identity = identity
        self.directory = directory
        self.handlers = dict(handlers)
        self.limits = limits or DEFAULT_LIMITS
        self._clock = clock
        self._inbox = InboxState(db)
        self._seen = ContactStore(db)
        self._requests = RequestStore(db)
        self._sessions = Sessions(db, identity)
        self._state: Opening | None = None  # what opening the current envelope changed
        #: Contacts (by name) whose envelope no session opened since the caller last looked:
        #: a new session starts with the next send; the user is shown a notice.
        self.restarted: set[str] = set()
        #: Envelopes this receiver decrypted (an observable for "opened once", docs/SYNC.md).
        self.opened = 0
        self._warned_at: float | None = None
        self._unwarned = 0  # rejections since the last warning, not logged one by one

    def _bookkeeping(self, position: RelayPosition | None, envelope_id: str) -> None:
        if position is not None:
            self._inbox.owe_ack(position.relay_url, position.mailbox_id, envelope_id)
            self._inbox.set_cursor(position.relay_url, position.mailbox_id, position.cursor)

    def _reject(
        self, envelope_id: str, reason: str, position: RelayPosition | None
    ) -> ReceiveResult:
        self._warn(reason)
        with self.db.transaction():
            self._save_state()  # it opened: its message key is used up all the same
            self._inbox.reject(envelope_id, reason)
            self._inbox.release(envelope_id)
            self._bookkeeping(position, envelope_id)
        return ReceiveResult(envelope_id, Outcome.REJECTED, reason=reason)

    def _unreadable(
        self, envelope_id: str, reason: str, position: RelayPosition | None
    ) -> ReceiveResult:
        """Refuse an envelope whose sender cannot be known: counted, not stored one by one
        (anyone who can deposit could send garbage without end)."""
        self._warn(reason)
        with self.db.transaction():
            self._inbox.count_unreadable()
            self._inbox.release(envelope_id)
            self._bookkeeping(position, envelope_id)
        return ReceiveResult(envelope_id, Outcome.REJECTED, reason=reason)

    def _save_state(self) -> None:
        """Save the sessions (and account) the current envelope's opening advanced, in the
        caller's transaction; once per envelope."""
        state, self._state = self._state, None
        if state is not None:
            state.commit(self._sessions.store, self._clock())

    def _session_lost(
        self, envelope_id: str, error: SessionLostError, position: RelayPosition | None
    ) -> ReceiveResult:
        """Drop a format-2 envelope no session opens; its sender's next session starts anew."""
        self._warn(str(error))
        names = []
        with self.db.transaction():
            for key in error.contacts:
                contact = self.directory.by_key(key)
                if contact is not None:
                    self._sessions.store.request_restart(key, now=self._clock())
                    names.append(contact.name)
            self._inbox.count_unreadable()
            self._inbox.release(envelope_id)
            self._bookkeeping(position, envelope_id)
        self.restarted.update(names)
        return ReceiveResult(envelope_id, Outcome.DISCARDED, reason=SESSION_LOST)

    def _warn(self, reason: str) -> None:
        """Log a rejection, aggregated: a flood of bad envelopes is one line a minute."""
        now = self._clock()
        if self._warned_at is not None and now - self._warned_at < WARNING_INTERVAL:
            self._unwarned += 1
            return
        if self._unwarned:
            log.warning(
                "Rejected an envelope: %s (and %d more since the last warning)",
                reason,
                self._unwarned,
            )
        else:
            log.warning("Rejected an envelope: %s", reason)
        self._warned_at, self._unwarned = now, 0

    def _drop(self, envelope_id: str, position: RelayPosition | None, *, from_relay: bool) -> None:
        """Acknowledge a stranger's envelope that is not kept (nothing of it is stored)."""
        with self.db.transaction():
            if not from_relay:
                self._inbox.release(envelope_id)
            self._bookkeeping(position, envelope_id)

    def _skip(
        self, envelope_id: str, position: RelayPosition | None, *, from_relay: bool
    ) -> ReceiveResult:
        with self.db.transaction():
            if not from_relay:
                self._inbox.release(envelope_id)  # a held copy of something already shown
            self._bookkeeping(position, envelope_id)
        return ReceiveResult(envelope_id, Outcome.DUPLICATE)

    def receive(
        self,
        envelope_id: str,
        data: bytes | None,
        position: RelayPosition | None = None,
        *,
        from_relay: bool = False,
    ) -> ReceiveResult:
        """Verify, decrypt and commit one envelope. Never raises for bad input: reports it.

        Raises :class:`VaultStorageError` when the disk refuses the commit (full): nothing of
        the envelope was recorded, so it is neither lost nor acknowledged.

        With ``position``, the cursor and the ack owed commit with the envelope. A caller
        that records them itself for a whole batch (in the same transaction) passes
        ``from_relay`` instead.
        """
        from_relay = from_relay or position is not None
        if data is None:
            return self._unreadable(envelope_id, "The relay sent undecodable data.", position)
        try:
            inner_id = peek_envelope_id(data).hex()
        except CryptoError as exc:
            return self._unreadable(envelope_id, str(exc), position)
        if inner_id != envelope_id:
            return self._unreadable(
                envelope_id, "The envelope id does not match the relay's id.", position
            )
        self._state = None
        try:
            version = envelope_version(data)
        except CryptoError as exc:
            return self._unreadable(envelope_id, str(exc), position)
        if version == 2 and self._seen.envelope_seen(bytes.fromhex(envelope_id)):
            # A second open would fail (its message key is gone) and read as a lost session.
            return self._skip(envelope_id, position, from_relay=from_relay)
        # Format 1: already-seen ids are caught by the INSERT into seen_envelopes inside the
        # commit below (one statement fewer per envelope than checking first).
        try:
            self.opened += 1
            if version == 2:
                self._state = self._sessions.open(data)
                opened = self._state.opened
            else:
                opened = open_envelope(self.identity, data)
        except SessionLostError as exc:
            return self._session_lost(envelope_id, exc, position)
        except CryptoError as exc:
            return self._unreadable(envelope_id, str(exc), position)
        sender_key = opened.sender.identity_key.hex()
        sender = self.directory.by_key(sender_key)
        if sender is None:
            return self._request(envelope_id, opened, position, from_relay=from_relay)
        if sender.identity.encryption_key != opened.sender.encryption_key:
            log.info("Sender's encryption key differs from the contact card; identity key matches")
        inbound = Inbound(
            envelope_id=envelope_id,
            sender=sender,
            recipients=tuple(key.hex() for key in opened.recipients),
            timestamp=opened.timestamp,
            content_type=opened.content_type,
            body=opened.body,
            received_at=self._clock(),
        )
        return self._commit(inbound, position, from_relay=from_relay)

    def _commit(
        self,
        inbound: Inbound,
        position: RelayPosition | None,
        *,
        from_relay: bool,
        request_item: bool = False,
    ) -> ReceiveResult:
        """Apply a verified envelope's content through its handler, with the bookkeeping."""
        envelope_id = inbound.envelope_id
        handler = self.handlers.get(inbound.content_type)
        if handler is None:
            return self._reject(envelope_id, "Unknown content type.", position)
        try:
            with self.db.transaction():
                if not self._seen.record_envelope(bytes.fromhex(envelope_id)):
                    raise _AlreadySeenError
                handler(self.db, inbound)
                self._save_state()
                if request_item:
                    self._requests.remove_item(envelope_id)
                elif not from_relay:  # an envelope an earlier version held, converted
                    self._inbox.release(envelope_id)
                self._bookkeeping(position, envelope_id)
        except _AlreadySeenError:
            self._state = None
            if request_item:
                self._requests.remove_item(envelope_id)
            return self._skip(envelope_id, position, from_relay=from_relay)
        except PayloadError as exc:
            return self._reject(envelope_id, str(exc), position)
        except VaultStorageError:
            # The disk failed us, not the envelope: refusing (and acknowledging) it would lose
            # it. The caller's transaction rolls back and the envelope is fetched again later.
            raise
        except (DelegateError, ValueError, LookupError, TypeError, IntegrityError) as exc:
            # A payload that verified but cannot be applied must not wedge the inbox: it is
            # refused and reported like a malformed one, and the rest keeps flowing.
            log.warning("An envelope could not be applied: %s", type(exc).__name__)
            return self._reject(
                envelope_id, f"The content could not be applied ({type(exc).__name__}).", position
            )
        return ReceiveResult(envelope_id, Outcome.ACCEPTED, inbound.content_type)

    # -- senders who are not contacts ------------------------------------------------------

    def _request(
        self,
        envelope_id: str,
        opened: OpenedEnvelope,
        position: RelayPosition | None,
        *,
        from_relay: bool,
    ) -> ReceiveResult:
        """Keep a stranger's envelope as a message request, or drop it beyond the bounds."""
        content_type = opened.content_type
        # The block list comes before anything of the content is looked at: a blocked sender's
        # envelopes are dropped silently, whatever they carry.
        if self._requests.is_blocked(opened.sender.identity_key):
            self._state = None  # a stranger's session is kept only with a kept request
            self._drop(envelope_id, position, from_relay=from_relay)
            return ReceiveResult(envelope_id, Outcome.DISCARDED, content_type, BLOCKED)
        try:
            if content_type not in self.handlers:
                raise PayloadError("Unknown content type.")
            preview = _preview(content_type, opened.body)
        except PayloadError:
            self._state = None
            # Counted with the envelopes dropped over the bounds, never a row per envelope.
            with self.db.transaction():
                self._requests.count_discarded(1)
                self._drop(envelope_id, position, from_relay=from_relay)
            return ReceiveResult(envelope_id, Outcome.DISCARDED, content_type, STRANGER_MALFORMED)
        with self.db.transaction():
            admission = (
                Admission.BLOCKED  # a receipt from a stranger acknowledges nothing of ours
                if content_type == RECEIPT_TYPE
                else self._requests.admit(
                    envelope_id=envelope_id,
                    sender=opened.sender,
                    recipients=opened.recipients,
                    timestamp=opened.timestamp,
                    content_type=content_type,
                    body=opened.body,
                    preview=preview,
                    limits=self.limits,
                    now=self._clock(),
                )
            )
            if admission is Admission.KEPT:
                self._save_state()  # bounded by the request limits, like the request itself
            self._state = None
            if not from_relay:
                self._inbox.release(envelope_id)
            self._bookkeeping(position, envelope_id)
        if admission is Admission.KEPT:
            return ReceiveResult(envelope_id, Outcome.HELD, content_type, "message request")
        if admission is Admission.DUPLICATE:
            return ReceiveResult(envelope_id, Outcome.DUPLICATE, content_type)
        reason = {
            Admission.OVER_LIMIT: OVER_LIMITS,
            Admission.BLOCKED: BLOCKED,
        }[admission]
        if content_type == RECEIPT_TYPE:
            reason = STRANGER_RECEIPT
        return ReceiveResult(envelope_id, Outcome.DISCARDED, content_type, reason)

    def deliver_request_item(self, item: RequestItem, sender: Correspondent) -> ReceiveResult:
        """Apply one request item now that its sender is the contact ``sender`` (no opening)."""
        inbound = Inbound(
            envelope_id=item.envelope_id,
            sender=sender,
            recipients=item.recipients,
            timestamp=item.timestamp,
            content_type=item.content_type,
            body=item.body,
            # Shown as arriving now, in the order sent (conversations sort by receive time).
            received_at=self._clock(),
        )
        result = self._commit(inbound, None, from_relay=True, request_item=True)
        if result.outcome is Outcome.REJECTED:
            self._requests.remove_item(item.envelope_id)
        return result

    def convert_held(self) -> list[ReceiveResult]:
        """Open each envelope an earlier version held (once): deliver it or make it a request.

        Versions before message requests kept strangers' envelopes raw in ``inbox_held`` and
        decrypted them on every pass; each is now opened one last time and released.
        """
        return [self.receive(held.envelope_id, held.data, None) for held in self._inbox.held()]


#: The bounds when no policy is given (the policy's built-in defaults).
DEFAULT_LIMITS = RequestLimits(
    per_sender=20, bytes_per_sender=1024 * 1024, total=200, bytes_total=16 * 1024 * 1024,
    expiry_days=30,
)  # fmt: skip


def _preview(content_type: str, body: bytes) -> str | None:
    """A message's text for the request list; raises PayloadError for a malformed message.

    Other content is checked strictly by its handler when the request is accepted.
    """
    if content_type != MESSAGE_TYPE:
        return None
    text = MessagePayload.from_bytes(body).text
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"


class _AlreadySeenError(Exception):
    """Raised inside the receive transaction to roll it back when the id was seen meanwhile."""

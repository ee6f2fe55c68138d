"""The opportunistic sync engine: outbox up, inbox down, blobs both ways, in priority order.

One pass (:meth:`SyncEngine.sync_once`):

0. register our deposit token's verifier at our relay (once per engine, idempotent);
   publish or top up our prekeys, claim contacts' (bounded; ``prekey_sync.py``);
1. acknowledge what earlier passes committed but could not acknowledge;
2. deposit the outbox — messages, then receipts, then documents — in batches per
   mailbox (a 413 splits the batch; a single envelope too large fails alone);
3. fetch the inbox after the stored cursor; each envelope is verified, decrypted and
   committed together with its seen-id, the new cursor and the ack owed; then ack;
4. send the receipts that arrivals caused; deliver message requests whose sender has
   become a contact (no decryption: requests were opened on arrival), convert envelopes
   an earlier version held raw (opened one last time), delete expired requests;
5. upload, then download, large attachments chunk by chunk — pausing whenever a
   message is waiting, so a 100 MB briefing book never delays a short message;
6. sweep expired messages.

:meth:`SyncEngine.run` repeats passes until stopped: exponential backoff with jitter
on errors (honouring the relay's Retry-After), a cheap ``/health`` probe while
offline, and an immediate pass when :meth:`SyncEngine.wake` or
:meth:`SyncEngine.network_changed` is called. No Qt here: progress goes to plain
callables; a GUI wraps the engine in a worker thread with its own vault connection.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from delegate_app.core.contacts.book import deposit_token
from delegate_app.core.crypto.deposit import deposit_verifier
from delegate_app.core.crypto.relay_auth import sign_relay_request
from delegate_app.core.errors import DelegateError
from delegate_app.core.mailroom import Mailroom
from delegate_app.core.messaging.inbox import InboxState
from delegate_app.core.messaging.outbox import Outbox, OutboxDelivery
from delegate_app.core.messaging.receiver import OVER_LIMITS, STRANGER_MALFORMED, Outcome
from delegate_app.core.messaging.transfers import BlobTransfer, TransferDirection, TransferStore
from delegate_app.core.relay_urls import origin
from delegate_app.core.sharing.attachments import AttachmentRefusedError, download_source
from delegate_app.i18n import _
from sync.client.backoff import PROBE_POLICY, Backoff, Waker, transfer_retry_delay
from sync.client.blobs import TransferPaused, download_blob, upload_blob
from sync.client.errors import (
    RelayDepositRefusedError,
    RelayError,
    RelayPayloadTooLargeError,
    RelayProtocolError,
    RelayQuotaError,
    RelayRateLimitedError,
    RelayRefusedError,
    RelayUnreachableError,
)
from sync.client.live import LONG_POLL_SECONDS, LongPoll, PollOutcome
from sync.client.prekey_sync import PrekeySync
from sync.client.relay_client import (
    DepositCapability,
    FetchResult,
    OutgoingEnvelope,
    RelayClient,
    Signer,
)
from sync.client.state import SyncState, SyncStatus

log = logging.getLogger(__name__)

StateCallback = Callable[[SyncState], None]
ClientFactory = Callable[[str], RelayClient]

MAX_BATCH = 100
MAX_BATCH_BYTES = 8 * 1024 * 1024  # stays well under the relay's request limit once base64'd
FETCH_LIMIT = 100
IDLE_POLL_SECONDS = 30.0


def policy_client_factory(room: Mailroom) -> ClientFactory:
    """Relay clients as the policy wants them: plain http to another computer refused unless
    ``allow_plain_http_relays``; ``relay_ca_file`` trusted beside the built-in authorities."""
    return functools.partial(
        RelayClient,
        allow_plain_http=bool(room.policy.value("allow_plain_http_relays")),
        ca_file=room.policy.value("relay_ca_file"),
    )


@dataclass
class SyncReport:
    """What one pass did. ``rejected`` lists (envelope id, reason) of refused envelopes."""

    sent: int = 0
    received: int = 0
    duplicates: int = 0
    held: int = 0  # kept as message requests this pass
    discarded: int = 0  # from strangers, dropped over the request bounds this pass
    requests_expired: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)
    failed_deliveries: int = 0
    uploaded_bytes: int = 0
    downloaded_bytes: int = 0
    attachments_sent: int = 0
    attachments_received: int = 0
    attachments_refused: list[str] = field(default_factory=list)
    attachments_waiting: list[str] = field(default_factory=list)  # failed now, retried later
    expired: int = 0
    errors: list[str] = field(default_factory=list)
    #: Contacts (names) an envelope of whose no session opened: a new session starts with
    #: the next message to them (docs/SYNC.md "Session reset"); the GUI shows a notice.
    sessions_restarted: list[str] = field(default_factory=list)
    prekeys_published: int = 0  # our one-time keys uploaded this pass
    prekeys_claimed: int = 0  # contacts' prekeys claimed this pass


class SyncEngine:
    def __init__(
        self,
        room: Mailroom,
        *,
        client_factory: ClientFactory | None = None,
        on_state: StateCallback | None = None,
        batch_size: int = MAX_BATCH,
        fetch_limit: int = FETCH_LIMIT,
        idle_poll: float = IDLE_POLL_SECONDS,
        clock: Callable[[], float] = time.time,
        live: bool = True,
    ) -> None:
        if room.relay_url is None:
            raise RelayError(_("This profile has no relay address: set one before syncing."))
        self.room = room
        self.relay_url: str = room.relay_url
        self._client_factory = client_factory or policy_client_factory(room)
        self._clients: dict[str, RelayClient] = {}
        self._on_state = on_state
        self._state = SyncState()
        self._state_lock = threading.Lock()
        self.batch_size = batch_size
        self.fetch_limit = fetch_limit
        self.idle_poll = idle_poll
        self._clock = clock
        self.waker = Waker()
        self._signer: Signer = functools.partial(sign_relay_request, room.identity.mailbox)
        self._outbox = Outbox(room.db)
        self._inbox = InboxState(room.db)
        self._transfers = TransferStore(room.db)
        self._registered: str | None = None  # the verifier our relay confirmed this run
        self.prekeys = PrekeySync(room, self.client, self._signer, self.relay_url, clock)
        # Live delivery (docs/SYNC.md): long-polls between passes while the relay offers them.
        self._live = live
        self._live_wait = LONG_POLL_SECONDS
        self._long_poll: LongPoll | None = None
        self._prefetched: tuple[int, FetchResult] | None = None  # (after, what a poll brought)

    # -- state -----------------------------------------------------------------------------

    @property
    def state(self) -> SyncState:
        with self._state_lock:
            return self._state

    def _set_state(self, state: SyncState) -> None:
        with self._state_lock:
            changed = state != self._state
            self._state = state
        if changed and self._on_state is not None:
            self._on_state(state)

    def _progress(self, done: int | None = None, total: int | None = None) -> None:
        state = self.state
        self._set_state(
            state.with_(
                status=SyncStatus.SYNCING,
                done=state.done if done is None else done,
                total=state.total if total is None else total,
                reason=None,
                retry_in=None,
            )
        )

    def _advance(self, count: int = 1, grow: int = 0) -> None:
        state = self.state
        total = state.total + grow
        self._progress(done=min(state.done + count, max(total, state.done + count)), total=total)

    # -- clients ---------------------------------------------------------------------------

    def client(self, relay_url: str | None = None) -> RelayClient:
        url = (relay_url or self.relay_url).rstrip("/")
        if url not in self._clients:
            self._clients[url] = self._client_factory(url)
        return self._clients[url]

    def close(self) -> None:
        if self._long_poll is not None:
            self._long_poll.close()
            self._long_poll = None
        for client in self._clients.values():
            client.close()
        self._clients.clear()

    # -- wake-ups from other threads -------------------------------------------------------

    def wake(self) -> None:
        """Something was queued: run a pass now instead of waiting for the next poll."""
        self.waker.wake()

    def network_changed(self, online: bool) -> None:
        """The OS reports the network came back (or went away). Online: retry at once."""
        if online:
            self.waker.wake()

    def stop(self) -> None:
        self.waker.stop()

    # -- one pass --------------------------------------------------------------------------

    def probe(self) -> bool:
        """Whether our relay answers. A relay we refuse to contact counts as reachable: the
        pass that follows reports the refusal instead of calling it offline."""
        try:
            return self.client().probe()
        except RelayRefusedError:
            return True

    def sync_once(self) -> SyncReport:
        """One full pass. Raises RelayError subclasses when the relay fails (state updated)."""
        report = SyncReport()
        started = time.time()  # the vault's clock: arrivals refused this pass are reported
        pending = self._outbox.pending_count() + len(self._transfers.pending())
        self._set_state(self.state.with_(status=SyncStatus.SYNCING, done=0, total=pending))
        try:
            self._register()
            self._prekeys(report)
            self._ack_owed()
            self._deposit_outbox(report)
            self._fetch_inbox(report)
            self.room.messenger.flush_receipts()
            self._requests(report)
            report.attachments_refused.extend(self._transfers.refused_since(started))
            self._deposit_outbox(report)
            self._transfer_blobs(report)
            report.expired = self.room.messenger.sweep_expired()
        except RelayUnreachableError as exc:
            self._set_state(self.state.with_(status=SyncStatus.OFFLINE, reason=str(exc)))
            raise
        except (RelayError, DelegateError) as exc:
            self._set_state(self.state.with_(status=SyncStatus.ERROR, reason=str(exc)))
            raise
        state = self.state
        if report.errors:
            self._set_state(
                state.with_(status=SyncStatus.ERROR, reason="; ".join(report.errors)[:300])
            )
        else:
            self._set_state(
                state.with_(
                    status=SyncStatus.UP_TO_DATE,
                    done=state.total,
                    last_success=datetime.fromtimestamp(self._clock(), tz=UTC),
                    reason=None,
                    retry_in=None,
                )
            )
        return report

    # -- deposit capability ----------------------------------------------------------------

    def _register(self) -> None:
        """Our relay learns the verifier of the token in our card (docs/SYNC.md, "Deposit
        tokens"): once per engine, and again whenever the token was rotated."""
        verifier = deposit_verifier(deposit_token(self.room.db))
        if self._registered != verifier:
            self.client().register_verifier(self.room.mailbox_id, self._signer, verifier)
            self._registered = verifier

    def _prekeys(self, report: SyncReport) -> None:
        """Publish or top up our prekeys, then claim contacts' (docs/SYNC.md "Prekeys"). Only
        our relay becoming unreachable ends the pass: mail flows whatever prekeys do."""
        try:
            report.prekeys_published += self.prekeys.publish()
        except RelayUnreachableError:
            raise
        except RelayError as exc:
            log.info("Prekeys were not published: %s", type(exc).__name__)
        report.prekeys_claimed += self.prekeys.claim()

    def _token_for(self, delivery: OutboxDelivery) -> bytes | None:
        """The deposit token for a delivery's mailbox: from the recipient's stored card (ours
        for our own mailbox), or None when that card has none."""
        if delivery.mailbox_id == self.room.mailbox_id:
            return deposit_token(self.room.db)
        recipient = self.room.directory.by_key(delivery.identity_key)
        if recipient is None or recipient.mailbox_id != delivery.mailbox_id:
            return None
        return recipient.deposit_token

    def _own_capability(self, relay_url: str) -> DepositCapability | None:
        """What our blob uploads are charged to: our mailbox's token, on our own relay only."""
        if origin(relay_url) != origin(self.relay_url):
            return None
        return DepositCapability(self.room.mailbox_id, deposit_token(self.room.db))

    # -- outbox ----------------------------------------------------------------------------

    def _deposit_outbox(self, report: SyncReport) -> None:
        while True:
            pending = self._outbox.pending(limit=2000)
            if not pending:
                return
            progressed = False
            groups: dict[tuple[str, str], list[OutboxDelivery]] = {}
            for delivery in pending:
                groups.setdefault((delivery.relay_url, delivery.mailbox_id), []).append(delivery)
            # Most urgent first: groups are visited in the order of their most urgent item.
            for (relay_url, mailbox_id), deliveries in groups.items():
                for batch in self._batches(deliveries):
                    try:
                        progressed |= self._deposit(relay_url, mailbox_id, batch, report)
                    except (RelayQuotaError, RelayDepositRefusedError, RelayRefusedError) as exc:
                        self._outbox.record_attempt(batch, str(exc))
                        if str(exc) not in report.errors:
                            report.errors.append(str(exc))
                        break  # that mailbox is full, refuses us or is refused: the others
            if not progressed:
                return

    def _batches(self, deliveries: list[OutboxDelivery]) -> list[list[OutboxDelivery]]:
        batches: list[list[OutboxDelivery]] = [[]]
        size = 0
        for delivery in deliveries:
            if batches[-1] and (
                len(batches[-1]) >= self.batch_size or size + len(delivery.data) > MAX_BATCH_BYTES
            ):
                batches.append([])
                size = 0
            batches[-1].append(delivery)
            size += len(delivery.data)
        return [b for b in batches if b]

    def _deposit(
        self, relay_url: str, mailbox_id: str, batch: list[OutboxDelivery], report: SyncReport
    ) -> bool:
        client = self.client(relay_url)
        try:
            result = client.deposit(
                mailbox_id,
                [OutgoingEnvelope(d.envelope_id, d.data) for d in batch],
                self._token_for(batch[0]),
            )
        except RelayPayloadTooLargeError as exc:
            if len(batch) == 1:
                self._outbox.mark_failed(batch[0], str(exc))
                report.failed_deliveries += 1
                report.errors.append(str(exc))
                return True
            middle = len(batch) // 2
            first = self._deposit(relay_url, mailbox_id, batch[:middle], report)
            second = self._deposit(relay_url, mailbox_id, batch[middle:], report)
            return first or second
        stored = result.stored
        done = [d for d in batch if d.envelope_id in stored]
        self._outbox.mark_deposited(done)
        report.sent += len(done)
        self._advance(len(done))
        return bool(done)

    def _urgent_waiting(self) -> bool:
        """True when messages or receipts wait in the outbox (checked between blob chunks)."""
        return self._outbox.pending_count() > 0

    # -- inbox -----------------------------------------------------------------------------

    def _ack_owed(self) -> None:
        mailbox = self.room.mailbox_id
        client = self.client()
        while True:
            owed = self._inbox.owed_acks(self.relay_url, mailbox)
            if not owed:
                return
            client.ack(mailbox, self._signer, owed)
            self._inbox.acked(self.relay_url, mailbox, owed)

    def _fetch_inbox(self, report: SyncReport) -> None:
        mailbox = self.room.mailbox_id
        client = self.client()
        fetched_any = False
        prefetched, self._prefetched = self._prefetched, None
        while True:
            cursor = self._inbox.cursor(self.relay_url, mailbox)
            if prefetched is not None and prefetched[0] == cursor:
                result = prefetched[1]  # what the long-poll brought: no second download
            else:
                result = client.fetch(mailbox, self._signer, after=cursor, limit=self.fetch_limit)
            prefetched = None
            self._advance(0, grow=len(result.envelopes))
            # One commit per fetched batch: each envelope is still all-or-nothing (a savepoint
            # each), and a crash rolls the whole batch back to be fetched again.
            outcomes = []
            with self.room.db.transaction():
                for envelope in result.envelopes:
                    fetched_any = True
                    outcome = self.room.receiver.receive(
                        envelope.envelope_id, envelope.data, from_relay=True
                    )
                    outcomes.append(outcome)
                self._inbox.owe_acks(
                    self.relay_url, mailbox, [e.envelope_id for e in result.envelopes]
                )
                if result.next_cursor > cursor:
                    self._inbox.set_cursor(self.relay_url, mailbox, result.next_cursor)
            for outcome in outcomes:
                self._count(outcome.outcome, outcome.envelope_id, outcome.reason, report)
            self._take_restarted(report)
            self._advance(len(outcomes))
            self._ack_owed()
            if not result.more:
                break
        if not fetched_any and self._inbox.cursor(self.relay_url, mailbox) > 0:
            self._detect_relay_reset(client, mailbox, report)

    def _detect_relay_reset(self, client: RelayClient, mailbox: str, report: SyncReport) -> None:
        """Everything below our cursor was acknowledged, so anything the relay still holds
        there means it lost its database and restarted its cursors: start over from 0."""
        probe = client.fetch(mailbox, self._signer, after=0, limit=1)
        if probe.envelopes and probe.envelopes[0].cursor <= self._inbox.cursor(
            self.relay_url, mailbox
        ):
            log.warning("Relay cursor went backwards; fetching from the start")
            self._inbox.reset_cursor(self.relay_url, mailbox)
            self._fetch_inbox(report)

    def _take_restarted(self, report: SyncReport) -> None:
        restarted = self.room.receiver.restarted
        report.sessions_restarted.extend(sorted(restarted - set(report.sessions_restarted)))
        restarted.clear()

    @staticmethod
    def _count(outcome: Outcome, envelope_id: str, reason: str | None, report: SyncReport) -> None:
        if outcome is Outcome.ACCEPTED:
            report.received += 1
        elif outcome is Outcome.DUPLICATE:
            report.duplicates += 1
        elif outcome is Outcome.HELD:
            report.held += 1
        elif outcome is Outcome.DISCARDED:
            # Blocked senders and strangers' receipts: silently.
            if reason in (OVER_LIMITS, STRANGER_MALFORMED):
                report.discarded += 1
        else:
            report.rejected.append((envelope_id, reason or ""))

    def _requests(self, report: SyncReport) -> None:
        requests = self.room.requests
        for result in (*self.room.receiver.convert_held(), *requests.deliver_from_contacts()):
            self._count(result.outcome, result.envelope_id, result.reason, report)
        report.requests_expired = requests.sweep(self._clock())

    # -- blobs -----------------------------------------------------------------------------

    def _transfer_blobs(self, report: SyncReport) -> None:
        def moved_up(count: int) -> None:
            report.uploaded_bytes += count

        waiting: set[tuple[str, TransferDirection]] = set()  # not available yet this pass
        for _round in range(1000):  # bounded: each round finishes, pauses or skips one transfer
            transfers = [
                t
                for t in self._transfers.pending(now=self._clock())
                if (t.blob_id, t.direction) not in waiting
            ]
            if not transfers:
                return
            transfer = transfers[0]
            try:
                if transfer.direction is TransferDirection.UP:
                    client = self.client(transfer.relay_url)
                    if upload_blob(
                        self.room,
                        client,
                        transfer,
                        progress=moved_up,
                        interrupt=self._urgent_waiting,
                        capability=self._own_capability(transfer.relay_url),
                    ):
                        report.attachments_sent += 1
                    else:
                        report.errors.append(_("An attachment upload could not be completed."))
                elif not self._download(transfer, report):
                    waiting.add((transfer.blob_id, transfer.direction))
                    continue
            except TransferPaused:
                self._deposit_outbox(report)
                continue
            self._advance()

    def _download(self, transfer: BlobTransfer, report: SyncReport) -> bool:
        """One download step; False when the blob is not available yet (or retried later).

        Fetched only from the relay :func:`download_source` picks (one we trust for the
        sender), never from the descriptor's URL. A relay failure is this transfer's alone:
        it is retried later with backoff, and the pass goes on (messages are not held up) —
        except our own relay becoming unreachable, which ends the pass as it would for mail.
        """

        def moved_down(count: int) -> None:
            report.downloaded_bytes += count

        room = self.room
        try:
            relay_url = download_source(
                room.db,
                transfer,
                directory=room.directory,
                own_relay=room.relay_url,
                policy=room.policy,
            )
        except AttachmentRefusedError as exc:
            self._transfers.fail(transfer.blob_id, transfer.direction, str(exc))
            report.attachments_refused.append(str(exc))
            return True
        try:
            refused = download_blob(
                room,
                self.client(relay_url),
                transfer,
                progress=moved_down,
                interrupt=self._urgent_waiting,
            )
        except RelayError as exc:
            if isinstance(exc, RelayUnreachableError) and origin(relay_url) == origin(
                self.relay_url
            ):
                raise  # our own relay is gone (or the link was cut): this pass is offline
            return self._defer(transfer, exc, report)
        after = self._transfers.get(transfer.blob_id, transfer.direction)
        if refused is not None:
            report.attachments_refused.append(refused)
        elif after is not None and after.state == "complete":
            report.attachments_received += 1
        else:
            return False
        return True

    def _defer(self, transfer: BlobTransfer, exc: RelayError, report: SyncReport) -> bool:
        """Record a failed fetch on the transfer alone and schedule its retry (False)."""
        retry_after = exc.retry_after if isinstance(exc, RelayRateLimitedError) else None
        reason = str(exc)
        current = self._transfers.get(transfer.blob_id, transfer.direction) or transfer
        delay = transfer_retry_delay(current.attempts + 1, retry_after)
        self._transfers.defer(transfer.blob_id, transfer.direction, reason, self._clock() + delay)
        report.attachments_waiting.append(reason)
        log.info("Blob download failed; retried in %.0f s", delay)
        return False

    # -- the loop --------------------------------------------------------------------------

    def run(
        self,
        *,
        on_report: Callable[[SyncReport], None] | None = None,
        max_passes: int | None = None,
    ) -> None:
        """Sync until :meth:`stop` (or ``max_passes`` passes). Never raises a RelayError."""
        backoff = Backoff()
        offline = Backoff(PROBE_POLICY)
        passes = 0
        while not self.waker.stopped and (max_passes is None or passes < max_passes):
            if not self.probe():
                delay = offline.next_delay()
                self._set_state(
                    self.state.with_(
                        status=SyncStatus.OFFLINE,
                        reason=_("The relay cannot be reached."),
                        retry_in=delay,
                    )
                )
                if self.waker.wait(delay):
                    offline.reset()
                continue
            offline.reset()
            passes += 1
            try:
                report = self.sync_once()
            except RelayRateLimitedError as exc:
                delay = backoff.next_delay(exc.retry_after)
            except RelayUnreachableError:
                delay = offline.next_delay()
            except (RelayError, DelegateError) as exc:
                log.warning("Sync pass failed: %s", type(exc).__name__)
                delay = backoff.next_delay()
            else:
                backoff.reset()
                if on_report is not None:
                    on_report(report)
                self._idle(self.idle_poll)
                continue
            self._set_state(self.state.with_(retry_in=delay))
            self.waker.wait(delay)

    # -- live delivery ---------------------------------------------------------------------

    def _idle(self, seconds: float) -> None:
        """Wait for the next pass: up to ``seconds``, less when a long-poll brings an envelope
        or someone wakes us. Long-polls only while the relay offers them; else a plain wait."""
        deadline = time.monotonic() + seconds
        while not self.waker.stopped:
            remaining = deadline - time.monotonic()
            poll = self._live_poll()
            if poll is None or remaining < 1:
                self.waker.wait(remaining)
                return
            if not poll.in_flight:
                cursor = self._inbox.cursor(self.relay_url, self.room.mailbox_id)
                poll.start(cursor, min(self._live_wait, int(remaining)))
            self.waker.wait(remaining)
            outcome = poll.take()
            if outcome is None:
                return  # woken (a message queued, the network back, a stop) or time is up
            if not self._keep_polling(outcome):
                self.waker.wait(deadline - time.monotonic())  # polling, as without live delivery
                return
            if outcome.result is not None and outcome.result.envelopes:
                return  # a pass now takes them in

    def _live_poll(self) -> LongPoll | None:
        if not self._live:
            return None
        if self._long_poll is None:
            try:
                client = self._client_factory(self.relay_url)
            except RelayError:  # e.g. an unreadable CA file: the passes report it
                self._live = False
                return None
            self._long_poll = LongPoll(
                client,
                self.room.mailbox_id,
                self._signer,
                limit=self.fetch_limit,
                on_done=self.waker.wake,
            )
        return self._long_poll

    def _keep_polling(self, outcome: PollOutcome) -> bool:
        """Learn from a long-poll's answer; False: fall back to the plain wait this time."""
        error, result = outcome.error, outcome.result
        if error is not None:
            if isinstance(error, RelayProtocolError) and error.status == 422:
                self._live_wait //= 2  # a relay with a shorter maximum wait
                self._live = self._live_wait > 0
            log.info("Long-poll failed (%s); polling instead", type(error).__name__)
            return False
        if result is None or result.waited is None:
            log.info("The relay does not offer long-polls; polling instead")
            self._live = False  # a relay from before live delivery: for the rest of this run
            return False
        if result.envelopes:
            if outcome.after == self._inbox.cursor(self.relay_url, self.room.mailbox_id):
                self._prefetched = (outcome.after, result)
            return True
        return outcome.waited  # not when it was too busy to wait, or answered at once

"""Prekeys each sync pass (docs/SYNC.md "Prekeys"): publish ours, replenish, claim contacts'.

Publishing: once our relay advertises prekeys, our bundle header (session key, fallback key,
both signed by the identity key) and :data:`PUBLISH_TARGET` one-time keys go up, sealed
under our deposit token so the relay learns nothing of them. Every pass asks how many are
left and tops them up below :data:`REPLENISH_BELOW`. The account is saved (with its new
keys) before they are uploaded: a crash in between leaves keys in the account that the
relay never got, never the reverse.

Claiming: for contacts with a deposit token but neither a session nor a claimed key, at
most :data:`MAX_CLAIMS_PER_PASS` claims a pass, each contact retried at most once per
:data:`CLAIM_RETRY_SECONDS` (one that never published is asked again later, not every pass).
A claimed bundle is checked against the identity key of the card we hold (typed error,
nothing stored, otherwise).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from delegate_app.core.contacts.book import deposit_token
from delegate_app.core.crypto.prekeys import bundle_header, bundle_item, new_item_id, open_claim
from delegate_app.core.errors import CryptoError
from delegate_app.core.mailroom import Mailroom
from delegate_app.core.messaging.directory import Correspondent
from delegate_app.core.messaging.ratchet_store import ClaimedKey, RatchetStore
from sync.client.errors import (
    PrekeysUnavailableError,
    RelayDepositRefusedError,
    RelayError,
    RelayRateLimitedError,
    RelayUnreachableError,
)
from sync.client.prekeys import OneTimePrekey
from sync.client.relay_client import RelayClient, Signer

log = logging.getLogger(__name__)

#: One-time keys kept at our relay. Below vodozemac's 50 per account on purpose: the account
#: drops its oldest keys beyond 50, and the headroom keeps those claimed but not yet used.
PUBLISH_TARGET = 40
REPLENISH_BELOW = 20
MAX_CLAIMS_PER_PASS = 10
CLAIM_RETRY_SECONDS = 3600.0


class PrekeySync:
    def __init__(
        self,
        room: Mailroom,
        client: Callable[[str | None], RelayClient],
        signer: Signer,
        relay_url: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.room = room
        self._client = client
        self._signer = signer
        self.relay_url = relay_url
        self._clock = clock
        self._store = RatchetStore(room.db)
        self._offered: bool | None = None  # whether our relay has the endpoints (per run)
        self._tried: dict[str, float] = {}  # contact key → when a claim was last attempted

    # -- ours ----------------------------------------------------------------------------

    def publish(self) -> int:
        """Publish or top up our prekeys. Returns how many one-time keys went up."""
        client = self._client(None)
        if self._offered is None:
            self._offered = client.prekeys_version() >= 1
        if not self._offered:
            return 0
        mailbox = self.room.mailbox_id
        fresh = self._store.published_relay() != self.relay_url
        left = 0
        if not fresh:
            try:
                status = client.prekey_status(mailbox, self._signer)
            except PrekeysUnavailableError:
                status = None
            if status is None or not status.published:
                fresh = True  # the relay lost them (or a wipe): publish anew
            else:
                left = status.count
                if left >= REPLENISH_BELOW:
                    return 0
        return self._upload(client, replace=fresh, count=PUBLISH_TARGET - (0 if fresh else left))

    def _upload(self, client: RelayClient, *, replace: bool, count: int) -> int:
        room, identity = self.room, self.room.identity
        token, mailbox = deposit_token(room.db), room.mailbox_id
        account = self._store.account()
        header = bundle_header(
            identity,
            account.binding(identity),
            account.signed_fallback(identity),
            token,
            mailbox,
            int(self._clock()),
        )
        keys = account.new_one_time_keys(identity, count) if count > 0 else []
        items = []
        for signed in keys:
            item_id = new_item_id()
            items.append(OneTimePrekey(item_id, bundle_item(signed, token, mailbox, item_id)))
        with room.db.transaction():
            self._store.save_account(account)  # the private keys first: see the module text
        client.publish_prekeys(mailbox, self._signer, header, items, replace=replace)
        account.mark_published()
        with room.db.transaction():
            self._store.save_account(account)
            self._store.set_published(self.relay_url, now=self._clock())
        return len(items)

    # -- theirs --------------------------------------------------------------------------

    def claim(self) -> int:
        """Claim prekeys of contacts we cannot start a session with yet. Returns claims made."""
        if not self._store.has_account():
            return 0
        now = self._clock()
        made = 0
        for contact in self.room.contacts.contacts():
            if made >= MAX_CLAIMS_PER_PASS:
                break
            correspondent = self.room.directory.by_key(contact.identity_key.hex())
            if correspondent is None or not self._wants_claim(correspondent, now):
                continue
            self._tried[correspondent.key] = now
            made += self._claim_one(correspondent)
        return made

    def _wants_claim(self, correspondent: Correspondent, now: float) -> bool:
        if correspondent.deposit_token is None or not correspondent.mailbox_id:
            return False
        key = correspondent.key
        restart = self._store.restart_wanted(key)
        if self._store.claimed(key) is not None:
            return False
        if self._store.has_session(key) and not restart:
            return False
        last = self._tried.get(key)
        return last is None or now - last >= CLAIM_RETRY_SECONDS

    def _claim_one(self, correspondent: Correspondent) -> int:
        token, mailbox = correspondent.deposit_token, correspondent.mailbox_id
        if token is None or mailbox is None:  # checked by _wants_claim
            return 0
        try:
            answer = self._client(correspondent.relay_url).claim_prekey(mailbox, token)
        except (PrekeysUnavailableError, RelayDepositRefusedError, RelayRateLimitedError):
            return 0  # not published (a client from before format 2), a stale card, busy
        except RelayUnreachableError:
            if correspondent.relay_url in (None, self.relay_url):
                raise
            return 0
        except RelayError as exc:
            log.info("A prekey claim failed: %s", type(exc).__name__)
            return 0
        item = None
        if answer.one_time_key is not None:
            item = (answer.one_time_key.key_id, answer.one_time_key.data)
        try:
            claimed = open_claim(
                answer.bundle, item, token, mailbox, correspondent.identity.identity_key
            )
        except CryptoError as exc:
            log.warning("A claimed prekey bundle was refused: %s", type(exc).__name__)
            return 0
        with self.room.db.transaction():
            self._store.store_claimed(
                ClaimedKey(
                    correspondent.key,
                    claimed.session_key,
                    claimed.prekey,
                    claimed.one_time,
                    claimed.created,
                ),
                now=self._clock(),
            )
        return 1

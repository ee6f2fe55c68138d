"""Seal one payload for its recipients and queue it in the outbox (in the caller's transaction)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from delegate_app.core.crypto.envelope import seal
from delegate_app.core.crypto.identity import LocalIdentity
from delegate_app.core.messaging.directory import Correspondent
from delegate_app.core.messaging.errors import NoRelayError
from delegate_app.core.messaging.outbox import DeliveryTarget, Outbox
from delegate_app.core.vault import Database
from delegate_app.i18n import _


@dataclass(frozen=True)
class Sender:
    """This profile as a sender: its keys and the relay to fall back on for contacts without one."""

    identity: LocalIdentity
    own_relay_url: str | None

    @cached_property
    def key(self) -> str:
        return self.identity.public().identity_key.hex()

    def target(self, correspondent: Correspondent) -> DeliveryTarget:
        relay = correspondent.relay_url or self.own_relay_url
        if not relay or not correspondent.mailbox_id:
            raise NoRelayError(
                _("{name} has no relay address or mailbox; nothing can be sent to them.").format(
                    name=correspondent.name
                )
            )
        return DeliveryTarget(relay.rstrip("/"), correspondent.mailbox_id, correspondent.key)

    def enqueue(
        self,
        db: Database,
        recipients: Sequence[Correspondent],
        *,
        content_type: str,
        body: bytes,
        kind: str,
        priority: int,
        ref: str | None = None,
        now: float | None = None,
    ) -> str:
        """Seal ``body`` once for all ``recipients`` and queue one delivery each. Returns the id."""
        now = time.time() if now is None else now
        targets = [self.target(r) for r in recipients]
        sealed = seal(
            self.identity,
            [r.identity for r in recipients],
            content_type,
            body,
            timestamp=int(now),
        )
        Outbox(db).enqueue(
            envelope_id=sealed.id_hex,
            data=sealed.data,
            kind=kind,
            priority=priority,
            targets=targets,
            ref=ref,
            now=now,
        )
        return sealed.id_hex

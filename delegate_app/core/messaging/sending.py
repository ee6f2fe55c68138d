"""Seal one payload for its recipients and queue it in the outbox (in the caller's transaction).

Recipients with whom a ratchet session exists or can be started share one envelope of
format 2; the others (contacts whose client has not published prekeys yet) share one of
format 1 with the same payload, under another envelope id. The sessions that sealed are
saved in the same transaction as the outbox rows (docs/SYNC.md "Sessions").
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from delegate_app.core.crypto.envelope import seal
from delegate_app.core.crypto.envelope_v2 import seal_v2
from delegate_app.core.crypto.identity import LocalIdentity
from delegate_app.core.messaging.directory import Correspondent
from delegate_app.core.messaging.errors import NoRelayError
from delegate_app.core.messaging.outbox import DeliveryTarget, Outbox
from delegate_app.core.messaging.sessions import Sessions
from delegate_app.core.vault import Database
from delegate_app.i18n import _


@dataclass(frozen=True)
class Sender:
    """This profile as a sender: its keys and the relay to fall back on for contacts without one."""

    identity: LocalIdentity
    own_relay_url: str | None
    #: Our session binding, computed once (it changes only with the ratchet account).
    _binding: dict[str, object] = field(default_factory=dict, compare=False, repr=False)

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
        """Seal ``body`` once per envelope format for all ``recipients`` and queue one delivery
        each. Returns the id of the first envelope (format 2 if any)."""
        now = time.time() if now is None else now
        targets = {r.key: self.target(r) for r in recipients}
        ids: list[str] = []
        with db.transaction():
            sessions = Sessions(db, self.identity, self._binding)
            plan = sessions.plan(recipients)
            if plan.v1 and plan.v2:
                # Receivers check that the signed recipient list is the whole audience (the
                # group's members), and a format-2 envelope lists only its slot holders: a
                # mixed audience shares one format-1 envelope (docs/SYNC.md "Sessions").
                plan = sessions.all_v1(recipients)
            if plan.v2:
                sealed = seal_v2(
                    self.identity,
                    sessions.binding(),
                    plan.v2_recipients,
                    content_type,
                    body,
                    timestamp=int(now),
                )
                self._queue(db, sealed.id_hex, sealed.data, kind, priority, ref, now,
                            [targets[c.key] for c, _s, _k in plan.v2])  # fmt: skip
                plan.commit(sessions.store, now)
                ids.append(sealed.id_hex)
            if plan.v1:
                sealed = seal(
                    self.identity,
                    [r.identity for r in plan.v1],
                    content_type,
                    body,
                    timestamp=int(now),
                )
                self._queue(db, sealed.id_hex, sealed.data, kind, priority, ref, now,
                            [targets[r.key] for r in plan.v1])  # fmt: skip
                ids.append(sealed.id_hex)
        return ids[0]

    @staticmethod
    def _queue(
        db: Database,
        envelope_id: str,
        data: bytes,
        kind: str,
        priority: int,
        ref: str | None,
        now: float,
        targets: list[DeliveryTarget],
    ) -> None:
        Outbox(db).enqueue(
            envelope_id=envelope_id,
            data=data,
            kind=kind,
            priority=priority,
            targets=targets,
            ref=ref,
            now=now,
        )

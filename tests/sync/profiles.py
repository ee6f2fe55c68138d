"""Test profiles that know each other: real vaults, real cards, real envelopes."""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from delegate_app.core.contacts.book import ContactBook, own_card
from delegate_app.core.crypto.keywrap import FAST_KDF
from delegate_app.core.documents.models import BodyFormat, DocumentKind, ParsedDocument
from delegate_app.core.documents.store import DocumentStore
from delegate_app.core.mailroom import Mailroom
from delegate_app.core.messaging.models import Priority
from delegate_app.core.messaging.outbox import Outbox
from delegate_app.core.messaging.store import new_uid
from delegate_app.core.paths import resolve_profile
from delegate_app.core.policy import Policy
from delegate_app.core.profile import ProfileInfo, init_profile
from delegate_app.core.sharing.payloads import DOCUMENT_TYPE, BlobDescriptor, DocumentPayload
from delegate_app.core.sharing.service import ciphertext_size
from delegate_app.core.vault import Vault
from sync.client.engine import SyncEngine, SyncReport
from tests.conftest import PASSPHRASE

MISSIONS = (
    ("Amina Haddad", "Mission of Freedonia"),
    ("Boris Petrov", "Embassy of Sylvania"),
    ("Chen Wei", "Permanent Representation of Grand Fenwick"),
    ("Dara Okafor", "Mission of Genovia"),
)


@dataclass
class Peer:
    name: str
    root: Path
    vault: Vault
    policy: Policy

    @property
    def room(self) -> Mailroom:
        return Mailroom.open(self.vault.db, self.policy)

    def close(self) -> None:
        if self.vault.is_unlocked:
            self.vault.lock()

    @contextmanager
    def unlocked(self) -> Iterator[Mailroom]:
        """The mailroom with the vault unlocked for the block (locked again after if it was)."""
        was_locked = not self.vault.is_unlocked
        if was_locked:
            self.vault.unlock(PASSPHRASE)
        try:
            yield self.room
        finally:
            if was_locked:
                self.vault.lock()

    @contextmanager
    def db_transaction(self) -> Iterator[Mailroom]:
        """The mailroom inside one vault transaction (bulk setup in tests)."""
        with self.unlocked() as room, room.db.transaction():
            yield room

    @property
    def mailbox_id(self) -> str:
        with self.unlocked() as room:
            return room.mailbox_id


def create_profiles(
    base: Path, count: int, relay_url: str, policy: Policy | None = None, *, first: int = 0
) -> list[Peer]:
    policy = policy or Policy.from_raw(None)
    profiles = []
    for index in range(count):
        name, organisation = MISSIONS[first + index]
        root = base / f"profile-{index}"
        vault = init_profile(
            resolve_profile(root),
            ProfileInfo(name, organisation, relay_url),
            PASSPHRASE,
            policy,
            kdf=FAST_KDF,
        )
        profiles.append(Peer(name, root, vault, policy))
    introduce(profiles)
    return profiles


def introduce(profiles: Sequence[Peer]) -> None:
    """Every profile imports every other's card (as after exchanging QR codes)."""
    cards = [own_card(p.vault.db, p.policy) for p in profiles]
    for profile in profiles:
        book = ContactBook(profile.vault.db, profile.policy)
        for other, card in zip(profiles, cards, strict=True):
            if other is not profile:
                book.import_card(card)


@contextmanager
def profiles_at(
    base: Path, count: int, relay_url: str, policy: Policy | None = None, *, first: int = 0
) -> Iterator[list[Peer]]:
    profiles = create_profiles(base, count, relay_url, policy, first=first)
    try:
        yield profiles
    finally:
        for profile in profiles:
            profile.close()


def hand_deliver(profiles: Sequence[Peer]) -> int:
    """Move every pending outbox delivery straight into its recipient's receiver (no relay)."""
    by_mailbox = {p.room.mailbox_id: p for p in profiles}
    moved = 0
    progress = True
    while progress:
        progress = False
        for profile in profiles:
            room = profile.room
            room.messenger.flush_receipts()
            outbox = Outbox(room.db)
            pending = outbox.pending()
            for delivery in pending:
                target = by_mailbox[delivery.mailbox_id].room
                target.receiver.receive(delivery.envelope_id, delivery.data)
                moved += 1
            if pending:
                outbox.mark_deposited(pending)
                progress = True
    return moved


def insert_pdf(peer: Peer, pdf: bytes, title: str, source_name: str) -> int:
    """A restricted briefing whose attachment is ``pdf`` (any bytes), straight into the store."""
    return DocumentStore(peer.vault.db).insert(
        ParsedDocument(title, BodyFormat.PDF, title, title, pdf),
        kind=DocumentKind.BRIEFING,
        classification="RESTRICTED",
        event="Summit",
        language="en",
        author=None,
        tags=(),
        source_name=source_name,
    )


def sync_peer(peer: Peer) -> SyncReport:
    """One sync pass of the peer's profile, through the core."""
    with peer.unlocked() as room:
        engine = SyncEngine(room)
        try:
            return engine.sync_once()
        finally:
            engine.close()


def blob_descriptor(relay_url: str, plain_size: int, **changes: object) -> BlobDescriptor:
    """A descriptor as a sender writes it: random keys and checksum, ``relay_url`` as given."""
    fields: dict[str, object] = {
        "blob_id": secrets.token_hex(32),
        "relay_url": relay_url,
        "key": secrets.token_hex(32),
        "header": secrets.token_hex(24),
        "size": ciphertext_size(plain_size),
        "plain_size": plain_size,
        "sha256": secrets.token_hex(32),
        "filename": "annex.pdf",
    }
    fields.update(changes)
    return BlobDescriptor(**fields)  # type: ignore[arg-type]


def share_with_descriptor(sender: Peer, to: Peer, attachment: BlobDescriptor) -> str:
    """``sender`` shares a new document whose attachment descriptor is ``attachment``."""
    uid = new_uid()
    with sender.unlocked() as room, room.db.transaction() as db:
        recipient = room.directory.by_name(to.name)
        payload = DocumentPayload(
            uid=uid,
            revision=new_uid(),
            parent=None,
            kind="briefing",
            title="Annex",
            event=None,
            classification="RESTRICTED",
            language="en",
            author=None,
            tags=(),
            body_format="pdf",
            body="Annex",
            holders=tuple(sorted({room.sender.key, recipient.key})),
            attachment=attachment,
        )
        room.sender.enqueue(db, [recipient], content_type=DOCUMENT_TYPE, body=payload.to_bytes(),
                            kind="document", priority=Priority.DOCUMENT, ref=uid)  # fmt: skip
    return uid

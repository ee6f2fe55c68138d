"""Contact cards: a signed statement of who a mission is and how to reach it.

Binary layout (docs/PROTOCOL.md): ``"DLGC" 0x01 | fields(name, organisation, public identity,
relay URL, mailbox id, created) | signature(64) | org_signature_length(u8) | org_signature``.
The identity key signs everything before the signature; an organisation key may add its own
signature over the same bytes. The text form is ``DELEGATE-CARD:1:`` + base64url, short
enough for a QR code.
"""

from __future__ import annotations

import base64
import binascii
import struct
from dataclasses import dataclass, replace

from delegate_app.core.crypto.encoding import Reader, pack_fields
from delegate_app.core.crypto.errors import MalformedError, UnsupportedVersionError
from delegate_app.core.crypto.identity import (
    LocalIdentity,
    OrganisationKey,
    PublicIdentity,
    short_hash,
    verify_signature,
)

MAGIC = b"DLGC"
VERSION = 1
TEXT_PREFIX = "DELEGATE-CARD:1:"
CARD_LABEL = b"delegate-card-v1"
ORG_LABEL = b"delegate-org-card-v1"
MAX_TEXT_FIELD = 512


@dataclass(frozen=True)
class ContactCard:
    name: str
    organisation: str
    identity: PublicIdentity
    relay_url: str
    mailbox_id: str
    created: int
    signature: bytes
    org_signature: bytes | None = None

    def signed_bytes(self) -> bytes:
        return _signed_bytes(
            self.name, self.organisation, self.identity, self.relay_url, self.mailbox_id,
            self.created,
        )  # fmt: skip

    def verify(self) -> None:
        self.identity.verify()
        verify_signature(
            self.identity.identity_key, CARD_LABEL + self.signed_bytes(), self.signature
        )

    def verified_by_organisation(self, organisation_key_hex: str | None) -> bool:
        if not organisation_key_hex or self.org_signature is None:
            return False
        try:
            verify_signature(
                bytes.fromhex(organisation_key_hex),
                ORG_LABEL + self.signed_bytes(),
                self.org_signature,
            )
        except Exception:  # noqa: BLE001 - any failure means "not verified", never a crash
            return False
        return True

    def to_bytes(self) -> bytes:
        org = self.org_signature or b""
        return self.signed_bytes() + self.signature + bytes([len(org)]) + org

    def to_text(self) -> str:
        return TEXT_PREFIX + base64.urlsafe_b64encode(self.to_bytes()).decode("ascii").rstrip("=")


def _signed_bytes(
    name: str,
    organisation: str,
    identity: PublicIdentity,
    relay_url: str,
    mailbox_id: str,
    created: int,
) -> bytes:
    return (
        MAGIC
        + bytes([VERSION])
        + pack_fields(
            name.encode("utf-8"),
            organisation.encode("utf-8"),
            identity.to_bytes(),
            relay_url.encode("utf-8"),
            mailbox_id.encode("ascii"),
            struct.pack(">Q", created),
        )
    )


def make_card(
    identity: LocalIdentity, *, name: str, organisation: str, relay_url: str, created: int
) -> ContactCard:
    public = identity.public()
    body = _signed_bytes(
        name, organisation, public, relay_url, identity.mailbox.mailbox_id, created
    )
    return ContactCard(
        name=name,
        organisation=organisation,
        identity=public,
        relay_url=relay_url,
        mailbox_id=identity.mailbox.mailbox_id,
        created=created,
        signature=identity.sign(CARD_LABEL + body),
    )


def sign_card_for_organisation(card: ContactCard, organisation: OrganisationKey) -> ContactCard:
    """IT's countersignature: cards it signed show as verified by the organisation."""
    card.verify()
    return replace(card, org_signature=organisation.sign(ORG_LABEL + card.signed_bytes()))


def _text(raw: bytes, what: str) -> str:
    if len(raw) > MAX_TEXT_FIELD:
        raise MalformedError(f"The card's {what} is too long.")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedError(f"The card's {what} is not text.") from None


def parse_card(data: bytes) -> ContactCard:
    """Parse and verify a card. Tampered or truncated cards raise a typed CryptoError."""
    reader = Reader(data)
    if reader.take(4) != MAGIC:
        raise MalformedError("This is not a Delegate contact card.")
    version = reader.u8()
    if version != VERSION:
        raise UnsupportedVersionError(f"Contact card version {version} is not supported.")
    name = _text(reader.field(MAX_TEXT_FIELD), "name").strip()
    organisation = _text(reader.field(MAX_TEXT_FIELD), "organisation").strip()
    identity = PublicIdentity.from_bytes(reader.field(128))
    relay_url = _text(reader.field(MAX_TEXT_FIELD), "relay URL")
    mailbox_id = _text(reader.field(64), "mailbox id")
    created_raw = reader.field(8)
    if len(created_raw) != 8:
        raise MalformedError("The card's date is malformed.")
    signature = reader.take(64)
    org_length = reader.u8()
    org_signature = reader.take(org_length) if org_length else None
    reader.done()
    if not name:
        raise MalformedError("The card has no name.")
    if len(mailbox_id) != 64 or any(c not in "0123456789abcdef" for c in mailbox_id):
        raise MalformedError("The card's mailbox id is malformed.")
    if org_signature is not None and len(org_signature) != 64:
        raise MalformedError("The card's organisation signature is malformed.")
    card = ContactCard(
        name=name,
        organisation=organisation,
        identity=identity,
        relay_url=relay_url,
        mailbox_id=mailbox_id,
        created=int(struct.unpack(">Q", created_raw)[0]),
        signature=signature,
        org_signature=org_signature,
    )
    if card.signed_bytes() != data[: len(card.signed_bytes())]:
        raise MalformedError("The card is not in canonical form.")
    card.verify()
    return card


def card_from_text(text: str) -> ContactCard:
    cleaned = "".join(text.split())
    if not cleaned.startswith(TEXT_PREFIX):
        raise MalformedError("This is not a Delegate contact card.")
    payload = cleaned[len(TEXT_PREFIX) :]
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    except (binascii.Error, ValueError):
        raise MalformedError("The card text is damaged.") from None
    return parse_card(raw)


def safety_number(key_a: bytes, key_b: bytes) -> str:
    """60 digits in groups of five, the same on both sides (the keys are taken in sorted order)."""
    digits = []
    for key in sorted((key_a, key_b)):
        digest = short_hash(key, b"dlg-safety-num", 30)
        for i in range(0, 30, 5):
            digits.append(f"{int.from_bytes(digest[i : i + 5], 'big') % 100000:05d}")
    return " ".join(digits)

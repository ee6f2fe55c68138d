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
import unicodedata
from dataclasses import dataclass, replace

from delegate_app.core.crypto.encoding import Reader, pack_fields
from delegate_app.core.crypto.errors import (
    BadSignatureError,
    MalformedError,
    UnsupportedVersionError,
)
from delegate_app.core.crypto.identity import (
    LocalIdentity,
    OrganisationKey,
    PublicIdentity,
    short_hash,
    verify_signature,
)
from delegate_app.i18n import _

MAGIC = b"DLGC"
VERSION = 1
TEXT_PREFIX = "DELEGATE-CARD:1:"
CARD_LABEL = b"delegate-card-v1"
ORG_LABEL = b"delegate-org-card-v1"
MAX_TEXT_FIELD = 512
MAX_CARD_TEXT = 4096
# Characters that could make one name look like another or reorder the text around it.
# Every format character (category Cf: bidirectional marks, embeddings, overrides and isolates,
# zero-width space, word joiner, invisible operators, soft hyphen, byte-order mark, tags…)
# is refused but ZERO WIDTH NON-JOINER and ZERO WIDTH JOINER, which Persian and Indic names
# need; so are the other invisible "default ignorable" letters: the combining grapheme joiner,
# the Hangul fillers and the Khmer inherent vowels. Variation selectors stay (CJK, emoji).
_FORMAT_CHARACTERS_ALLOWED_IN_NAMES = frozenset("\u200c\u200d")
_FORBIDDEN_IN_NAMES = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0")
_FORBIDDEN_CATEGORIES = frozenset(("Cc", "Cs", "Cf", "Zl", "Zp"))  # Zl, Zp: line breaks


def _forbidden_in_names(c: str) -> bool:
    if c in _FORMAT_CHARACTERS_ALLOWED_IN_NAMES:
        return False
    return c in _FORBIDDEN_IN_NAMES or unicodedata.category(c) in _FORBIDDEN_CATEGORIES


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
        """Raise a CryptoError unless the card is well formed and signed by its identity key."""
        check_card_fields(self.name, self.organisation, self.relay_url, self.mailbox_id)
        self.identity.verify()
        self.identity.check_usable()
        verify_signature(
            self.identity.identity_key, CARD_LABEL + self.signed_bytes(), self.signature
        )

    def verified_by_organisation(self, organisation_key_hex: str | None) -> bool:
        if not organisation_key_hex or self.org_signature is None:
            return False
        try:
            organisation_key = bytes.fromhex(organisation_key_hex)
            verify_signature(organisation_key, ORG_LABEL + self.signed_bytes(), self.org_signature)
        except (ValueError, BadSignatureError):
            return False
        return True

    def to_bytes(self) -> bytes:
        org = self.org_signature or b""
        return self.signed_bytes() + self.signature + bytes([len(org)]) + org

    def to_text(self) -> str:
        return card_text(self.to_bytes())


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


def _check_text(value: str, what: str, *, required: bool = False) -> None:
    if len(value.encode("utf-8")) > MAX_TEXT_FIELD:
        raise MalformedError(_("The card's {field} is too long.").format(field=what))
    if value != value.strip() or (required and not value):
        raise MalformedError(_("The card's {field} is empty or padded.").format(field=what))
    if any(_forbidden_in_names(c) for c in value):
        raise MalformedError(
            _("The card's {field} contains control characters.").format(field=what)
        )


def check_card_fields(name: str, organisation: str, relay_url: str, mailbox_id: str) -> None:
    """Raise MalformedError for a field no card may carry (see docs/PROTOCOL.md, section 2)."""
    _check_text(name, _("name"), required=True)
    _check_text(organisation, _("organisation"))
    _check_text(relay_url, _("relay URL"))
    if relay_url and (
        not relay_url.startswith(("https://", "http://")) or any(c.isspace() for c in relay_url)
    ):
        raise MalformedError(_("The card's relay URL is not an http(s) address."))
    if len(mailbox_id) != 64 or any(c not in "0123456789abcdef" for c in mailbox_id):
        raise MalformedError(_("The card's mailbox id is malformed."))


def make_card(
    identity: LocalIdentity, *, name: str, organisation: str, relay_url: str, created: int
) -> ContactCard:
    """This identity's card, signed by its identity key. Raises MalformedError for bad fields."""
    name, organisation, relay_url = name.strip(), organisation.strip(), relay_url.strip()
    check_card_fields(name, organisation, relay_url, identity.mailbox.mailbox_id)
    if not 0 <= created < 2**64:
        raise MalformedError(_("The card's date is out of range."))
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


def _text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedError(_("The card contains text that is not UTF-8.")) from None


def parse_card(data: bytes) -> ContactCard:
    """Parse and verify a binary card.

    Wrong magic, a truncated or padded card, a bad field, an altered byte or a signature
    that does not verify all raise a typed :class:`CryptoError` (never anything else).
    """
    reader = Reader(data)
    if reader.take(4) != MAGIC:
        raise MalformedError(_("This is not a Delegate contact card."))
    version = reader.u8()
    if version != VERSION:
        raise UnsupportedVersionError(
            _("Contact card version {version} is not supported.").format(version=version)
        )
    name = _text(reader.field(MAX_TEXT_FIELD))
    organisation = _text(reader.field(MAX_TEXT_FIELD))
    identity = PublicIdentity.from_bytes(reader.field(128))
    relay_url = _text(reader.field(MAX_TEXT_FIELD))
    mailbox_id = _text(reader.field(64))
    created_raw = reader.field(8)
    if len(created_raw) != 8:
        raise MalformedError(_("The card's date is malformed."))
    signature = reader.take(64)
    org_length = reader.u8()
    if org_length not in (0, 64):
        raise MalformedError(_("The card's organisation signature is malformed."))
    org_signature = reader.take(org_length) if org_length else None
    reader.done()
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
    card.verify()
    return card


def card_from_text(text: str) -> ContactCard:
    """Parse and verify the text form ``DELEGATE-CARD:1:<base64url>`` (whitespace ignored)."""
    if len(text) > MAX_CARD_TEXT:
        raise MalformedError(_("The card text is too long."))
    cleaned = "".join(text.split())
    if not cleaned.startswith(TEXT_PREFIX):
        if cleaned.startswith("DELEGATE-CARD:"):
            raise UnsupportedVersionError(_("This contact card version is not supported."))
        raise MalformedError(_("This is not a Delegate contact card."))
    payload = cleaned[len(TEXT_PREFIX) :]
    try:
        raw = base64.b64decode(payload + "=" * (-len(payload) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise MalformedError(_("The card text is damaged.")) from None
    if card_text(raw) != TEXT_PREFIX + payload:
        raise MalformedError(_("The card text is damaged."))
    return parse_card(raw)


def card_text(raw: bytes) -> str:
    return TEXT_PREFIX + base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def parse_any_card(data: bytes) -> ContactCard:
    """A card given either as binary (starting with ``DLGC``) or as its text form."""
    if data.startswith(MAGIC):
        return parse_card(data)
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise MalformedError(_("This is not a Delegate contact card.")) from None
    return card_from_text(text)


def safety_number(key_a: bytes, key_b: bytes) -> str:
    """60 digits in groups of five, the same on both sides (the keys are taken in sorted order)."""
    digits = []
    for key in sorted((key_a, key_b)):
        digest = short_hash(key, b"dlg-safety-num", 30)
        for i in range(0, 30, 5):
            digits.append(f"{int.from_bytes(digest[i : i + 5], 'big') % 100000:05d}")
    return " ".join(digits)

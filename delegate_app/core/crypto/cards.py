"""Contact cards: a signed statement of who a mission is and how to reach it.

Binary layout (docs/PROTOCOL.md): ``"DLGC" version | fields(name, organisation, public
identity, relay URL, mailbox id, created[, deposit token[, session key, binding signature,
fallback key, fallback signature]]) | signature(64) | org_signature_length(u8) |
org_signature``. Version 2 adds the deposit token, the capability that lets the card's holders
deposit to the mailbox (ADR 0017); version 3 adds the Olm session key and a signed fallback key,
so a holder can start a forward-secret session offline (ADR 0029). Versions 1 and 2 stay
readable. The identity key signs everything before the signature; an organisation
key may add its own signature over the same bytes. The text form is ``DELEGATE-CARD:<version>:``
+ base64url, short enough for a QR code.
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
    KEY_BYTES,
    SIGNATURE_BYTES,
    LocalIdentity,
    OrganisationKey,
    PublicIdentity,
    short_hash,
    verify_signature,
)
from delegate_app.core.crypto.ratchet import RatchetAccount, SessionBinding, SignedPrekey
from delegate_app.i18n import _

MAGIC = b"DLGC"
VERSION = 1  # a card without deposit token
VERSION_TOKEN = 2  # a card with one
VERSION_RATCHET = 3  # a card with a token and the keys to start an Olm session
VERSIONS = (VERSION, VERSION_TOKEN, VERSION_RATCHET)
TEXT_PREFIX = "DELEGATE-CARD:1:"
TEXT_PREFIXES = {
    VERSION: TEXT_PREFIX,
    VERSION_TOKEN: "DELEGATE-CARD:2:",
    VERSION_RATCHET: "DELEGATE-CARD:3:",
}
CARD_LABEL = b"delegate-card-v1"
ORG_LABEL = b"delegate-org-card-v1"
CARD_LABELS = {
    VERSION: CARD_LABEL,
    VERSION_TOKEN: b"delegate-card-v2",
    VERSION_RATCHET: b"delegate-card-v3",
}
ORG_LABELS = {
    VERSION: ORG_LABEL,
    VERSION_TOKEN: b"delegate-org-card-v2",
    VERSION_RATCHET: b"delegate-org-card-v3",
}
DEPOSIT_TOKEN_BYTES = 32
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
class CardRatchet:
    """A version 3 card's session keys: the Olm session key bound to the identity key, and a
    signed fallback key a holder starts a session from when it has claimed no one-time key."""

    binding: SessionBinding
    fallback: SignedPrekey

    @property
    def session_key(self) -> bytes:
        return self.binding.session_key

    @classmethod
    def of(cls, account: RatchetAccount, identity: LocalIdentity) -> CardRatchet:
        return cls(account.binding(identity), account.signed_fallback(identity))

    def fields(self) -> list[bytes]:
        return [self.binding.session_key, self.binding.signature, self.fallback.key,
                self.fallback.signature]  # fmt: skip

    def verify(self, identity_key: bytes) -> None:
        """Raise a CryptoError unless both keys are signed by ``identity_key``."""
        self.binding.verify(identity_key)
        self.fallback.verify(identity_key, self.binding.session_key)


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
    #: The capability to deposit to ``mailbox_id`` (32 bytes; version 2 cards). Every holder
    #: of the card has it; the relay knows only its verifier (docs/PROTOCOL.md §2.1).
    deposit_token: bytes | None = None
    #: The keys to start an Olm session (version 3 cards, which also have a deposit token).
    ratchet: CardRatchet | None = None

    @property
    def version(self) -> int:
        return _version(self.deposit_token, self.ratchet)

    def signed_bytes(self) -> bytes:
        return _signed_bytes(
            self.name, self.organisation, self.identity, self.relay_url, self.mailbox_id,
            self.created, self.deposit_token, self.ratchet,
        )  # fmt: skip

    def verify(self) -> None:
        """Raise a CryptoError unless the card is well formed and signed by its identity key."""
        check_card_fields(self.name, self.organisation, self.relay_url, self.mailbox_id)
        if self.deposit_token is not None and len(self.deposit_token) != DEPOSIT_TOKEN_BYTES:
            raise MalformedError(_("The card's deposit token is malformed."))
        if self.ratchet is not None and self.deposit_token is None:
            raise MalformedError(_("A card with session keys needs a deposit token."))
        self.identity.verify()
        self.identity.check_usable()
        if self.ratchet is not None:
            self.ratchet.verify(self.identity.identity_key)
        verify_signature(
            self.identity.identity_key,
            CARD_LABELS[self.version] + self.signed_bytes(),
            self.signature,
        )

    def verified_by_organisation(self, organisation_key_hex: str | None) -> bool:
        if not organisation_key_hex or self.org_signature is None:
            return False
        try:
            organisation_key = bytes.fromhex(organisation_key_hex)
            verify_signature(
                organisation_key, ORG_LABELS[self.version] + self.signed_bytes(),
                self.org_signature,
            )  # fmt: skip
        except (ValueError, BadSignatureError):
            return False
        return True

    def to_bytes(self) -> bytes:
        org = self.org_signature or b""
        return self.signed_bytes() + self.signature + bytes([len(org)]) + org

    def to_text(self) -> str:
        return card_text(self.to_bytes())


def _version(deposit_token: bytes | None, ratchet: CardRatchet | None) -> int:
    if ratchet is not None:
        return VERSION_RATCHET
    return VERSION if deposit_token is None else VERSION_TOKEN


def _signed_bytes(
    name: str,
    organisation: str,
    identity: PublicIdentity,
    relay_url: str,
    mailbox_id: str,
    created: int,
    deposit_token: bytes | None = None,
    ratchet: CardRatchet | None = None,
) -> bytes:
    fields = [
        name.encode("utf-8"),
        organisation.encode("utf-8"),
        identity.to_bytes(),
        relay_url.encode("utf-8"),
        mailbox_id.encode("ascii"),
        struct.pack(">Q", created),
    ]
    if deposit_token is not None:
        fields.append(deposit_token)
    if ratchet is not None:
        fields.extend(ratchet.fields())
    return MAGIC + bytes([_version(deposit_token, ratchet)]) + pack_fields(*fields)


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
    identity: LocalIdentity,
    *,
    name: str,
    organisation: str,
    relay_url: str,
    created: int,
    deposit_token: bytes | None = None,
    ratchet: CardRatchet | None = None,
) -> ContactCard:
    """This identity's card, signed by its identity key. Raises MalformedError for bad fields.

    With ``deposit_token`` and ``ratchet`` (:meth:`CardRatchet.of` the profile's account) the
    card is version 3, what profiles hand out; with the token alone version 2 (a profile without
    a ratchet account yet); with neither, version 1.
    """
    name, organisation, relay_url = name.strip(), organisation.strip(), relay_url.strip()
    check_card_fields(name, organisation, relay_url, identity.mailbox.mailbox_id)
    if not 0 <= created < 2**64:
        raise MalformedError(_("The card's date is out of range."))
    if deposit_token is not None and len(deposit_token) != DEPOSIT_TOKEN_BYTES:
        raise MalformedError(_("The card's deposit token is malformed."))
    if ratchet is not None and deposit_token is None:
        raise MalformedError(_("A card with session keys needs a deposit token."))
    public = identity.public()
    body = _signed_bytes(
        name, organisation, public, relay_url, identity.mailbox.mailbox_id, created,
        deposit_token, ratchet,
    )  # fmt: skip
    version = _version(deposit_token, ratchet)
    return ContactCard(
        name=name,
        organisation=organisation,
        identity=public,
        relay_url=relay_url,
        mailbox_id=identity.mailbox.mailbox_id,
        created=created,
        signature=identity.sign(CARD_LABELS[version] + body),
        deposit_token=deposit_token,
        ratchet=ratchet,
    )


def sign_card_for_organisation(card: ContactCard, organisation: OrganisationKey) -> ContactCard:
    """IT's countersignature: cards it signed show as verified by the organisation."""
    card.verify()
    label = ORG_LABELS[card.version]
    return replace(card, org_signature=organisation.sign(label + card.signed_bytes()))


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
    if version not in VERSIONS:
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
    deposit_token = None
    if version in (VERSION_TOKEN, VERSION_RATCHET):
        deposit_token = reader.field(DEPOSIT_TOKEN_BYTES)
        if len(deposit_token) != DEPOSIT_TOKEN_BYTES:
            raise MalformedError(_("The card's deposit token is malformed."))
    ratchet = _read_ratchet(reader) if version == VERSION_RATCHET else None
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
        deposit_token=deposit_token,
        ratchet=ratchet,
    )
    card.verify()
    return card


def _read_ratchet(reader: Reader) -> CardRatchet:
    sizes = (KEY_BYTES, SIGNATURE_BYTES, KEY_BYTES, SIGNATURE_BYTES)
    values = [reader.field(size) for size in sizes]
    if any(len(value) != size for value, size in zip(values, sizes, strict=True)):
        raise MalformedError(_("The card's session keys are malformed."))
    session_key, binding_signature, fallback_key, fallback_signature = values
    return CardRatchet(
        SessionBinding(session_key, binding_signature),
        SignedPrekey(fallback_key, fallback_signature, one_time=False),
    )


def card_from_text(text: str) -> ContactCard:
    """Parse and verify the text form ``DELEGATE-CARD:<1|2|3>:<base64url>`` (whitespace ignored).

    The version in the prefix must be the binary card's.
    """
    if len(text) > MAX_CARD_TEXT:
        raise MalformedError(_("The card text is too long."))
    cleaned = "".join(text.split())
    prefix = next((p for p in TEXT_PREFIXES.values() if cleaned.startswith(p)), None)
    if prefix is None:
        if cleaned.startswith("DELEGATE-CARD:"):
            raise UnsupportedVersionError(_("This contact card version is not supported."))
        raise MalformedError(_("This is not a Delegate contact card."))
    payload = cleaned[len(prefix) :]
    try:
        raw = base64.b64decode(payload + "=" * (-len(payload) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise MalformedError(_("The card text is damaged.")) from None
    if card_text(raw) != prefix + payload:
        raise MalformedError(_("The card text is damaged."))
    return parse_card(raw)


def card_text(raw: bytes) -> str:
    """The text form; its prefix names the card's version (byte 4), ``1`` if it is unknown."""
    prefix = TEXT_PREFIXES.get(raw[4] if len(raw) > 4 else VERSION, TEXT_PREFIX)
    return prefix + base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


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

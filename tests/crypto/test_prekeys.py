"""Prekey bundles: build, claim, and every refusal of the claimer as an attack."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from delegate_app.core.crypto.errors import (
    PrekeyDecryptionError,
    PrekeyError,
    PrekeyIdentityError,
    PrekeyMalformedError,
    PrekeySignatureError,
)
from delegate_app.core.crypto.identity import LocalIdentity
from delegate_app.core.crypto.prekeys import (
    ITEM_BYTES,
    MAX_HEADER_BYTES,
    bundle_header,
    bundle_item,
    bundle_key,
    new_item_id,
    open_claim,
)
from delegate_app.core.crypto.ratchet import (
    BINDING_LABEL,
    RatchetAccount,
    SessionBinding,
    SignedPrekey,
)

TOKEN = bytes(range(32))
CREATED = 1_800_000_000


class Owner:
    def __init__(self) -> None:
        self.identity = LocalIdentity.generate()
        self.account = RatchetAccount.create()
        self.mailbox_id = self.identity.mailbox.mailbox_id
        self.identity_key = self.identity.public().identity_key

    def header(self, token: bytes = TOKEN, **changes: object) -> bytes:
        args: dict[str, object] = {
            "identity": self.identity,
            "binding": self.account.binding(self.identity),
            "fallback": self.account.signed_fallback(self.identity),
            "token": token,
            "mailbox_id": self.mailbox_id,
            "created": CREATED,
        }
        args.update(changes)
        return bundle_header(**args)  # type: ignore[arg-type]

    def item(self, item_id: str | None = None) -> tuple[str, bytes]:
        item_id = item_id or new_item_id()
        key = self.account.new_one_time_keys(self.identity, 1)[0]
        return item_id, bundle_item(key, TOKEN, self.mailbox_id, item_id)


def test_claim_round_trip_and_a_session_starts_from_it() -> None:
    owner = Owner()
    header, item = owner.header(), owner.item()
    assert len(header) == 301 and len(item[1]) == ITEM_BYTES
    claimed = open_claim(header, item, TOKEN, owner.mailbox_id, owner.identity_key)
    assert claimed.one_time and claimed.created == CREATED
    assert claimed.session_key == owner.account.session_key
    sender = RatchetAccount.create()
    _olm_type, ciphertext = sender.outbound(claimed.session_key, claimed.prekey).encrypt(b"hi")
    assert owner.account.inbound(sender.session_key, ciphertext)[1] == b"hi"
    fallback = open_claim(header, None, TOKEN, owner.mailbox_id, owner.identity_key)
    assert not fallback.one_time and fallback.prekey == owner.account.fallback_key


def test_attack_bundle_for_another_identity() -> None:
    """A card holder (or the relay replaying another mailbox's bytes under this token) offers a
    bundle made by someone else for this mailbox: its identity is not the card's."""
    owner, impostor = Owner(), Owner()
    forged = impostor.header(mailbox_id=owner.mailbox_id)
    with pytest.raises(PrekeyIdentityError):
        open_claim(forged, None, TOKEN, owner.mailbox_id, owner.identity_key)


def test_attack_header_of_another_mailbox() -> None:
    owner, other = Owner(), Owner()
    with pytest.raises(PrekeyDecryptionError):
        open_claim(other.header(), None, TOKEN, owner.mailbox_id, owner.identity_key)


def test_attack_item_from_another_mailbox_or_item_id() -> None:
    owner, other = Owner(), Owner()
    header = owner.header()
    item_id, sealed = other.item()
    with pytest.raises(PrekeyDecryptionError):
        open_claim(header, (item_id, sealed), TOKEN, owner.mailbox_id, owner.identity_key)
    item_id, sealed = owner.item()
    with pytest.raises(PrekeyDecryptionError):
        open_claim(header, (new_item_id(), sealed), TOKEN, owner.mailbox_id, owner.identity_key)


def test_attack_wrong_token() -> None:
    owner = Owner()
    with pytest.raises(PrekeyDecryptionError):
        open_claim(owner.header(), None, bytes(32), owner.mailbox_id, owner.identity_key)


def test_attack_bad_signatures() -> None:
    owner, eve = Owner(), Owner()
    session_key = owner.account.session_key
    forged_binding = SessionBinding(session_key, eve.identity.sign(BINDING_LABEL + session_key))
    with pytest.raises(PrekeySignatureError):
        open_claim(owner.header(binding=forged_binding), None, TOKEN, owner.mailbox_id,
                   owner.identity_key)  # fmt: skip
    fallback = owner.account.signed_fallback(owner.identity)
    foreign = eve.account.signed_fallback(eve.identity)
    with pytest.raises(PrekeySignatureError):
        open_claim(owner.header(fallback=SignedPrekey(fallback.key, foreign.signature)), None,
                   TOKEN, owner.mailbox_id, owner.identity_key)  # fmt: skip
    # A one-time key signed for another session key (an older account's) is refused too.
    stale = RatchetAccount.create().new_one_time_keys(owner.identity, 1)[0]
    item_id = new_item_id()
    sealed = bundle_item(stale, TOKEN, owner.mailbox_id, item_id)
    with pytest.raises(PrekeySignatureError):
        open_claim(owner.header(), (item_id, sealed), TOKEN, owner.mailbox_id,
                   owner.identity_key)  # fmt: skip


def test_sizes_and_ids_are_bounded() -> None:
    owner = Owner()
    header, (item_id, sealed) = owner.header(), owner.item()
    args = (TOKEN, owner.mailbox_id, owner.identity_key)
    for bad_header in (b"", header[:40], header + bytes(MAX_HEADER_BYTES)):
        with pytest.raises(PrekeyError):
            open_claim(bad_header, None, *args)
    for bad_item in ((item_id.upper(), sealed), (item_id, sealed + bytes(200)), (item_id, b"x")):
        with pytest.raises(PrekeyError):
            open_claim(header, bad_item, *args)
    with pytest.raises(PrekeyMalformedError):
        bundle_key(b"short")
    with pytest.raises(PrekeyMalformedError):
        open_claim(header, None, TOKEN, "not-a-mailbox", owner.identity_key)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=1100), st.text(max_size=40), st.binary(max_size=300))
def test_open_claim_raises_only_prekey_errors_on_junk(header: bytes, item_id: str,
                                                      item: bytes) -> None:  # fmt: skip
    with pytest.raises(PrekeyError):
        open_claim(header, None, TOKEN, _OWNER.mailbox_id, _OWNER.identity_key)
    with pytest.raises(PrekeyError):
        open_claim(_HEADER, (item_id, item), TOKEN, _OWNER.mailbox_id, _OWNER.identity_key)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 300), st.integers(1, 255))
def test_flipped_header_bytes_are_refused(position: int, xor: int) -> None:
    tampered = bytearray(_HEADER)
    tampered[position % len(tampered)] ^= xor
    with pytest.raises(PrekeyDecryptionError):
        open_claim(bytes(tampered), None, TOKEN, _OWNER.mailbox_id, _OWNER.identity_key)


_OWNER = Owner()
_HEADER = _OWNER.header()

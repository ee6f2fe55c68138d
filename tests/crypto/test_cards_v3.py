"""Contact cards version 3: the session key and signed fallback key, and only typed errors."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from delegate_app.core.crypto.cards import (
    CardRatchet,
    card_from_text,
    make_card,
    parse_card,
    sign_card_for_organisation,
)
from delegate_app.core.crypto.errors import BadSignatureError, MalformedError
from delegate_app.core.crypto.identity import LocalIdentity, OrganisationKey
from delegate_app.core.crypto.ratchet import (
    BINDING_LABEL,
    RatchetAccount,
    SessionBinding,
    SignedPrekey,
)
from delegate_app.core.errors import CryptoError

TOKEN = bytes(range(32))


def _card(identity: LocalIdentity, account: RatchetAccount) -> bytes:
    return make_card(
        identity, name="Amina Haddad", organisation="Mission", relay_url="https://relay.example",
        created=5, deposit_token=TOKEN, ratchet=CardRatchet.of(account, identity),
    ).to_bytes()  # fmt: skip


def test_version_3_round_trips_and_a_sender_starts_a_session_from_it() -> None:
    identity, account = LocalIdentity.generate(), RatchetAccount.create()
    card = make_card(identity, name="Amina", organisation="", relay_url="", created=5,
                     deposit_token=TOKEN, ratchet=CardRatchet.of(account, identity))  # fmt: skip
    assert card.version == 3
    text = card.to_text()
    assert text.startswith("DELEGATE-CARD:3:") and len(text) < 1000
    parsed = card_from_text(text)
    assert parsed == card and parsed.ratchet is not None
    assert parsed.ratchet.session_key == account.session_key
    sender = RatchetAccount.create()
    session = sender.outbound(parsed.ratchet.session_key, parsed.ratchet.fallback.key)
    _olm_type, ciphertext = session.encrypt(b"offline start")
    assert account.inbound(sender.session_key, ciphertext)[1] == b"offline start"


def test_callers_without_an_account_still_write_versions_1_and_2() -> None:
    identity = LocalIdentity.generate()
    plain = make_card(identity, name="A", organisation="", relay_url="", created=1)
    token = make_card(identity, name="A", organisation="", relay_url="", created=1,
                      deposit_token=TOKEN)  # fmt: skip
    assert (plain.version, token.version) == (1, 2)
    assert plain.ratchet is None and parse_card(token.to_bytes()).ratchet is None
    with pytest.raises(MalformedError):
        make_card(identity, name="A", organisation="", relay_url="", created=1,
                  ratchet=CardRatchet.of(RatchetAccount.create(), identity))  # fmt: skip


def test_the_card_signature_covers_the_session_keys() -> None:
    identity, account = LocalIdentity.generate(), RatchetAccount.create()
    card = parse_card(_card(identity, account))
    assert card.ratchet is not None
    other = CardRatchet.of(RatchetAccount.create(), identity)  # validly signed, not this card's
    with pytest.raises(BadSignatureError):
        replace(card, ratchet=other).verify()
    with pytest.raises(BadSignatureError):  # downgraded to version 2 under the v3 signature
        parse_card(replace(card, ratchet=None).to_bytes())


def test_session_keys_not_signed_by_the_identity_are_refused() -> None:
    identity, eve = LocalIdentity.generate(), LocalIdentity.generate()
    account = RatchetAccount.create()
    session_key = account.session_key
    forged_binding = SessionBinding(session_key, eve.sign(BINDING_LABEL + session_key))
    fallback = account.signed_fallback(identity)
    foreign_fallback = account.signed_fallback(eve)
    for ratchet in (
        CardRatchet(forged_binding, fallback),
        CardRatchet(account.binding(identity), SignedPrekey(fallback.key,
                                                            foreign_fallback.signature)),
    ):  # fmt: skip
        card = make_card(identity, name="A", organisation="", relay_url="", created=1,
                         deposit_token=TOKEN, ratchet=ratchet)  # fmt: skip
        with pytest.raises(BadSignatureError):
            parse_card(card.to_bytes())


def test_organisation_countersigns_version_3() -> None:
    identity, account = LocalIdentity.generate(), RatchetAccount.create()
    organisation = OrganisationKey.generate()
    signed = sign_card_for_organisation(parse_card(_card(identity, account)), organisation)
    assert parse_card(signed.to_bytes()).verified_by_organisation(organisation.public_hex)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 900), st.integers(1, 255))
def test_mutated_version_3_cards_raise_only_typed_errors(position: int, xor: int) -> None:
    tampered = bytearray(_V3)
    tampered[position % len(tampered)] ^= xor
    with pytest.raises(CryptoError):
        parse_card(bytes(tampered))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=900))
def test_junk_after_the_version_3_magic_raises_only_typed_errors(data: bytes) -> None:
    with pytest.raises(CryptoError):
        parse_card(b"DLGC\x03" + data)
    with pytest.raises(CryptoError):
        parse_card(_V3[: len(data) % len(_V3)])


_V3 = _card(LocalIdentity.generate(), RatchetAccount.create())

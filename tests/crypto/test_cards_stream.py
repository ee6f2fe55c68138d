"""Contact cards, safety numbers, organisation countersignatures and chunked streams."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from delegate_app.core.crypto.cards import (
    ContactCard,
    card_from_text,
    make_card,
    parse_card,
    safety_number,
    sign_card_for_organisation,
)
from delegate_app.core.crypto.errors import StreamError
from delegate_app.core.crypto.identity import LocalIdentity, OrganisationKey
from delegate_app.core.crypto.stream import (
    StreamDecryptor,
    decrypt_all,
    encrypt_chunks,
    new_stream_key,
)
from delegate_app.core.errors import CryptoError
from tests.faults.report import tried


def _card(name: str = "Amina Haddad") -> tuple[LocalIdentity, ContactCard]:
    identity = LocalIdentity.generate()
    card = make_card(
        identity, name=name, organisation="Mission of Freedonia",
        relay_url="https://relay.example", created=1_800_000_000,
    )  # fmt: skip
    return identity, card


def test_card_text_round_trip_and_qr_size() -> None:
    identity, card = _card("أمينة حداد")
    text = card.to_text()
    parsed = card_from_text(text)
    assert parsed == card
    assert parsed.mailbox_id == identity.mailbox.mailbox_id
    assert len(text) < 600  # fits a QR code at medium error correction


def test_every_tampered_byte_or_truncation_is_refused() -> None:
    _, card = _card()
    raw = card.to_bytes()
    for index in range(len(raw)):
        damaged = bytearray(raw)
        damaged[index] ^= 0x20
        with pytest.raises(CryptoError):
            parse_card(bytes(damaged))
    for cut in range(0, len(raw), 7):
        with pytest.raises(CryptoError):
            parse_card(raw[:cut])


def test_safety_number_same_on_both_sides() -> None:
    a, b = LocalIdentity.generate(), LocalIdentity.generate()
    ka, kb = a.public().identity_key, b.public().identity_key
    number = safety_number(ka, kb)
    assert number == safety_number(kb, ka)
    digits = number.replace(" ", "")
    assert digits.isdigit() and len(digits) == 60
    assert number != safety_number(ka, LocalIdentity.generate().public().identity_key)


def test_organisation_countersignature() -> None:
    org, other = OrganisationKey.generate(), OrganisationKey.generate()
    _, card = _card()
    signed = sign_card_for_organisation(card, org)
    reparsed = card_from_text(signed.to_text())
    assert reparsed.verified_by_organisation(org.public_hex)
    assert not reparsed.verified_by_organisation(other.public_hex)
    assert not card.verified_by_organisation(org.public_hex)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_card_parser_never_crashes(data: bytes) -> None:
    tried("contact card, binary file form")
    with pytest.raises(CryptoError):
        parse_card(data)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_card_text_parser_never_crashes(text: str) -> None:
    tried("contact card, text form")
    with pytest.raises(CryptoError):
        card_from_text(text)


def _stream(parts: list[bytes]) -> tuple[bytes, bytes, list[bytes]]:
    key = new_stream_key()
    header, chunks = encrypt_chunks(key, iter(parts))
    return key, header, list(chunks)


def test_stream_round_trip_and_resume() -> None:
    parts = [bytes([i]) * 1000 for i in range(5)]
    key, header, chunks = _stream(parts)
    assert decrypt_all(key, header, chunks) == b"".join(parts)
    # Resume: a fresh decryptor replays what was stored, then continues.
    first = StreamDecryptor(key, header)
    stored = [first.decrypt_chunk(c)[0] for c in chunks[:2]]
    resumed = StreamDecryptor(key, header)
    for chunk in chunks[:2]:
        resumed.decrypt_chunk(chunk)
    rest = [resumed.decrypt_chunk(c)[0] for c in chunks[2:]]
    assert b"".join(stored + rest) == b"".join(parts) and resumed.finished


def test_stream_truncation_reordering_tampering_detected() -> None:
    key, header, chunks = _stream([b"a" * 100, b"b" * 100, b"c" * 100])
    with pytest.raises(StreamError, match="truncated"):
        decrypt_all(key, header, chunks[:-1])
    with pytest.raises(StreamError):
        decrypt_all(key, header, [chunks[1], chunks[0], chunks[2]])
    tampered = bytearray(chunks[1])
    tampered[5] ^= 1
    with pytest.raises(StreamError):
        decrypt_all(key, header, [chunks[0], bytes(tampered), chunks[2]])
    with pytest.raises(StreamError):
        decrypt_all(key, header, [*chunks, chunks[2]])
    with pytest.raises(StreamError):
        decrypt_all(new_stream_key(), header, chunks)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=100), st.binary(min_size=24, max_size=24))
def test_stream_parser_never_crashes(chunk: bytes, header: bytes) -> None:
    tried("stream chunk (secretstream)")
    with pytest.raises(StreamError):
        StreamDecryptor(new_stream_key(), header).decrypt_chunk(chunk)

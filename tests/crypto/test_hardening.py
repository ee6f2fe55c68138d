"""Hostile input: small-order keys, typed errors everywhere, canonical encodings, test vectors."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from delegate_app.core.crypto.cards import (
    CARD_LABEL,
    TEXT_PREFIX,
    card_from_text,
    card_text,
    make_card,
    parse_any_card,
    parse_card,
    safety_number,
)
from delegate_app.core.crypto.envelope import (
    MAGIC,
    MAX_BODY,
    NONCE_BYTES,
    SLOT_BYTES,
    open_envelope,
    peek_envelope_id,
    seal,
)
from delegate_app.core.crypto.errors import (
    EnvelopeDecryptionError,
    EnvelopeError,
    EnvelopeMalformedError,
    EnvelopeSignatureError,
    EnvelopeVersionError,
    InvalidKeyError,
    MalformedError,
    NotForMeError,
    SealError,
    StreamError,
    UnsupportedVersionError,
)
from delegate_app.core.crypto.identity import (
    ENCRYPTION_KEY_LABEL,
    LocalIdentity,
    MailboxKey,
    PublicIdentity,
    short_hash,
    verify_signature,
)
from delegate_app.core.crypto.relay_auth import (
    canonical_request,
    relay_auth_headers,
    sign_relay_request,
)
from delegate_app.core.crypto.stream import (
    StreamDecryptor,
    StreamEncryptor,
    encrypt_chunks,
    new_stream_key,
)
from delegate_app.core.errors import CryptoError
from tests.faults.report import tried

NOW = 1_800_000_000
# X25519 points of small order: the neutral element and a point of order 8.
SMALL_ORDER_POINTS = (
    bytes(32),
    bytes.fromhex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),
)
SLOTS_START = 4 + 16 + 2


def _identity(n: int) -> LocalIdentity:
    seed = hashlib.sha256(f"hardening-{n}".encode()).digest()
    return LocalIdentity(
        seed, hashlib.sha256(seed + b"enc").digest(), hashlib.sha256(seed + b"mb").digest()
    )


def _with_encryption_key(identity: LocalIdentity, key: bytes) -> PublicIdentity:
    """A correctly self-signed public identity that advertises ``key`` to encrypt to."""
    public = identity.public()
    return PublicIdentity(public.identity_key, key, identity.sign(ENCRYPTION_KEY_LABEL + key))


@pytest.mark.parametrize("point", SMALL_ORDER_POINTS)
def test_small_order_ephemeral_key_in_a_slot_is_a_typed_refusal(point: bytes) -> None:
    sender, bob = _identity(1), _identity(2)
    envelope = seal(sender, [bob.public()], "message/v1", b"hi", timestamp=NOW)
    damaged = bytearray(envelope.data)
    damaged[SLOTS_START : SLOTS_START + 32] = point
    with pytest.raises(NotForMeError):
        open_envelope(bob, bytes(damaged))


@pytest.mark.parametrize("point", SMALL_ORDER_POINTS)
def test_small_order_recipient_key_cannot_be_sealed_to_nor_carried_by_a_card(point: bytes) -> None:
    sender, bad = _identity(1), _identity(3)
    with pytest.raises(SealError):
        seal(sender, [_with_encryption_key(bad, point)], "message/v1", b"x", timestamp=NOW)
    card = make_card(bad, name="Bad Key", organisation="", relay_url="", created=1)
    unsigned = replace(card, identity=_with_encryption_key(bad, point))
    selfsigned = replace(unsigned, signature=bad.sign(CARD_LABEL + unsigned.signed_bytes()))
    with pytest.raises(InvalidKeyError):
        parse_card(selfsigned.to_bytes())
    with pytest.raises(InvalidKeyError):
        _with_encryption_key(bad, point).check_usable()


def test_every_envelope_failure_is_an_envelope_error_of_the_right_kind() -> None:
    sender, bob, eve = _identity(1), _identity(2), _identity(4)
    data = seal(sender, [bob.public()], "message/v1", b"hello", timestamp=NOW).data
    with pytest.raises(EnvelopeMalformedError):
        open_envelope(bob, b"XYZ\x01" + data[4:])
    with pytest.raises(EnvelopeMalformedError):
        open_envelope(bob, data[:10])
    with pytest.raises(EnvelopeVersionError):
        open_envelope(bob, MAGIC + b"\x02" + data[4:])
    with pytest.raises(EnvelopeVersionError):
        peek_envelope_id(MAGIC + b"\x09" + bytes(16))
    with pytest.raises(NotForMeError):
        open_envelope(eve, data)
    tampered = bytearray(data)
    tampered[-1] ^= 1
    with pytest.raises(EnvelopeDecryptionError):
        open_envelope(bob, bytes(tampered))
    for error in (EnvelopeMalformedError, EnvelopeVersionError, NotForMeError, SealError):
        assert issubclass(error, EnvelopeError) and issubclass(error, CryptoError)
    assert issubclass(EnvelopeMalformedError, MalformedError)


def test_a_bad_signature_inside_a_valid_ciphertext_is_refused() -> None:
    """Well-formed, correctly encrypted, but the sender's signature does not verify."""
    sender, bob = _identity(1), _identity(2)
    broken = _BrokenSigner(sender)
    data = seal(broken, [bob.public()], "message/v1", b"pay 999", timestamp=NOW).data
    with pytest.raises(EnvelopeSignatureError):
        open_envelope(bob, data)


class _BrokenSigner(LocalIdentity):
    """An identity whose envelope signatures are garbage (but whose public identity is valid)."""

    def __init__(self, real: LocalIdentity) -> None:
        super().__init__(real.signing_seed, real.encryption_secret, real.mailbox_seed)

    def sign(self, message: bytes) -> bytes:
        if message.startswith(b"delegate-envelope-v1"):
            return bytes(64)
        return super().sign(message)


def test_seal_validates_its_request_with_typed_errors() -> None:
    sender, bob = _identity(1), _identity(2)
    cases = [
        dict(recipients=[], content_type="t", body=b""),
        dict(recipients=[bob.public()], content_type="", body=b""),
        dict(recipients=[bob.public()], content_type="x" * 129, body=b""),
        dict(recipients=[bob.public()], content_type="t", body=b"", envelope_id=b"short"),
        dict(recipients=[bob.public()], content_type="t", body=b"", timestamp=-1),
    ]
    for case in cases:
        with pytest.raises(SealError):
            seal(sender, **case)  # type: ignore[arg-type]
    with pytest.raises(SealError):
        seal(sender, [bob.public()], "t", bytes(MAX_BODY + 1))


def test_defaults_timestamp_and_deduplicates_recipients() -> None:
    sender, bob, carol = _identity(1), _identity(2), _identity(5)
    envelope = seal(sender, [bob.public(), carol.public(), bob.public()], "t", b"x")
    assert envelope.data[SLOTS_START - 2 : SLOTS_START] == b"\x00\x02"
    opened = open_envelope(carol, envelope.data)
    assert opened.recipients == (bob.public().identity_key, carol.public().identity_key)
    assert abs(opened.timestamp - NOW) < 10**9  # set from the clock, a plausible Unix time
    assert len(envelope.data) == SLOTS_START + 2 * SLOT_BYTES + NONCE_BYTES + 1024 + 16


def _card_bytes(name: str = "Jonas Berg", relay: str = "https://relay.example") -> bytes:
    return make_card(
        _identity(6), name=name, organisation="Embassy", relay_url=relay, created=7
    ).to_bytes()


@pytest.mark.parametrize(
    "name",
    ["Jonas\u202eBerg", "Jonas\nBerg", "Jonas\x00", "\u2067Jonas", "Jo\u200bnas", "x" * 513, ""],
)
def test_card_names_that_could_spoof_are_refused(name: str) -> None:
    with pytest.raises(MalformedError):
        make_card(_identity(6), name=name, organisation="E", relay_url="", created=1)


@pytest.mark.parametrize("relay", ["ftp://relay", "javascript:alert(1)", "https://a b"])
def test_card_relay_url_must_be_http(relay: str) -> None:
    with pytest.raises(MalformedError):
        make_card(_identity(6), name="J", organisation="E", relay_url=relay, created=1)


def test_names_in_other_scripts_are_kept() -> None:
    for name in ("أمينة حداد", "Đặng Thị Hà", "王秀英", "ناصر\u200cزاده"):
        raw = _card_bytes(name)
        assert parse_card(raw).name == name


def test_card_text_is_canonical_and_binary_cards_import() -> None:
    raw = _card_bytes()
    text = card_text(raw)
    assert parse_any_card(raw) == parse_any_card(text.encode()) == card_from_text(text)
    # Standard base64 characters, stray padding or non-canonical trailing bits are refused.
    payload = text[len(TEXT_PREFIX) :]
    last = payload[-1]
    sibling = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    tweaked = sibling[sibling.index(last) ^ 1]
    for bad in (text + "==", TEXT_PREFIX + payload[:-1] + tweaked, text.replace("-", "+")):
        if bad != text:
            with pytest.raises(CryptoError):
                card_from_text(bad)
    with pytest.raises(UnsupportedVersionError):
        card_from_text("DELEGATE-CARD:4:" + payload)
    with pytest.raises(MalformedError):
        card_from_text(text + "A" * 5000)
    with pytest.raises(MalformedError):
        parse_any_card(b"\xff\xfe")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_any_card_parser_never_crashes(data: bytes) -> None:
    tried("contact card, any form (file)")
    with pytest.raises(CryptoError):
        parse_any_card(data)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_mutated_cards_are_refused_or_identical(data: st.DataObject) -> None:
    tried("contact card, mutated valid card")
    raw = _card_bytes()
    position = data.draw(st.integers(0, len(raw) - 1))
    inserted = data.draw(st.binary(min_size=0, max_size=3))
    cut = data.draw(st.integers(0, 3))
    mutated = raw[:position] + inserted + raw[position + cut :]
    if mutated == raw:
        assert parse_card(mutated) == parse_card(raw)
    else:
        with pytest.raises(CryptoError):
            parse_card(mutated)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_public_identity_parser_never_crashes(data: bytes) -> None:
    tried("public identity")
    with pytest.raises(CryptoError):
        PublicIdentity.from_bytes(data)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_stored_identity_parser_never_crashes(text: str) -> None:
    tried("stored identity (vault JSON)")
    with pytest.raises(CryptoError):
        LocalIdentity.from_json(text)


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_mutated_envelopes_are_refused(data: st.DataObject) -> None:
    tried("envelope (mutated valid envelope)")
    sender, bob = _identity(1), _identity(2)
    envelope = seal(sender, [bob.public()], "message/v1", b"body", timestamp=NOW)
    raw = envelope.data
    position = data.draw(st.integers(0, len(raw) - 1))
    inserted = data.draw(st.binary(min_size=0, max_size=4))
    cut = data.draw(st.integers(0, 4))
    mutated = raw[:position] + inserted + raw[position + cut :]
    if mutated != raw:
        with pytest.raises(EnvelopeError):
            open_envelope(bob, mutated)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.binary(max_size=64), max_size=6), st.data())
def test_stream_chunk_sequences_decrypt_only_when_intact(
    parts: list[bytes], data: st.DataObject
) -> None:
    tried("stream chunk (reordered/cut streams)")
    key = new_stream_key()
    header, chunks_iter = encrypt_chunks(key, iter(parts))
    chunks = list(chunks_iter)
    order = data.draw(st.permutations(range(len(chunks))))
    keep = data.draw(st.integers(0, len(chunks)))
    chosen = [chunks[i] for i in order[:keep]]
    decryptor = StreamDecryptor(key, header)
    if chosen == chunks:
        assert b"".join(decryptor.decrypt_chunk(c)[0] for c in chosen) == b"".join(parts)
        assert decryptor.finished
        return
    try:
        for chunk in chosen:
            decryptor.decrypt_chunk(chunk)
    except StreamError:
        return
    assert not decryptor.finished  # a correct prefix: incomplete, never "finished"


def test_stream_resume_and_misuse() -> None:
    key = new_stream_key()
    header, chunks_iter = encrypt_chunks(key, iter([b"a", b"b", b"c"]))
    chunks = list(chunks_iter)
    resumed = StreamDecryptor.resume(key, header, chunks[:2])
    assert resumed.index == 2 and resumed.decrypt_chunk(chunks[2]) == (b"c", True)
    with pytest.raises(StreamError):
        resumed.decrypt_chunk(chunks[2])
    with pytest.raises(StreamError):
        StreamDecryptor.resume(key, header, [chunks[1]])
    with pytest.raises(StreamError):
        StreamEncryptor(b"short")
    finished = StreamEncryptor(key)
    finished.encrypt_chunk(b"", final=True)
    with pytest.raises(StreamError):
        finished.encrypt_chunk(b"more", final=True)


# Test vectors, also printed in docs/PROTOCOL.md ("Test vectors").
VECTOR_SAFETY_NUMBER = "48459 22869 26656 06377 48097 03885 06940 59957 39203 89122 66975 08308"
VECTOR_MAILBOX_ID = "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8"
VECTOR_RELAY_SIGNATURE = (
    "2e1987b578c63022038e99a9fb3a26f24e44fbb965f55ff14a60cc71198cd0db"
    "3021770f94888635d84607f90377493df34a39e3e33fe4c5b7629ab7af17c20c"
)
VECTOR_RELAY_SIGNATURE_V2 = (
    "290d19c10d04a37757093103272b8d2a10dd0321661f13975cca4ef52f8496c3"
    "5dc553c90f3cd50f59f9bb31d2b87dcd9c14b190d6a95347d1865bbce3fe6201"
)


def _independent_safety_number(key_a: bytes, key_b: bytes) -> str:
    """PROTOCOL.md section 3 written again with hashlib, as another implementation would."""
    groups = []
    for key in sorted((key_a, key_b)):
        digest = hashlib.blake2b(key, digest_size=30, person=b"dlg-safety-num").digest()
        groups += [
            f"{int.from_bytes(digest[i : i + 5], 'big') % 100000:05d}" for i in range(0, 30, 5)
        ]
    return " ".join(groups)


def test_safety_number_vector() -> None:
    number = safety_number(bytes([1]) * 32, bytes([2]) * 32)
    assert number == safety_number(bytes([2]) * 32, bytes([1]) * 32)
    assert number == VECTOR_SAFETY_NUMBER
    for _round in range(20):
        a, b = (
            _identity(_round).public().identity_key,
            _identity(100 + _round).public().identity_key,
        )
        assert safety_number(a, b) == _independent_safety_number(a, b)


def test_relay_signature_covers_exactly_the_documented_string() -> None:
    mailbox = MailboxKey(bytes(range(32)))
    body = b'{"ids":["00"]}'
    signature = sign_relay_request(mailbox, "post", "/v1/mailboxes/x/ack?a=1", body, NOW, "ab" * 16)
    expected = (
        "delegate-relay-v1\nPOST\n/v1/mailboxes/x/ack?a=1\n"
        + hashlib.sha256(body).hexdigest()
        + f"\n{NOW}\n"
        + "ab" * 16
    ).encode()
    assert canonical_request("post", "/v1/mailboxes/x/ack?a=1", body, NOW, "ab" * 16) == expected
    verify_signature(bytes.fromhex(mailbox.mailbox_id), expected, bytes.fromhex(signature))
    assert mailbox.mailbox_id == VECTOR_MAILBOX_ID
    assert len(signature) == 128 and signature == signature.lower()
    assert signature == VECTOR_RELAY_SIGNATURE
    headers = relay_auth_headers(mailbox, "GET", "/v1/mailboxes/x", b"", NOW, "https://r.example")
    assert len(headers["X-Delegate-Nonce"]) == 32 and headers["X-Delegate-Timestamp"] == str(NOW)
    assert headers["X-Delegate-Origin"] == "https://r.example"


def test_relay_signature_v2_names_the_relay_origin() -> None:
    mailbox = MailboxKey(bytes(range(32)))
    body = b'{"ids":["00"]}'
    origin = "https://relay.example.org"
    args = ("POST", "/v1/mailboxes/x/ack?a=1", body, NOW, "ab" * 16)
    expected = (
        f"delegate-relay-v2\n{origin}\nPOST\n/v1/mailboxes/x/ack?a=1\n"
        + hashlib.sha256(body).hexdigest()
        + f"\n{NOW}\n"
        + "ab" * 16
    ).encode()
    assert canonical_request(*args, origin) == expected
    signature = sign_relay_request(mailbox, *args, origin)
    verify_signature(bytes.fromhex(mailbox.mailbox_id), expected, bytes.fromhex(signature))
    assert signature == VECTOR_RELAY_SIGNATURE_V2
    assert sign_relay_request(mailbox, *args, "https://other.example.org") != signature


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200), st.binary(max_size=16), st.integers(1, 64))
def test_short_hash_is_libsodium_personalised_blake2b(
    data: bytes, person: bytes, size: int
) -> None:
    import nacl.encoding
    import nacl.hash

    expected = nacl.hash.blake2b(
        data, digest_size=size, person=person, encoder=nacl.encoding.RawEncoder
    )
    assert short_hash(data, person, size) == expected

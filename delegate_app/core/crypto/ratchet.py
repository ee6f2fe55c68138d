"""Olm ratchet sessions (vodozemac): the only module that imports ``vodozemac``.

An :class:`RatchetAccount` is a profile's Olm account: its Curve25519 key is the **session
key** (bound to the identity key by :class:`SessionBinding`), plus a fallback key and
one-time keys that senders start sessions from (docs/PROTOCOL.md "Prekey bundles"). A
:class:`RatchetSession` is one pairwise Olm session. Every vodozemac exception becomes a
:class:`~delegate_app.core.crypto.errors.RatchetError` subclass; a failed decryption leaves
the session unchanged (vodozemac commits ratchet state only on success; ADR 0029).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import vodozemac

from delegate_app.core.crypto.errors import (
    BadSignatureError,
    RatchetDecryptError,
    RatchetError,
    RatchetPickleError,
    RatchetSessionError,
)
from delegate_app.core.crypto.identity import (
    KEY_BYTES,
    SIGNATURE_BYTES,
    LocalIdentity,
    verify_signature,
)
from delegate_app.i18n import _

BINDING_LABEL = b"delegate-session-key-v1"
FALLBACK_LABEL = b"delegate-fallback-key-v1"
ONE_TIME_KEY_LABEL = b"delegate-one-time-key-v1"
PICKLE_KEY_BYTES = 32
OLM_PRE_KEY = 0
OLM_NORMAL = 1
MAX_ONE_TIME_KEYS_PER_CALL = 100
_ACCOUNT_PICKLE_VERSION = 1
# Everything a pyo3 binding may raise for bad input: its own exceptions are ValueErrors; out of
# range integers give OverflowError, wrong types TypeError.
_BINDING_ERRORS = (ValueError, OverflowError, TypeError)


@dataclass(frozen=True)
class SessionBinding:
    """A session key and the identity key's signature over it."""

    session_key: bytes
    signature: bytes

    def verify(self, identity_key: bytes) -> None:
        """Raise BadSignatureError unless ``identity_key`` signed this session key."""
        if len(self.session_key) != KEY_BYTES or len(self.signature) != SIGNATURE_BYTES:
            raise BadSignatureError(_("A signature does not verify: the data was altered."))
        verify_signature(identity_key, BINDING_LABEL + self.session_key, self.signature)


@dataclass(frozen=True)
class SignedPrekey:
    """A fallback or one-time key and the identity key's signature over it."""

    key: bytes
    signature: bytes
    one_time: bool = False

    @property
    def label(self) -> bytes:
        return ONE_TIME_KEY_LABEL if self.one_time else FALLBACK_LABEL

    def verify(self, identity_key: bytes, session_key: bytes) -> None:
        """Raise BadSignatureError unless ``identity_key`` signed this key for ``session_key``."""
        if len(self.key) != KEY_BYTES or len(self.signature) != SIGNATURE_BYTES:
            raise BadSignatureError(_("A signature does not verify: the data was altered."))
        verify_signature(identity_key, self.label + session_key + self.key, self.signature)


def sign_binding(identity: LocalIdentity, session_key: bytes) -> SessionBinding:
    return SessionBinding(session_key, identity.sign(BINDING_LABEL + session_key))


def sign_prekey(
    identity: LocalIdentity, session_key: bytes, key: bytes, *, one_time: bool
) -> SignedPrekey:
    label = ONE_TIME_KEY_LABEL if one_time else FALLBACK_LABEL
    return SignedPrekey(key, identity.sign(label + session_key + key), one_time)


def _public_key(raw: bytes) -> vodozemac.Curve25519PublicKey:
    if not isinstance(raw, bytes) or len(raw) != KEY_BYTES:
        raise RatchetSessionError(_("A session key has the wrong length."))
    try:
        return vodozemac.Curve25519PublicKey.from_bytes(raw)
    except _BINDING_ERRORS:
        raise RatchetSessionError(_("A session key is unusable.")) from None


def _check_pickle_key(key: bytes) -> None:
    if not isinstance(key, bytes) or len(key) != PICKLE_KEY_BYTES:
        raise RatchetPickleError(_("A pickle key has 32 bytes."))


def _message(olm_type: int, ciphertext: bytes) -> vodozemac.AnyOlmMessage:
    if olm_type not in (OLM_PRE_KEY, OLM_NORMAL) or not isinstance(ciphertext, bytes):
        raise RatchetDecryptError(_("The secure session message is malformed."))
    try:
        return vodozemac.AnyOlmMessage.from_parts(olm_type, ciphertext)
    except _BINDING_ERRORS:
        raise RatchetDecryptError(_("The secure session message is malformed.")) from None


def _pre_key_message(ciphertext: bytes) -> vodozemac.PreKeyMessage:
    message = _message(OLM_PRE_KEY, ciphertext).to_pre_key()
    if message is None:
        raise RatchetDecryptError(_("The secure session message is malformed."))
    return message


class RatchetSession:
    """One pairwise Olm session. Encrypting and decrypting advance it: pickle it afterwards."""

    def __init__(self, session: vodozemac.Session) -> None:
        self._session = session

    @property
    def session_id(self) -> str:
        return str(self._session.session_id)

    def encrypt(self, plaintext: bytes) -> tuple[int, bytes]:
        """``(olm_type, ciphertext)``: type 0 (pre-key) until the peer has answered, then 1."""
        try:
            olm_type, ciphertext = self._session.encrypt(plaintext).to_parts()
        except _BINDING_ERRORS:
            raise RatchetError(_("The secure session could not encrypt.")) from None
        return int(olm_type), bytes(ciphertext)

    def decrypt(self, olm_type: int, ciphertext: bytes) -> bytes:
        """The plaintext; RatchetDecryptError (session unchanged) if this session cannot."""
        message = _message(olm_type, ciphertext)
        try:
            return bytes(self._session.decrypt(message))
        except _BINDING_ERRORS:
            raise RatchetDecryptError(_("The message does not decrypt in this session.")) from None

    def matches(self, prekey_ciphertext: bytes) -> bool:
        """Whether a pre-key message belongs to this session (false for any junk)."""
        try:
            return bool(self._session.session_matches(_pre_key_message(prekey_ciphertext)))
        except (RatchetError, *_BINDING_ERRORS):
            return False

    def pickle(self, key: bytes) -> str:
        _check_pickle_key(key)
        return str(self._session.pickle(key))

    @classmethod
    def from_pickle(cls, data: str, key: bytes) -> RatchetSession:
        _check_pickle_key(key)
        if not isinstance(data, str):
            raise RatchetPickleError(_("The stored secure session is corrupt."))
        try:
            return cls(vodozemac.Session.from_pickle(data, key))
        except _BINDING_ERRORS:
            raise RatchetPickleError(_("The stored secure session is corrupt.")) from None


class RatchetAccount:
    """A profile's Olm account: session key, fallback key, one-time keys.

    The pickle is a small JSON object around vodozemac's own (encrypted) pickle that also keeps
    the public fallback key: vodozemac reports a fallback key only until it is marked published.
    """

    def __init__(self, account: vodozemac.Account, fallback: bytes | None = None) -> None:
        self._account = account
        self._fallback = fallback

    @classmethod
    def create(cls) -> RatchetAccount:
        return cls(vodozemac.Account())

    @property
    def session_key(self) -> bytes:
        return bytes(self._account.curve25519_key.to_bytes())

    def binding(self, identity: LocalIdentity) -> SessionBinding:
        return sign_binding(identity, self.session_key)

    @property
    def fallback_key(self) -> bytes | None:
        return self._fallback

    def signed_fallback(self, identity: LocalIdentity) -> SignedPrekey:
        """The current fallback key, signed; one is made first if the account has none."""
        fallback = self._fallback if self._fallback is not None else self._new_fallback()
        return sign_prekey(identity, self.session_key, fallback, one_time=False)

    def rotate_fallback(self) -> None:
        """A new fallback key. vodozemac keeps the previous one usable until the next rotation,
        so sessions started from a card or bundle that still names it open."""
        self._new_fallback()

    def _new_fallback(self) -> bytes:
        # vodozemac 0.10's bundled stubs omit the fallback-key methods its binding has.
        self._account.generate_fallback_key()  # type: ignore[attr-defined]
        keys = list(self._account.fallback_key.values())  # type: ignore[attr-defined]
        if len(keys) != 1:
            raise RatchetError(_("The secure session account has no fallback key."))
        self._fallback = bytes(keys[0].to_bytes())
        return self._fallback

    def new_one_time_keys(self, identity: LocalIdentity, count: int) -> list[SignedPrekey]:
        """``count`` (1 to 100) fresh one-time keys, signed. Publish them, then call
        :meth:`mark_published`; an inbound session removes the key it used from the account."""
        if not 0 < count <= MAX_ONE_TIME_KEYS_PER_CALL:
            raise RatchetError(_("One to 100 one-time keys can be made at a time."))
        before = set(self._account.one_time_keys)
        self._account.generate_one_time_keys(count)
        fresh = [k for key_id, k in self._account.one_time_keys.items() if key_id not in before]
        session_key = self.session_key
        return [
            sign_prekey(identity, session_key, bytes(k.to_bytes()), one_time=True) for k in fresh
        ]

    def mark_published(self) -> None:
        self._account.mark_keys_as_published()

    def outbound(self, their_session_key: bytes, their_prekey: bytes) -> RatchetSession:
        """A new session to the owner of ``their_session_key``, from one of its prekeys."""
        identity_key, prekey = _public_key(their_session_key), _public_key(their_prekey)
        try:
            return RatchetSession(self._account.create_outbound_session(identity_key, prekey))
        except _BINDING_ERRORS:
            raise RatchetSessionError(_("A session key is unusable.")) from None

    def inbound(
        self, their_session_key: bytes, prekey_ciphertext: bytes
    ) -> tuple[RatchetSession, bytes]:
        """The session a pre-key message starts, and its plaintext.

        Consumes the one-time key it names (a fallback key stays). RatchetDecryptError if the
        message is junk, names a key this account does not have, or was sent by another key.
        """
        identity_key = _public_key(their_session_key)
        message = _pre_key_message(prekey_ciphertext)
        try:
            session, plaintext = self._account.create_inbound_session(identity_key, message)
        except _BINDING_ERRORS:
            raise RatchetDecryptError(
                _("The message does not start a session with this account.")
            ) from None
        return RatchetSession(session), bytes(plaintext)

    def pickle(self, key: bytes) -> str:
        _check_pickle_key(key)
        return json.dumps(
            {
                "v": _ACCOUNT_PICKLE_VERSION,
                "olm": self._account.pickle(key),
                "fallback": None if self._fallback is None else self._fallback.hex(),
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_pickle(cls, data: str, key: bytes) -> RatchetAccount:
        _check_pickle_key(key)
        corrupt = RatchetPickleError(_("The stored secure session account is corrupt."))
        try:
            stored = json.loads(data)
            if not isinstance(stored, dict) or stored.get("v") != _ACCOUNT_PICKLE_VERSION:
                raise corrupt
            fallback_hex, olm = stored["fallback"], stored["olm"]
            if not isinstance(olm, str) or not isinstance(fallback_hex, str | None):
                raise corrupt
            fallback = None if fallback_hex is None else bytes.fromhex(fallback_hex)
            if fallback is not None and len(fallback) != KEY_BYTES:
                raise corrupt
            account = vodozemac.Account.from_pickle(olm, key)
        except RatchetPickleError:
            raise
        except (KeyError, RecursionError, *_BINDING_ERRORS):
            raise corrupt from None
        return cls(account, fallback)

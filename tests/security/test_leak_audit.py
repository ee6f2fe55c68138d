"""Leak audit: after a full two-profile exchange through a real relay on 127.0.0.1, no file
either profile wrote, nothing in the test's directory, the relay's database (and its WAL) and
none of the captured logs holds a plaintext marker, the passphrase, a person's name, a
database key, a private key, a ratchet pickle or its pickle key — in raw, hex or base64 form."""

from __future__ import annotations

import base64
import logging
import secrets
from collections.abc import Iterator
from pathlib import Path

from delegate_app.core.crypto.keywrap import unwrap_key
from delegate_app.core.documents.library import Library
from delegate_app.core.documents.models import DocumentKind, ImportOptions
from delegate_app.core.documents.store import DocumentStore
from delegate_app.core.messaging.transfers import TransferStore
from delegate_app.core.preferences import Preferences, save_preferences
from delegate_app.core.vault.keyfile import read_key_file
from tests.conftest import PASSPHRASE
from tests.documents.pdfs import make_pdf
from tests.faults.clients import mail_of, processes, sync_process
from tests.sync.conftest import start_relay
from tests.sync.profiles import Peer, create_profiles

INLINE_PDF_LIMIT = 192 * 1024  # above it the PDF travels as a relay blob


def forms(secret: bytes) -> dict[str, bytes]:
    """The ways ``secret`` could show up in a file: raw, hex, and base64 at any alignment."""
    found = {"raw": secret, "hex": secret.hex().encode(), "HEX": secret.hex().upper().encode()}
    for codec in (base64.b64encode, base64.urlsafe_b64encode):
        for shift in range(3):
            # The middle of the encoding of `shift` bytes + secret: present in the base64 of
            # any text that contains the secret at that alignment.
            encoded = codec(bytes(shift) + secret)
            start = -(-8 * shift // 6)  # the first character made of secret bits only
            core = encoded[start : len(encoded) - 4]
            if len(core) >= 8:
                found[f"{codec.__name__}+{shift}"] = core
    return found


def files_under(*roots: Path) -> Iterator[Path]:
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                yield path


def scan(paths: list[Path], needles: dict[str, bytes]) -> list[str]:
    hits = []
    for path in paths:
        data = path.read_bytes()
        for label, needle in needles.items():
            for form, pattern in forms(needle).items():
                if pattern in data:
                    hits.append(f"{path}: {label} ({form})")
    return hits


def _sync(peer: Peer, logs: Path, label: str) -> None:
    with (logs / f"delegatectl-{label}.stderr").open("wb") as stderr, processes() as running:
        running.append(sync_process(peer, stderr=stderr))
        assert running[0].wait(timeout=120) == 0, (logs / f"delegatectl-{label}.stderr").read_text()


def _big_pdf(marker: str) -> bytes:
    pages = [f"Annex on fisheries. {marker}"]
    pdf = make_pdf("Fisheries annex", pages)
    while len(pdf) <= INLINE_PDF_LIMIT + 16 * 1024:  # bounded: each page adds ~3 KB
        pages += [" ".join(secrets.token_urlsafe(6) for _ in range(400)) for _ in range(10)]
        pdf = make_pdf("Fisheries annex", pages)
    return pdf


def test_nothing_secret_reaches_any_file_or_log(tmp_path: Path) -> None:
    markers = {f"marker {kind}": f"MK{kind}{secrets.token_hex(8)}" for kind in
               ("doc", "title", "msg1", "msg2", "msg3", "reply1", "reply2", "comment")}  # fmt: skip
    pdf = _big_pdf(markers["marker doc"])  # made in memory; never written to a file
    logs = tmp_path / "logs"
    logs.mkdir()
    client_log = logging.FileHandler(logs / "client-debug.log", encoding="utf-8")
    client_log.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(client_log)
    root.setLevel(logging.DEBUG)  # everything the client and its libraries say, debug included
    (tmp_path / "relay").mkdir()
    relay = start_relay(tmp_path / "relay" / "relay.db")
    try:
        amina, boris = create_profiles(tmp_path / "profiles", 2, relay.url)
        for peer, language in ((amina, "ar"), (boris, "fr")):  # as the GUI's language menu does
            save_preferences(peer.vault.paths.preferences, Preferences(language=language))
        library = Library(amina.vault.db, amina.policy)
        summary = library.import_bytes(
            "annex.pdf",
            pdf,
            ImportOptions(kind=DocumentKind.BRIEFING, event=f"Summit {markers['marker title']}"),
        )
        shared = amina.room.sharing.share(summary.id, [boris.name])
        assert shared.attachment_bytes == len(pdf)  # a blob on the relay, not inline
        for key in ("msg1", "msg2", "msg3"):
            amina.room.messenger.send_text(boris.name, f"Text {markers['marker ' + key]}")
        for key in ("reply1", "reply2"):
            boris.room.messenger.send_text(amina.name, f"Reply {markers['marker ' + key]}")
        _sync(amina, logs, "amina-1")
        _sync(boris, logs, "boris-1")
        _sync(boris, logs, "boris-2")  # the blob download, if the first pass left it
        store = DocumentStore(boris.vault.db)
        doc_id = boris.room.sharing.store.document_id(shared.document_uid)
        assert doc_id is not None and store.pdf_bytes(doc_id) == pdf
        assert markers["marker doc"] in store.get(doc_id).body
        boris.room.sharing.comment(doc_id, f"Noted {markers['marker comment']}")
        _sync(boris, logs, "boris-3")
        _sync(amina, logs, "amina-2")
        # The exchange really carried every marker (so the scan below is not vacuous).
        got = " ".join(mail_of(boris).incoming + mail_of(amina).incoming)
        assert all(markers[f"marker {k}"] in got for k in ("msg1", "msg2", "msg3", "reply1"))
        comments = amina.room.sharing.comments(summary.id)
        assert [markers["marker comment"] in c.body for c in comments] == [True]

        needles: dict[str, bytes] = {label: text.encode() for label, text in markers.items()}
        needles["passphrase"] = PASSPHRASE.encode()
        for peer in (amina, boris):
            needles[f"name {peer.name}"] = peer.name.encode()
            wrapped = read_key_file(peer.vault.paths.key_file).wrapped
            needles[f"database key of {peer.name}"] = unwrap_key(wrapped, PASSPHRASE)
            identity = peer.room.identity
            needles[f"signing key of {peer.name}"] = identity.signing_seed
            needles[f"encryption key of {peer.name}"] = identity.encryption_secret
            needles[f"mailbox key of {peer.name}"] = identity.mailbox_seed
            # The ratchet state: the pickle key and every pickle stay inside the vault.
            ratchet = peer.vault.db
            (account,) = ratchet.query("SELECT pickle, pickle_key FROM ratchet_account")
            needles[f"pickle key of {peer.name}"] = bytes(account["pickle_key"])
            needles[f"account pickle of {peer.name}"] = str(account["pickle"]).encode()
            sessions = ratchet.query("SELECT session_id, pickle FROM ratchet_sessions")
            assert sessions  # the exchange ran in format 2 (so this part is not vacuous)
            for row in sessions:
                needles[f"session {row['session_id']}"] = str(row["pickle"]).encode()

        # First scan: everything open, so the WAL and shared-memory files are there too.
        client_log.flush()
        open_files = list(files_under(tmp_path))
        names = {p.name for p in open_files}
        expected = {"vault.db", "vault.key", "vault.db-wal", "vault.db-shm", "preferences.json",
                    "relay.db", "relay.db-wal", "relay.db.log", "client-debug.log"}  # fmt: skip
        assert expected <= names, expected - names
        assert scan(open_files, needles) == []
        # The relay's log names mailboxes and blobs only by a salted hash of their ids.
        relay_log = relay.log_path.read_bytes()
        assert b'"event": "deposit"' in relay_log and b'"event": "blob_complete"' in relay_log
        (upload,) = TransferStore(amina.vault.db).for_ref(shared.document_uid)
        for public_id in (amina.mailbox_id, boris.mailbox_id, upload.blob_id):
            assert public_id.encode() not in relay_log
    finally:
        root.removeHandler(client_log)
        root.setLevel(old_level)
        client_log.close()
        relay.stop()
    # Second scan: after every process and connection closed (WALs folded into the files).
    for peer in (amina, boris):
        peer.close()
    assert scan(list(files_under(tmp_path)), needles) == []
    # The scanner finds what is there: a canary in each form is caught.
    canary = tmp_path / "canary"
    db_key = needles[f"database key of {amina.name}"]
    for form in ("raw", "hex", "b64encode+1", "urlsafe_b64encode+2"):
        canary.write_bytes(b"<" + forms(db_key)[form] + b">")
        assert scan([canary], {"key": db_key}) != []
    text = b"junk " + base64.b64encode(b"xy" + needles["marker msg1"] + b"tail") + b" junk"
    canary.write_bytes(text)
    assert scan([canary], {"m": needles["marker msg1"]}) != []

"""Two missions exchange cards with delegatectl, compare safety numbers, and see key changes."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

from delegate_app.core.crypto.cards import parse_any_card
from tests.cli.helpers import delegatectl


def _init(profile: Path, name: str) -> None:
    result = delegatectl("init", "--profile", profile, "--name", name, "--organisation", "M")
    assert result.returncode == 0, result.stderr


def test_card_exchange_safety_numbers_and_key_change(tmp_path: Path) -> None:
    alice, bob = tmp_path / "alice", tmp_path / "bob"
    _init(alice, "Alice")
    _init(bob, "Bob")
    ident = json.loads(delegatectl("identity", "show", "--profile", alice, "--json").stdout)
    assert len(ident["mailbox_id"]) == 64
    shown = delegatectl("identity", "show", "--profile", alice).stdout
    assert "Mailbox id" in shown and ident["mailbox_id"] in shown
    for me in (alice, bob):
        assert (
            delegatectl("card", "export", tmp_path / f"{me.name}.card", "--profile", me).returncode
            == 0
        )
    assert delegatectl("card", "import", tmp_path / "bob.card", "--profile", alice).returncode == 0
    assert delegatectl("card", "import", tmp_path / "alice.card", "--profile", bob).returncode == 0

    number_a = delegatectl("contacts", "safety-number", "Bob", "--profile", alice).stdout
    number_b = delegatectl("contacts", "safety-number", "Alice", "--profile", bob).stdout
    assert number_a == number_b and len(number_a.replace(" ", "").strip()) == 60
    assert delegatectl("contacts", "verify", "Bob", "--profile", alice).returncode == 0
    (contact,) = json.loads(delegatectl("contacts", "list", "--profile", alice, "--json").stdout)
    assert contact["verified"] and not contact["key_changed"]
    assert contact["protocol"] == 1  # no envelope exchanged yet: no session, format 1

    # Bob reinstalls: same name, new keys. Alice is warned, and the contact is flagged.
    shutil.rmtree(bob)
    _init(bob, "Bob")
    delegatectl("card", "export", tmp_path / "bob2.card", "--profile", bob)
    warned = delegatectl("card", "import", tmp_path / "bob2.card", "--profile", alice)
    assert "WARNING" in warned.stdout
    (contact,) = json.loads(delegatectl("contacts", "list", "--profile", alice, "--json").stdout)
    assert contact["key_changed"]
    delegatectl("card", "import", tmp_path / "alice.card", "--profile", bob)
    new_number = delegatectl("contacts", "safety-number", "Bob", "--profile", alice).stdout
    assert "NEW key" in new_number and new_number.splitlines()[-1] != number_a.strip()
    assert (
        new_number.splitlines()[-1] + "\n"
        == delegatectl("contacts", "safety-number", "Alice", "--profile", bob).stdout
    )
    refused = delegatectl("contacts", "verify", "Bob", "--profile", alice)
    assert refused.returncode == 1 and "accept the new key" in refused.stderr
    assert delegatectl("contacts", "reject-key", "Bob", "--profile", alice).returncode == 0
    (contact,) = json.loads(delegatectl("contacts", "list", "--profile", alice, "--json").stdout)
    assert not contact["key_changed"] and contact["verified"]  # the old, verified key is kept
    delegatectl("card", "import", tmp_path / "bob2.card", "--profile", alice)
    accepted = delegatectl("contacts", "accept-key", "Bob", "--profile", alice)
    assert accepted.returncode == 0 and new_number.splitlines()[-1] in accepted.stdout
    (contact,) = json.loads(delegatectl("contacts", "list", "--profile", alice, "--json").stdout)
    assert not contact["key_changed"] and not contact["verified"]


def test_card_as_qr_code_and_binary_file(tmp_path: Path) -> None:
    alice, bob = tmp_path / "alice", tmp_path / "bob"
    _init(alice, "Alice")
    _init(bob, "Bob")
    exported = delegatectl(
        "card", "export", tmp_path / "bob.card", "--qr", tmp_path / "bob.svg", "--profile", bob
    )
    assert exported.returncode == 0, exported.stderr
    assert (tmp_path / "bob.svg").read_text().lstrip().startswith(("<?xml", "<svg"))
    bad_qr = delegatectl("card", "export", "-", "--qr", tmp_path / "bob.gif", "--profile", bob)
    assert bad_qr.returncode == 1 and ".svg or .png" in bad_qr.stderr
    # The same card as raw bytes (what a QR reader or another client may hand over).
    text = (tmp_path / "bob.card").read_text().strip()
    payload = text.split(":", 2)[2]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    (tmp_path / "bob.bin").write_bytes(raw)
    imported = delegatectl("card", "import", tmp_path / "bob.bin", "--profile", alice)
    assert imported.returncode == 0 and "Bob" in imported.stdout, imported.stderr


def test_tampered_card_refused(tmp_path: Path) -> None:
    alice, bob = tmp_path / "alice", tmp_path / "bob"
    _init(alice, "Alice")
    _init(bob, "Bob")
    delegatectl("card", "export", tmp_path / "bob.card", "--profile", bob)
    text = (tmp_path / "bob.card").read_text().strip()
    flipped = text[:40] + ("A" if text[40] != "A" else "B") + text[41:]
    (tmp_path / "bad.card").write_text(flipped)
    (tmp_path / "short.card").write_text(text[: len(text) // 2])
    for name in ("bad.card", "short.card"):
        result = delegatectl("card", "import", tmp_path / name, "--profile", alice)
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert json.loads(delegatectl("contacts", "list", "--profile", alice, "--json").stdout) == []


def test_org_keygen_and_sign(tmp_path: Path) -> None:
    bob = tmp_path / "bob"
    _init(bob, "Bob")
    delegatectl("card", "export", tmp_path / "bob.card", "--profile", bob)
    keygen = delegatectl("org", "keygen", "--out", tmp_path / "org.key", passphrase=None)
    assert keygen.returncode == 0
    public = keygen.stdout.strip().split()[-1]
    signed = delegatectl("org", "sign-card", tmp_path / "bob.card", "--key", tmp_path / "org.key")
    assert signed.returncode == 0, signed.stderr
    alice = tmp_path / "alice"
    _init(alice, "Alice")
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"locked": {"organisation_key": public}}))
    env = {"DELEGATE_POLICY_FILE": str(policy)}
    imported = delegatectl("card", "import", tmp_path / "bob.card", "--profile", alice, env=env)
    assert "Verified by your organisation" in imported.stdout


def _token_of(card_file: Path) -> bytes:
    card = parse_any_card(card_file.read_bytes())
    assert card.version == 3  # what profiles hand out: token, session key, fallback key
    assert card.deposit_token is not None
    return card.deposit_token


def test_card_export_can_replace_the_deposit_token(tmp_path: Path) -> None:
    bob = tmp_path / "bob"
    _init(bob, "Bob")
    for name in ("first", "again"):
        assert delegatectl("card", "export", tmp_path / name, "--profile", bob).returncode == 0
    assert _token_of(tmp_path / "first") == _token_of(tmp_path / "again")
    rotated = delegatectl(
        "card", "export", tmp_path / "rotated", "--new-deposit-token", "--profile", bob
    )
    assert rotated.returncode == 0 and "deposit token" in rotated.stderr
    assert _token_of(tmp_path / "rotated") != _token_of(tmp_path / "first")
    assert len(_token_of(tmp_path / "rotated")) == 32

"""Two missions exchange cards with delegatectl, compare safety numbers, and see key changes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

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

    # Bob reinstalls: same name, new keys. Alice is warned, and the contact is flagged.
    shutil.rmtree(bob)
    _init(bob, "Bob")
    delegatectl("card", "export", tmp_path / "bob2.card", "--profile", bob)
    warned = delegatectl("card", "import", tmp_path / "bob2.card", "--profile", alice)
    assert "WARNING" in warned.stdout
    (contact,) = json.loads(delegatectl("contacts", "list", "--profile", alice, "--json").stdout)
    assert contact["key_changed"]
    assert delegatectl("contacts", "accept-key", "Bob", "--profile", alice).returncode == 0


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

"""Plain http:// to a relay on another computer is refused before any connection,
unless the policy's ``allow_plain_http_relays`` allows it (docs/SECURITY.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from delegate_app.core.messaging.outbox import Outbox
from delegate_app.core.policy import Policy, RawPolicy
from delegate_app.core.relay_urls import is_loopback, plain_http_remote
from sync.client.engine import SyncEngine
from sync.client.errors import RelayRefusedError, RelayUnreachableError
from sync.client.relay_client import RelayClient
from sync.client.state import SyncStatus
from tests.cli.helpers import delegatectl
from tests.relay_server import RelayProcess
from tests.sync.netwatch import watching
from tests.sync.profiles import create_profiles, introduce

REMOTE = "http://192.0.2.1:8787"  # TEST-NET-1: nothing listens there


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8787", "http://127.5.6.7", "http://localhost:1", "http://[::1]:8787",
     "http://[::ffff:127.0.0.1]:80", "https://192.0.2.1", "https://relay.example.org"],
)  # fmt: skip
def test_loopback_http_and_any_https_may_be_contacted(url: str) -> None:
    assert not plain_http_remote(url)
    assert RelayClient(url).refusal is None


@pytest.mark.parametrize(
    "url",
    [REMOTE, "http://relay.example.org", "http://localhost.example.org", "http://0.0.0.0:8787",
     "http://127.0.0.1.example.org", "http://user@127.0.0.1:8787", "ftp://127.0.0.1"],
)  # fmt: skip
def test_plain_http_elsewhere_or_no_valid_address_is_refused(url: str) -> None:
    assert plain_http_remote(url)
    client = RelayClient(url)
    with watching() as connects, pytest.raises(RelayRefusedError):
        client.versions()
    assert connects == []


def test_is_loopback_resolves_no_names() -> None:
    assert is_loopback("localhost") and is_loopback("::1") and is_loopback("127.0.0.1")
    assert not is_loopback("ip6-localhost") and not is_loopback("10.0.0.1")


def test_a_card_naming_a_plain_http_relay_is_refused_without_a_connect(
    tmp_path: Path, relay: RelayProcess
) -> None:
    (amina,) = create_profiles(tmp_path / "a", 1, relay.url)
    (boris,) = create_profiles(tmp_path / "b", 1, REMOTE, first=1)
    (chen,) = create_profiles(tmp_path / "c", 1, relay.url, first=2)
    introduce([amina, boris, chen])
    try:
        with amina.unlocked() as room:
            room.messenger.send_text(boris.name, "Over the open internet?")
            room.messenger.send_text(chen.name, "Over loopback")
            engine = SyncEngine(room)
            try:
                with watching() as connects:
                    report = engine.sync_once()
                state = engine.state
            finally:
                engine.close()
        assert connects and all(host == "127.0.0.1" for host, _port in connects)
        assert report.sent == 1  # Chen's, over loopback http
        refusal = f"The relay at {REMOTE} uses plain http:// and is not on this computer"
        assert [e for e in report.errors if e.startswith(refusal)] == report.errors
        assert len(report.errors) == 1 and "allow_plain_http_relays" in report.errors[0]
        assert state.status is SyncStatus.ERROR  # the refusal, not "offline"
        with amina.unlocked() as room:
            assert [d.relay_url for d in Outbox(room.db).pending()] == [REMOTE]
    finally:
        for peer in (amina, boris, chen):
            peer.close()


def test_the_policy_allows_plain_http_relays_again(tmp_path: Path, relay: RelayProcess) -> None:
    policy = Policy.from_raw(
        RawPolicy(origin="test", locked={"allow_plain_http_relays": True}, defaults={})
    )
    (amina,) = create_profiles(tmp_path / "a", 1, relay.url, policy)
    (boris,) = create_profiles(tmp_path / "b", 1, REMOTE, policy, first=1)
    introduce([amina, boris])
    try:
        with amina.unlocked() as room:
            room.messenger.send_text(boris.name, "Over the open internet, as IT allows")
            engine = SyncEngine(room)
            try:
                # The connect is attempted (and stopped at the call, so nothing leaves).
                with watching("192.0.2.1") as connects, pytest.raises(RelayUnreachableError):
                    engine.sync_once()
            finally:
                engine.close()
        assert ("192.0.2.1", 8787) in connects
    finally:
        amina.close()
        boris.close()


def test_delegatectl_sync_names_the_refused_relay(tmp_path: Path, relay: RelayProcess) -> None:
    (amina,) = create_profiles(tmp_path / "a", 1, relay.url)
    (boris,) = create_profiles(tmp_path / "b", 1, REMOTE, first=1)
    introduce([amina, boris])
    for peer in (amina, boris):
        peer.close()  # the subprocesses own the vaults from here on
    profile = ("--profile", str(amina.root))
    assert delegatectl("send", boris.name, "Over the open internet?", *profile).returncode == 0
    result = delegatectl("sync", "--once", "--json", *profile)
    assert result.returncode == 1  # errors, not a crash
    report = json.loads(result.stdout)
    assert report["state"] == "error" and report["sent"] == 0
    assert len(report["errors"]) == 1
    assert report["errors"][0].startswith(f"The relay at {REMOTE} uses plain http://")
    shown = delegatectl("sync", "--once", *profile)
    assert f"The relay at {REMOTE} uses plain http:// and is not on this computer" in shown.stderr

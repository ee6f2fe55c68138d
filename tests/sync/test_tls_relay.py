"""The relay serving HTTPS itself (``--tls-cert``/``--tls-key``) and the client trusting an
organisation's own authority through the policy's ``relay_ca_file``."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import certifi
import pytest

from delegate_app.core.policy import Policy, RawPolicy
from sync.client.errors import CaFileError, RelayUnreachableError
from sync.client.relay_client import RelayClient
from sync.client.tls import trust_context
from sync.relay import cli
from tests.relay_server import RelayProcess
from tests.sync.conftest import RELAY_ARGS
from tests.sync.profiles import profiles_at, sync_peer
from tests.tls_certs import TlsFiles, make_tls_files


@pytest.fixture
def tls(tmp_path: Path) -> TlsFiles:
    return make_tls_files(tmp_path / "tls")


def start_tls_relay(tmp_path: Path, tls: TlsFiles, *extra: str) -> RelayProcess:
    relay = RelayProcess(
        tmp_path / "relay.db", *RELAY_ARGS, "--tls-cert", str(tls.cert),
        "--tls-key", str(tls.key), *extra,
    )  # fmt: skip
    relay.verify = str(tls.ca)
    return relay.start()


@pytest.fixture
def tls_relay(tmp_path: Path, tls: TlsFiles) -> Iterator[RelayProcess]:
    relay = start_tls_relay(tmp_path, tls)
    try:
        yield relay
    finally:
        relay.stop()


def test_messages_travel_over_https_to_a_relay_trusted_through_the_policy_ca(
    tmp_path: Path, tls: TlsFiles, tls_relay: RelayProcess
) -> None:
    assert tls_relay.url.startswith("https://")
    policy = Policy.from_raw(
        RawPolicy(origin="test", locked={"relay_ca_file": str(tls.ca)}, defaults={})
    )
    with profiles_at(tmp_path, 2, tls_relay.url, policy) as (amina, boris):
        with amina.unlocked() as room:
            room.messenger.send_text(boris.name, "Sealed twice")
        assert sync_peer(amina).sent == 1  # signed requests name the default https origin
        assert sync_peer(boris).received == 1
        with boris.unlocked() as room:
            assert [m.body for m in room.messenger.messages()] == ["Sealed twice"]


def make_tls_ca_only(relay: RelayProcess) -> Path:
    """Another organisation's authority: trusting it does not make this relay trusted."""
    return make_tls_files(relay.log_path.parent / "other", "Other CA").ca


def test_a_relay_certificate_from_an_untrusted_authority_is_refused(
    tls_relay: RelayProcess,
) -> None:
    with pytest.raises(RelayUnreachableError):
        RelayClient(tls_relay.url).versions()  # only the built-in bundle: not trusted
    assert RelayClient(tls_relay.url, ca_file=str(make_tls_ca_only(tls_relay))).probe() is False


def test_the_extra_authorities_are_trusted_beside_the_built_in_bundle(tls: TlsFiles) -> None:
    builtin = ssl.create_default_context(cafile=certifi.where()).cert_store_stats()["x509_ca"]
    assert trust_context(str(tls.ca)).cert_store_stats()["x509_ca"] == builtin + 1


def test_an_unreadable_ca_file_stops_requests_with_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "empty.pem").write_text("")
    for path in (tmp_path / "missing.pem", tmp_path / "empty.pem"):
        with pytest.raises(CaFileError, match="cannot be read"):
            RelayClient("https://127.0.0.1:1", ca_file=str(path))


def test_the_connection_caps_hold_under_tls(tmp_path: Path, tls: TlsFiles) -> None:
    relay = start_tls_relay(tmp_path, tls, "--max-connections-per-client", "2")
    context = ssl.create_default_context(cafile=str(tls.ca))
    held: list[ssl.SSLSocket] = []
    try:
        for _ in range(2):
            sock = socket.create_connection(("127.0.0.1", relay.port), timeout=10)
            held.append(context.wrap_socket(sock, server_hostname="127.0.0.1"))
        third = context.wrap_socket(
            socket.create_connection(("127.0.0.1", relay.port), timeout=10),
            server_hostname="127.0.0.1",
        )
        held.append(third)
        answer = b""
        while chunk := third.recv(4096):
            answer += chunk
        assert answer.startswith(b"HTTP/1.1 503 ") and b"too many connections" in answer
    finally:
        for sock in held:
            sock.close()
        relay.stop()


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (("--tls-cert", "{cert}"), "--tls-cert and --tls-key must be given together"),
        (("--tls-key", "{key}"), "--tls-cert and --tls-key must be given together"),
        (("--tls-cert", "{missing}", "--tls-key", "{key}"), "cannot read --tls-cert"),
        (("--tls-cert", "{cert}", "--tls-key", "{missing}"), "cannot read --tls-key"),
        (("--tls-cert", "{key}", "--tls-key", "{key}"), "do not load"),
    ],
)
def test_bad_tls_options_exit_2_with_one_line(
    tmp_path: Path, tls: TlsFiles, capsys: pytest.CaptureFixture[str],
    given: tuple[str, ...], message: str,
) -> None:  # fmt: skip
    names = {"cert": tls.cert, "key": tls.key, "missing": tmp_path / "missing.pem"}
    argv = ["--db", str(tmp_path / "relay.db"), *(g.format(**names) for g in given)]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and err.startswith("delegate-relay: ")
    assert not (tmp_path / "relay.db").exists()


def test_the_default_public_url_is_https_when_tls_is_on() -> None:
    assert cli.public_urls([], "192.0.2.7", 8443, "https") == ("https://192.0.2.7:8443",)
    assert "https://localhost:8443" in cli.public_urls([], "127.0.0.1", 8443, "https")

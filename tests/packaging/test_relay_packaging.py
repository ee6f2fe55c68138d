"""The relay's systemd unit and container build: parsed, and consistent with the relay itself."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

from sync.relay.app import create_app
from sync.relay.cli import build_parser
from sync.relay.config import RelayConfig
from sync.relay.storage import SQLiteStorage

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "packaging" / "relay" / "delegate-relay.service"
CONTAINERFILE = ROOT / "packaging" / "relay" / "Containerfile"


def unit_sections(text: str) -> dict[str, dict[str, list[str]]]:
    """systemd's format: sections of keys, each key possibly repeated; comments skipped."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None and "=" in line, raw
        key, value = line.split("=", 1)
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def instructions(text: str) -> list[tuple[str, str]]:
    """A Containerfile's instructions (continuation lines joined, comments dropped)."""
    joined = re.sub(r"\\\n", " ", "\n".join(
        line for line in text.splitlines() if not line.lstrip().startswith("#")
    ))  # fmt: skip
    found = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def health_routes(tmp_path: Path) -> set[str]:
    storage = SQLiteStorage(tmp_path / "relay.db")
    try:
        app = create_app(storage, RelayConfig())
        return {
            str(getattr(r, "path", ""))
            for r in app.routes
            if "health" in str(getattr(r, "path", ""))
        }
    finally:
        storage.close()


def test_the_systemd_unit_runs_the_relay_hardened_with_its_state_directory() -> None:
    service = unit_sections(UNIT.read_text(encoding="utf-8"))["Service"]
    (command,) = service["ExecStart"]
    argv = shlex.split(command)
    assert argv[0].endswith("/delegate-relay")
    args = build_parser().parse_args(argv[1:])  # every option is one the relay knows
    (state,) = service["StateDirectory"]
    assert str(args.db) == f"%S/{state}/relay.db"  # %S: /var/lib, the state root
    assert args.host == "127.0.0.1" and args.metrics == "loopback"
    assert service["DynamicUser"] == ["yes"] and service["User"] == ["delegate-relay"]
    for key, value in {
        "NoNewPrivileges": "yes", "ProtectSystem": "strict", "PrivateTmp": "yes",
        "MemoryDenyWriteExecute": "yes", "ProtectHome": "yes", "PrivateDevices": "yes",
        "RestrictSUIDSGID": "yes", "StateDirectoryMode": "0700", "UMask": "0077",
        "CapabilityBoundingSet": "", "RestrictNamespaces": "yes",
    }.items():  # fmt: skip
        assert service[key] == [value], key
    families = service["RestrictAddressFamilies"][0].split()
    assert set(families) == {"AF_INET", "AF_INET6", "AF_UNIX"}
    # The commented TLS recipe names the relay's real options.
    recipe = re.search(r"#\s+(--tls-cert .*)$", UNIT.read_text(encoding="utf-8"), re.M)
    assert recipe is not None
    tls = build_parser().parse_args(["--db", "x", *shlex.split(recipe[1])])
    assert tls.tls_cert is not None and tls.tls_key is not None


def test_the_container_runs_unprivileged_with_a_volume_and_checks_health(tmp_path: Path) -> None:
    steps = instructions(CONTAINERFILE.read_text(encoding="utf-8"))
    words = [word for word, _rest in steps]
    assert words[0] == "FROM"
    assert all(
        re.search(r"python:3\.\d+-slim( AS \w+)?$", rest) for w, rest in steps if w == "FROM"
    )
    single = {word: rest for word, rest in steps}
    assert single["USER"] not in ("root", "0") and words.index("USER") > words.index("RUN")
    assert json.loads(single["ENTRYPOINT"]) == ["delegate-relay"]
    args = build_parser().parse_args(json.loads(single["CMD"]))
    volumes = json.loads(single["VOLUME"])
    assert str(Path(args.db).parent) in volumes
    assert single["EXPOSE"] == str(args.port)
    env = dict(shlex.split(pair)[0].split("=", 1) for pair in re.findall(r"\S+=\S+", single["ENV"]))
    health = urlsplit(env["DELEGATE_RELAY_HEALTH_URL"])
    assert health.hostname == "127.0.0.1" and health.port == args.port
    assert health.path in health_routes(tmp_path)
    check = single["HEALTHCHECK"]
    assert "--timeout=" in check and "DELEGATE_RELAY_HEALTH_URL" in check
    probe = json.loads(check.split("CMD", 1)[1])
    assert probe[0] == "python" and compile(probe[2], "healthcheck", "exec")

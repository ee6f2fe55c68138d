"""The audit step never claims a pass it did not earn: `make test` runs pip-audit only when its
service answers the way pip-audit needs, and pip-audit runs --strict (ADR 0032)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.packaging.locks import LOCK_DIR, read_lock
from tests.packaging.tools import ROOT, load
from tests.relay_server import free_port

probe = load("audit_probe")
APP_LOCK = LOCK_DIR / "app.txt"


class Service:
    """A loopback stand-in for PyPI's JSON API: each test sets what it answers."""

    def __init__(self) -> None:
        self.status = 200
        self.body: bytes = b"{}"
        self.paths: list[str] = []


@pytest.fixture
def service() -> Iterator[tuple[Service, str]]:
    state = Service()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.paths.append(self.path)
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(state.body)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_service_with_advisory_data_is_reachable(service: tuple[Service, str]) -> None:
    state, base = service
    state.body = json.dumps({"info": {}, "vulnerabilities": []}).encode()
    assert probe.unreachable_reason(APP_LOCK, base) is None
    first = next(iter(read_lock(APP_LOCK).values()))
    assert state.paths == [f"/pypi/{first.name}/{first.version}/json"]  # what pip-audit asks


@pytest.mark.parametrize(
    ("status", "body", "why"),
    [
        (404, b"not found", "HTTP 404"),  # an index mirror without the JSON API
        (200, b"<html>", "not JSON"),  # a captive portal
        (200, b'{"info": {}}', "no vulnerability data"),
        (200, b'["vulnerabilities"]', "no vulnerability data"),
    ],
)
def test_a_service_that_cannot_answer_pip_audit_is_unreachable(
    service: tuple[Service, str], status: int, body: bytes, why: str
) -> None:
    state, base = service
    state.status, state.body = status, body
    reason = probe.unreachable_reason(APP_LOCK, base)
    assert reason is not None and why in reason


def test_no_network_is_unreachable() -> None:
    reason = probe.unreachable_reason(APP_LOCK, f"http://127.0.0.1:{free_port()}", timeout=5)
    assert reason is not None and "ConnectionError" in reason


def probe_status(base: str) -> tuple[int, str]:
    result = subprocess.run(
        [sys.executable, str(ROOT / "packaging" / "audit_probe.py"), str(APP_LOCK), "--base", base],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    return result.returncode, result.stderr


def test_the_probe_s_status_tells_make_unreachable_from_broken(
    service: tuple[Service, str],
) -> None:
    state, base = service
    state.body = json.dumps({"vulnerabilities": []}).encode()
    assert probe_status(base) == (0, "")
    state.status = 404
    status, why = probe_status(base)
    assert status == probe.UNREACHABLE == 3 and "HTTP 404" in why
    broken = subprocess.run(
        [sys.executable, str(ROOT / "packaging" / "audit_probe.py"), "/nonexistent/lock.txt"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert broken.returncode not in (0, probe.UNREACHABLE)


def test_make_test_audits_strictly_or_says_it_skipped() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    (test_line,) = re.findall(r"^test: (.*)$", makefile, re.M)
    assert "audit-if-reachable" in test_line.split()
    recipe = makefile.split("\naudit: ", 1)[1].split("\n\n", 1)[0]
    assert "pip-audit --strict" in recipe and "--require-hashes" in recipe
    for name in ("app.txt", "relay.txt", "dev.txt"):
        assert f"-r $(LOCK_DIR)/{name}" in recipe
    gate = makefile.split("\naudit-if-reachable: ", 1)[1].split("\n\n", 1)[0]
    assert "packaging/audit_probe.py" in gate and "$(MAKE) --no-print-directory audit" in gate
    assert "elif [ $$status -eq 3 ]" in gate and "exit $$status" in gate
    assert 'echo "audit skipped: vulnerability service unreachable' in gate

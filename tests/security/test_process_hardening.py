"""A crash of a Delegate process leaves no core dump (it would hold plaintext and the database key).

Each program is run as a real subprocess; the crash test kills ``delegatectl sync`` with SIGSEGV
while it holds an unlocked vault, after giving it every permission to dump that the parent has.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PASSPHRASE
from tests.sync.profiles import profiles_at

PROBE = """
import ctypes, importlib, resource, sys
module = importlib.import_module(sys.argv[1])
try:
    module.main(["--help"])
except SystemExit:
    pass
dumpable = ctypes.CDLL(None, use_errno=True).prctl(3, 0, 0, 0, 0)  # PR_GET_DUMPABLE
print("PROBE", *resource.getrlimit(resource.RLIMIT_CORE), dumpable)
"""


def _allow_core_dumps() -> None:
    """In the child before exec: as permissive as the parent may be, so only our code can refuse."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
    resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))


PROGRAMS = ("delegate_app.app", "delegate_app.cli", "delegate_app.demo", "delegate_app.demo_peer")


@pytest.mark.parametrize("module", PROGRAMS)
def test_every_program_forbids_core_dumps_first(module: str) -> None:
    """``delegate``, ``delegatectl``, the demo launcher and the demo's peer, even for ``--help``."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, module],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        preexec_fn=_allow_core_dumps,  # no threads are started before exec
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    probe = [line for line in result.stdout.splitlines() if line.startswith("PROBE")]
    soft, hard, dumpable = (int(x) for x in probe[-1].split()[1:])
    assert (soft, hard) == (0, 0)
    if sys.platform.startswith("linux"):
        assert dumpable == 0


def _core_limits(pid: int) -> str:
    lines = Path(f"/proc/{pid}/limits").read_text().splitlines()
    return next(line for line in lines if line.startswith("Max core file size"))


def test_a_crashing_delegatectl_with_an_unlocked_vault_dumps_no_core(tmp_path: Path) -> None:
    crash_dir = tmp_path / "cwd"  # where the kernel's default core_pattern ("core") would write
    crash_dir.mkdir()
    with profiles_at(tmp_path, 1, "http://127.0.0.1:9") as (peer,):
        peer.close()
        process = subprocess.Popen(
            [sys.executable, "-m", "delegate_app.cli", "sync", "--interval", "30",
             "--profile", str(peer.root)],
            cwd=crash_dir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            stdin=subprocess.DEVNULL, env={**os.environ, "DELEGATE_PASSPHRASE": PASSPHRASE},
            preexec_fn=_allow_core_dumps,  # no threads are started before exec
        )  # fmt: skip
        try:
            assert process.stdout is not None
            first_line = process.stdout.readline()  # the vault is unlocked once it reports
            assert first_line.strip(), process.stderr.read() if process.stderr else ""
            core_limits = _core_limits(process.pid).split()[4:6]
            os.kill(process.pid, signal.SIGSEGV)
            _pid, status = os.waitpid(process.pid, 0)
            process.returncode = -signal.SIGSEGV  # reaped above; keeps Popen from waiting again
        finally:
            if process.returncode is None:
                process.kill()
                process.wait(timeout=10)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGSEGV
    assert not os.WCOREDUMP(status)
    assert [p.name for p in crash_dir.iterdir()] == []
    assert core_limits == ["0", "0"]  # soft and hard: it cannot raise them again

"""Cold start to a painted main window with a 10,000-document vault, and its resident memory.

Delegate (unlock, schema check, open the library, build the main window with its lazy document
list, first paint) and the baseline (a bare PySide6 QMainWindow of the same size) both start as
fresh processes; each is timed from process launch until it reports its first paint event,
median of several runs, alternating the two. Unlock uses the fast KDF the benchmark vault was
made with, so the figure is the app's own start-up cost, not Argon2id's deliberate half second.
The ``memory`` row compares resident memory (VmRSS) at first paint.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import BENCH_PASSPHRASE, make_document_vault, median, row, scaled

PROBE_TIMEOUT_S = 120


def _probe(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    """(seconds from launch to the 'painted' line, resident KiB at that moment)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # the probe prints exactly one line, then exits
        elapsed = time.perf_counter() - started
        _out, err = process.communicate(timeout=PROBE_TIMEOUT_S)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    if process.returncode != 0 or not line.startswith("painted"):
        raise RuntimeError(f"start-up probe failed ({process.returncode}): {err.strip()}")
    return elapsed, int(line.split()[3])


def run() -> list[dict[str, Any]]:
    runs = scaled(7, 3)
    documents = scaled(10_000, 200)
    with tempfile.TemporaryDirectory() as tmp:
        profile = make_document_vault(Path(tmp) / "vault", documents).root
        # Installed apps start from compiled bytecode; give both processes a bytecode cache
        # (outside the tree) that the warm-up runs fill.
        env = {
            **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
            "PYTHONPYCACHEPREFIX": str(Path(tmp) / "pycache"),
            "QT_QPA_PLATFORM": "offscreen",
            "DELEGATE_PASSPHRASE": BENCH_PASSPHRASE,
        }
        app_cmd = [sys.executable, "-m", "delegate_app.app", "--profile", str(profile),
                   "--benchmark-startup"]  # fmt: skip
        bare_cmd = [sys.executable, "-m", "benchmarks.bare_window"]
        for _ in range(2):  # warm the OS file cache and the bytecode cache for both
            _probe(app_cmd, env)
            _probe(bare_cmd, env)
        app_runs, bare_runs = [], []
        for _ in range(runs):
            app_runs.append(_probe(app_cmd, env))
            bare_runs.append(_probe(bare_cmd, env))
    return [
        row(
            "startup",
            median([t for t, _ in app_runs]),
            "s",
            median([t for t, _ in bare_runs]),
            target="ratio <= 1.5",
        ),
        row(
            "memory",
            median([m for _, m in app_runs]) / 1024,
            "MiB",
            median([m for _, m in bare_runs]) / 1024,
            target="report",
        ),
    ]


if __name__ == "__main__":
    for result in run():
        print(result)

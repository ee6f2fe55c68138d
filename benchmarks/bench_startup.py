"""Cold start to a painted main window with a 10,000-document vault, and its resident memory.

Both Delegate (unlock, migrate check, open the library, build and paint the main window) and the
baseline (a bare PySide6 QMainWindow) run as fresh processes, timed from process start to the first
paint event, median of several runs. Unlock uses the fast KDF the benchmark vault was made with, so
the figure is the app's own start-up cost, not Argon2id's deliberate half second.
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


def _probe(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    started = time.perf_counter()
    result = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    elapsed = time.perf_counter() - started
    line = next(ln for ln in result.stdout.splitlines() if ln.startswith("painted"))
    return elapsed, int(line.split()[3])


def run() -> list[dict[str, Any]]:
    runs = scaled(7, 3)
    with tempfile.TemporaryDirectory() as tmp:
        profile = make_document_vault(Path(tmp) / "vault", scaled(10_000, 200)).root
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "DELEGATE_PASSPHRASE": BENCH_PASSPHRASE,
        }
        app_cmd = [sys.executable, "-m", "delegate_app.app", "--profile", str(profile),
                   "--startup-probe"]  # fmt: skip
        bare_cmd = [sys.executable, "-m", "benchmarks.bare_window"]
        _probe(app_cmd, env)  # warm the OS file cache for both
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

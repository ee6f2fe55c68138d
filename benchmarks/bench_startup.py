"""Start-up as a user lives it: the unlock window at once, the main window right after Enter.

Three rows, each against a baseline measured in the same run, alternating the two:

- ``startup-unlock``: from process launch until the unlock window has painted, against a bare
  PySide6 QMainWindow of the same kind started the same way (``benchmarks/bare_window.py``).
- ``startup-main``: from the moment the passphrase is submitted until the main window, over a
  10,000-document vault, has painted; measured after the unlock window's preloading finished, as
  it does while the user types. The vault uses the fast KDF, so Argon2id's deliberate half second
  is not in the figure. Baseline (``benchmarks/bare_unlocked.py``): the textbook minimum on the
  same vault in a running QApplication (open the SQLCipher file with the raw key, count the
  documents, read 50 titles, paint a bare window listing them).
- ``memory``: resident memory when the unlock window has painted, against the bare window.
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


def _probe(command: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """(seconds from launch to the 'painted' line, the seconds the line reports, resident KiB)."""
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
    fields = line.split()
    return elapsed, float(fields[1]), int(fields[3])


def run() -> list[dict[str, Any]]:
    runs = scaled(7, 3)
    documents = scaled(10_000, 200)
    with tempfile.TemporaryDirectory() as tmp:
        profile = make_document_vault(Path(tmp) / "vault", documents).root
        # Installed apps start from compiled bytecode; give every process a bytecode cache
        # (outside the tree) that the warm-up runs fill.
        env = {
            **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
            "PYTHONPYCACHEPREFIX": str(Path(tmp) / "pycache"),
            "QT_QPA_PLATFORM": "offscreen",
            "DELEGATE_PASSPHRASE": BENCH_PASSPHRASE,
        }
        app = [sys.executable, "-m", "delegate_app.app", "--profile", str(profile)]
        commands = {
            "unlock": [*app, "--benchmark-unlock"],
            "bare": [sys.executable, "-m", "benchmarks.bare_window"],
            "main": [*app, "--benchmark-startup"],
            "bare-main": [sys.executable, "-m", "benchmarks.bare_unlocked", str(profile)],
        }
        for _ in range(2):  # warm the OS file cache and the bytecode cache for all
            for command in commands.values():
                _probe(command, env)
        samples: dict[str, list[tuple[float, float, int]]] = {name: [] for name in commands}
        for _ in range(runs):
            for name, command in commands.items():
                samples[name].append(_probe(command, env))
    return [
        row(
            "startup-unlock",
            median([launch for launch, _, _ in samples["unlock"]]),
            "s",
            median([launch for launch, _, _ in samples["bare"]]),
            target="ratio <= 1.3",
        ),
        row(
            "startup-main",
            median([inner for _, inner, _ in samples["main"]]) * 1000,
            "ms",
            median([inner for _, inner, _ in samples["bare-main"]]) * 1000,
            target="value <= 150 ms",
        ),
        row(
            "memory",
            median([kb for _, _, kb in samples["unlock"]]) / 1024,
            "MiB",
            median([kb for _, _, kb in samples["bare"]]) / 1024,
            target="report",
        ),
    ]


if __name__ == "__main__":
    for result in run():
        print(result)

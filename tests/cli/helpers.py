"""Run ``delegatectl`` as a user would: a real subprocess with its own environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import PASSPHRASE


def delegatectl(
    *args: str | Path,
    passphrase: str | None = PASSPHRASE,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    full_env = dict(os.environ)
    full_env.pop("DELEGATE_PASSPHRASE", None)
    if passphrase is not None:
        full_env["DELEGATE_PASSPHRASE"] = passphrase
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "delegate_app.cli", *map(str, args)],
        capture_output=True,
        text=True,
        env=full_env,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
        check=False,
    )

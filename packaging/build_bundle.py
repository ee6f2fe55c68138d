"""Build the one-folder PyInstaller bundle: ``dist/delegate/`` (``delegate`` and ``delegatectl``).

    python packaging/build_bundle.py [--dist DIR] [--work DIR]

Reproducible: PYTHONHASHSEED is fixed and SOURCE_DATE_EPOCH (default: the time of the last
commit) is passed on, so two builds of the same tree and toolchain give the same files.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "pyinstaller" / "delegate.spec"


def source_date_epoch() -> str:
    """SOURCE_DATE_EPOCH from the environment, else the last commit's time, else 0."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value:
        return value
    try:
        result = subprocess.run(
            ["git", "-C", str(ROOT), "log", "-1", "--format=%ct"],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return "0"
    return result.stdout.strip() or "0"


def build(dist: Path, work: Path) -> Path:
    env = dict(os.environ)
    env["PYTHONHASHSEED"] = "0"
    env["SOURCE_DATE_EPOCH"] = source_date_epoch()
    env["DELEGATE_BUNDLE_WORK"] = str(work)
    subprocess.run(  # noqa: S603 - fixed argument list
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--clean",
            "--log-level=WARN",
            f"--distpath={dist}",
            f"--workpath={work}",
            str(SPEC),
        ],
        env=env,
        check=True,
        cwd=ROOT,
    )
    return dist / "delegate"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "bundle")
    args = parser.parse_args(argv)
    folder = build(args.dist.resolve(), args.work.resolve())
    print(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())

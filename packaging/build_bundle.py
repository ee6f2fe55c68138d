"""Build the one-folder PyInstaller bundle: ``dist/delegate/`` (``delegate`` and ``delegatectl``).

    python packaging/build_bundle.py [--dist DIR] [--work DIR]

Reproducible: PYTHONHASHSEED is fixed and SOURCE_DATE_EPOCH (default: the time of the last
commit) is passed on, so two builds of the same tree and toolchain give the same files.

On Linux the shared objects are then tidied as a distribution would: symbols stripped
(``strip --strip-unneeded``, as dh_strip does) and search paths that point into the build
machine (an interpreter's own lib directory) removed, keeping only ``$ORIGIN`` entries.
The two executables are left alone: PyInstaller appends its archive to them.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pkgtools import ROOT, BuildError, require, run, source_date_epoch

SPEC = ROOT / "packaging" / "pyinstaller" / "delegate.spec"


def build(dist: Path, work: Path) -> Path:
    env = dict(os.environ)
    env["PYTHONHASHSEED"] = "0"
    env["SOURCE_DATE_EPOCH"] = str(source_date_epoch())
    env["DELEGATE_BUNDLE_WORK"] = str(work)
    run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--clean",
            "--log-level=WARN",
            f"--distpath={dist}",
            f"--workpath={work}",
            SPEC,
        ],
        env=env,
        cwd=ROOT,
    )
    folder = dist / "delegate"
    if sys.platform.startswith("linux"):
        tidy_shared_objects(folder)
    return folder


def _is_elf(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(4) == b"\x7fELF"


def tidy_shared_objects(folder: Path) -> None:
    strip = require("strip", "binutils")
    patchelf = require("patchelf", "patchelf")
    executables = {folder / "delegate", folder / "delegatectl"}
    for path in sorted(folder.rglob("*")):
        if path in executables or path.is_symlink() or not path.is_file() or not _is_elf(path):
            continue
        run(
            [strip, "--strip-unneeded", "--remove-section=.comment", "--remove-section=.note", path]
        )
        search = run([patchelf, "--print-rpath", path]).strip()
        kept = [entry for entry in search.split(":") if entry.startswith("$ORIGIN")]
        if search and kept != search.split(":"):
            if kept:
                run([patchelf, "--set-rpath", ":".join(kept), path])
            else:
                run([patchelf, "--remove-rpath", path])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the PyInstaller bundle.")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "bundle")
    args = parser.parse_args(argv)
    try:
        folder = build(args.dist.resolve(), args.work.resolve())
    except BuildError as exc:
        print(f"build_bundle: {exc}", file=sys.stderr)
        return 1
    print(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())

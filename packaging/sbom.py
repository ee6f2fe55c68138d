"""CycloneDX SBOMs from the hashed locks: one beside each installer, one for the relay container.

    python packaging/sbom.py [--dist dist]

Beside ``dist/delegate/`` (the bundle), every ``dist/delegate_*.deb`` and ``dist/delegate-*.msi``
present it writes ``<name>.cdx.json`` listing ``requirements/app.txt``; and it always writes
``dist/delegate-relay-<version>-container.cdx.json`` from ``requirements/relay.txt``, what the
container build (``packaging/relay/Containerfile``) installs. Each component carries the
lock's version, package URL and sha256 hashes; the output is reproducible (SOURCE_DATE_EPOCH).
The SBOM lists the lock, not a scan: the bundle holds the subset of these packages that it
imports, and the Debian libraries a .deb depends on are not listed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from pkgtools import ROOT, BuildError, source_date_epoch, version

LOCK_DIR = ROOT / "requirements"
APP_LOCK = LOCK_DIR / "app.txt"
RELAY_LOCK = LOCK_DIR / "relay.txt"
SUFFIX = ".cdx.json"


def write_sbom(lock: Path, out: Path) -> Path:
    """``out``: the CycloneDX 1.6 JSON SBOM of ``lock``, validated by the generator."""
    out.parent.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-W", "ignore::UserWarning", "-m", "cyclonedx_py", "requirements",
        "--pyproject", str(ROOT / "pyproject.toml"), "--mc-type", "application",
        "--spec-version", "1.6", "--output-reproducible", "--validate",
        "--output-file", str(out), str(lock),
    ]  # fmt: skip
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(source_date_epoch())}
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BuildError(f"cyclonedx-py failed on {lock.name}: {result.stderr.strip()}")
    return out


def installers(dist: Path) -> list[Path]:
    """The installer build outputs present in ``dist``."""
    found = [dist / "delegate"] if (dist / "delegate").is_dir() else []
    found += sorted(dist.glob("delegate_*.deb")) + sorted(dist.glob("delegate-*.msi"))
    return found


def beside(output: Path) -> Path:
    """Where the SBOM of an installer output goes: ``dist/x.deb`` -> ``dist/x.deb.cdx.json``."""
    return output.with_name(output.name + SUFFIX)


def relay_sbom_path(dist: Path) -> Path:
    return dist / f"delegate-relay-{version()}-container{SUFFIX}"


def write_all(dist: Path) -> list[Path]:
    """Every SBOM for ``dist``; the installers share one lock, so one is generated and copied."""
    written = [beside(output) for output in installers(dist)]
    if written:
        write_sbom(APP_LOCK, written[0])
        for path in written[1:]:
            shutil.copyfile(written[0], path)
    written.append(write_sbom(RELAY_LOCK, relay_sbom_path(dist)))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the CycloneDX SBOMs from the locks.")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    args = parser.parse_args(argv)
    try:
        for path in write_all(args.dist.resolve()):
            print(path)
    except BuildError as exc:
        print(f"sbom: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

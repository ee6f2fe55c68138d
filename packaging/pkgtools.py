"""What the installer builders share: the tree's root, the version, commands, reproducible time."""

from __future__ import annotations

import gzip
import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP_ID = "org.delegate.Delegate"


class BuildError(Exception):
    """A build step failed; the message says which and why."""


def version() -> str:
    """The version in ``delegate_app/__init__.py`` (read, not imported)."""
    text = (ROOT / "delegate_app" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"$', text, re.MULTILINE)
    if match is None:
        raise BuildError("no __version__ in delegate_app/__init__.py")
    return match.group(1)


def require(tool: str, package: str) -> str:
    """The path of ``tool``, or a clear error naming the Debian package that provides it."""
    path = shutil.which(tool)
    if path is None:
        raise BuildError(f"{tool} is missing: apt-get install {package}")
    return path


def run(
    command: Sequence[str | Path],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 900,
    stdin: str | None = None,
) -> str:
    """Run ``command`` (never through a shell); its stdout, or BuildError with its stderr."""
    args = [str(part) for part in command]
    try:
        result = subprocess.run(  # noqa: S603 - argument lists built by the builders
            args,
            cwd=cwd,
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BuildError(f"{args[0]}: {exc}") from None
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()
        raise BuildError(f"{' '.join(args[:2])} failed ({result.returncode}): {detail}")
    return result.stdout


def source_date_epoch() -> int:
    """SOURCE_DATE_EPOCH from the environment, else the last commit's time, else 0."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value:
        return int(value)
    git = shutil.which("git")
    if git is None:
        return 0
    try:
        return int(run([git, "-C", ROOT, "log", "-1", "--format=%ct"], timeout=30).strip() or 0)
    except (BuildError, ValueError):
        return 0


def gzip_reproducibly(source: bytes, target: Path) -> None:
    """``gzip -9n``: best compression, no name and no time in the header."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with (
        target.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as out,
    ):
        out.write(source)

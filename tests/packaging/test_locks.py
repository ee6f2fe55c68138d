"""The hashed locks: they cover what pyproject.toml declares, agree with each other, and are what
make and the relay container install from, with hashes that pip enforces (ADR 0032)."""

from __future__ import annotations

import base64
import hashlib
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.packaging.locks import (
    LOCK_DIR,
    Pin,
    build_requires,
    declared,
    logical_lines,
    read_lock,
    requirements_in,
)
from tests.packaging.tools import ROOT

# The platform every lock must serve at least (CI, the .deb, the relay on Debian).
LINUX_311 = {  # over this interpreter's environment (Marker.evaluate merges them)
    "os_name": "posix",
    "python_version": "3.11",
    "python_full_version": "3.11.2",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
}


def lock(name: str) -> dict[str, Pin]:
    return read_lock(LOCK_DIR / name)


def expected(lock_name: str) -> list[Requirement]:
    if lock_name == "app.txt":
        return declared()
    if lock_name == "relay.txt":
        return requirements_in("relay.in")
    if lock_name == "build.txt":
        return [*build_requires(), *requirements_in("build.in")]
    return [
        *declared("dev"),
        *build_requires(),
        *requirements_in("build.in"),
        *requirements_in("tools.in"),
    ]


def uncovered(requirements: list[Requirement], pins: dict[str, Pin]) -> list[str]:
    """Each requirement the lock does not satisfy on Linux/CPython 3.11, with why."""
    problems = []
    for requirement in requirements:
        pin = pins.get(canonicalize_name(requirement.name))
        if pin is None:
            problems.append(f"{requirement}: not in the lock")
        elif not requirement.specifier.contains(pin.version, prereleases=True):
            problems.append(f"{requirement}: the lock has {pin.version}")
        elif pin.marker is not None and not pin.marker.evaluate(LINUX_311):
            problems.append(f"{requirement}: locked only where {pin.marker}")
    return problems


@pytest.mark.parametrize("lock_name", ["app.txt", "relay.txt", "build.txt", "dev.txt"])
def test_each_lock_covers_what_it_is_for(lock_name: str) -> None:
    assert uncovered(expected(lock_name), lock(lock_name)) == []


def test_a_dependency_added_without_relocking_is_caught() -> None:
    added = [*declared(), Requirement("vodozemac>=0.11"), Requirement("not-locked-anywhere")]
    assert uncovered(added, lock("app.txt")) == [
        "vodozemac>=0.11: the lock has 0.10.0",
        "not-locked-anywhere: not in the lock",
    ]


def test_every_locked_package_is_pinned_with_sha256_hashes() -> None:
    for path in sorted(LOCK_DIR.glob("*.txt")):
        pins = read_lock(path)
        assert pins, path.name
        for pin in pins.values():
            assert pin.hashes, f"{path.name}: {pin.name} has no hash"


@pytest.mark.parametrize("lock_name", ["app.txt", "relay.txt", "build.txt"])
def test_the_narrow_locks_are_the_venv_lock_s_choices(lock_name: str) -> None:
    """The installers are built from the venv (dev.txt): their SBOM (app.txt) must match it."""
    venv = lock("dev.txt")
    for pin in lock(lock_name).values():
        assert pin.name in venv, pin.name
        assert (pin.version, pin.hashes) == (venv[pin.name].version, venv[pin.name].hashes)


def test_the_relay_lock_takes_pyproject_s_specifiers_and_excludes_the_client() -> None:
    project = {canonicalize_name(r.name): r for r in declared("relay")}
    for requirement in requirements_in("relay.in"):
        assert str(project[canonicalize_name(requirement.name)]) == str(requirement)
    for relay_extra in declared("relay", base=False):
        assert canonicalize_name(relay_extra.name) in {
            canonicalize_name(r.name) for r in requirements_in("relay.in")
        }
    assert not {"pyside6", "sqlcipher3"} & set(lock("relay.txt"))


def test_the_pinned_uv_is_the_locked_uv() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    pinned = re.search(r"^UV_VERSION := (\S+)$", makefile, re.M)
    assert pinned is not None
    assert lock("dev.txt")["uv"].version == pinned[1]
    assert f"uv=={pinned[1]}" in logical_lines((LOCK_DIR / "tools.in").read_text("utf-8"))


def pip_installs(text: str) -> list[str]:
    joined = re.sub(r"\\\n", " ", text)
    return [m.strip() for m in re.findall(r"pip install([^\n&;]*)", joined)]


def test_make_and_the_container_install_only_from_the_locks_with_hashes() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("$(STAMP): ", 1)[1].split("\n\n", 1)[0]
    container = (ROOT / "packaging" / "relay" / "Containerfile").read_text(encoding="utf-8")
    for text, locks in ((recipe, ["dev.txt"]), (container, ["build.txt", "relay.txt"])):
        installs = pip_installs(text)
        hashed = [line for line in installs if "--require-hashes" in line]
        assert [re.search(r"-r \S*?(\w+\.txt)", line)[1] for line in hashed] == locks  # type: ignore[index]
        for line in installs:  # the rest install the project itself, resolving nothing
            assert line in hashed or ("--no-deps" in line and "--require-hashes" not in line)
            assert "--upgrade" not in line and ">=" not in line
        assert all("--no-build-isolation" in line for line in installs if "--no-deps -e" in line)


def tiny_wheel(folder: Path) -> tuple[Path, str]:
    """A minimal pure-Python wheel, and its sha256."""
    name = "tinypkg"
    dist_info = f"{name}-1.0.dist-info"
    files = {
        f"{name}.py": b"VALUE = 1\n",
        f"{dist_info}/METADATA": b"Metadata-Version: 2.1\nName: tinypkg\nVersion: 1.0\n",
        f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n",
    }
    record = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{dist_info}/RECORD,,")
    wheel = folder / f"{name}-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, data in files.items():
            archive.writestr(path, data)
        archive.writestr(f"{dist_info}/RECORD", "\n".join(record) + "\n")
    return wheel, hashlib.sha256(wheel.read_bytes()).hexdigest()


def pip_install_hashed(
    lock_text: str, tmp_path: Path, wheels: Path
) -> subprocess.CompletedProcess[str]:
    lockfile = tmp_path / "lock.txt"
    lockfile.write_text(lock_text, encoding="utf-8")
    target = tmp_path / "target"
    return subprocess.run(
        [sys.executable, "-m", "pip", "install", "--isolated", "--no-index", "--find-links",
         str(wheels), "--require-hashes", "--only-binary", ":all:", "--target", str(target),
         "--quiet", "-r", str(lockfile)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_a_tampered_or_unhashed_package_is_refused(tmp_path: Path) -> None:
    """The attack: a mirror or proxy serves a different file under a locked name and version."""
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    _wheel, digest = tiny_wheel(wheels)
    tampered = digest[:-1] + ("0" if digest[-1] != "0" else "1")
    refused = pip_install_hashed(f"tinypkg==1.0 --hash=sha256:{tampered}\n", tmp_path, wheels)
    assert refused.returncode != 0 and "DO NOT MATCH THE HASHES" in refused.stderr
    assert not (tmp_path / "target" / "tinypkg.py").exists()
    unhashed = pip_install_hashed("tinypkg==1.0\n", tmp_path, wheels)
    assert unhashed.returncode != 0 and "Hashes are required" in unhashed.stderr
    accepted = pip_install_hashed(f"tinypkg==1.0 --hash=sha256:{digest}\n", tmp_path, wheels)
    assert accepted.returncode == 0, accepted.stderr
    assert (tmp_path / "target" / "tinypkg.py").read_text() == "VALUE = 1\n"

"""Reading the hashed locks (requirements/*.txt) and what pyproject.toml declares, for tests."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.packaging.tools import ROOT

LOCK_DIR = ROOT / "requirements"
HASH = re.compile(r"--hash=sha256:([0-9a-f]{64})")


@dataclass(frozen=True)
class Pin:
    name: str  # canonical
    version: str
    marker: Marker | None
    hashes: frozenset[str]


def logical_lines(text: str) -> list[str]:
    """Continuation lines joined, comments and blanks dropped."""
    joined = re.sub(r"\\\n", " ", text)
    lines = (line.split(" #", 1)[0].strip() for line in joined.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def read_lock(path: Path) -> dict[str, Pin]:
    pins: dict[str, Pin] = {}
    for line in logical_lines(path.read_text(encoding="utf-8")):
        spec = HASH.sub("", line).strip()
        assert "--hash" not in spec, f"{path.name}: a hash that is not sha256 in {line!r}"
        requirement = Requirement(spec)
        (clause,) = requirement.specifier
        assert clause.operator == "==", f"{path.name}: {spec!r} is not pinned"
        name = canonicalize_name(requirement.name)
        assert name not in pins, f"{path.name}: {name} twice"
        pins[name] = Pin(name, clause.version, requirement.marker, frozenset(HASH.findall(line)))
    return pins


def pyproject() -> dict[str, object]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def declared(*extras: str, base: bool = True) -> list[Requirement]:
    """The project's requirements (and those of ``extras``), its own extras expanded."""
    project = pyproject()["project"]
    assert isinstance(project, dict)
    own = canonicalize_name(str(project["name"]))
    optional: dict[str, list[str]] = project.get("optional-dependencies", {})
    pending = [*(project["dependencies"] if base else [])]
    for extra in extras:
        pending += optional[extra]
    found: list[Requirement] = []
    seen_extras = set(extras)
    while pending:
        requirement = Requirement(pending.pop(0))
        if canonicalize_name(requirement.name) == own:
            for extra in sorted(requirement.extras - seen_extras):
                seen_extras.add(extra)
                pending += optional[extra]
            continue
        found.append(requirement)
    return found


def requirements_in(name: str) -> list[Requirement]:
    return [Requirement(line) for line in logical_lines((LOCK_DIR / name).read_text("utf-8"))]


def build_requires() -> list[Requirement]:
    system = pyproject()["build-system"]
    assert isinstance(system, dict)
    return [Requirement(spec) for spec in system["requires"]]

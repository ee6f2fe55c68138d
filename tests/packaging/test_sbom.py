"""The CycloneDX SBOMs (`make sbom`): valid, beside each installer, and the lock exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from packaging.utils import canonicalize_name

from tests.packaging.locks import LOCK_DIR, read_lock
from tests.packaging.tools import load

sbom = load("sbom")
pkgtools = load("pkgtools")


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The SBOMs for a dist/ holding one of each installer output."""
    dist = tmp_path_factory.mktemp("dist")
    (dist / "delegate").mkdir()
    version = pkgtools.version()
    (dist / f"delegate_{version}_amd64.deb").write_bytes(b"")
    (dist / f"delegate-{version}-x64.msi").write_bytes(b"")
    return {path.name: path for path in sbom.write_all(dist)}


def test_one_sbom_beside_each_installer_and_one_for_the_relay_container(
    written: dict[str, Path],
) -> None:
    version = pkgtools.version()
    assert set(written) == {
        "delegate.cdx.json",
        f"delegate_{version}_amd64.deb.cdx.json",
        f"delegate-{version}-x64.msi.cdx.json",
        f"delegate-relay-{version}-container.cdx.json",
    }


def lock_of(name: str) -> Path:
    return LOCK_DIR / ("relay.txt" if name.startswith("delegate-relay-") else "app.txt")


def test_each_sbom_is_valid_cyclonedx_and_lists_exactly_its_lock(written: dict[str, Path]) -> None:
    validator = JsonStrictValidator(SchemaVersion.V1_6)
    for name, path in written.items():
        text = path.read_text(encoding="utf-8")
        assert validator.validate_str(text) is None, name
        document = json.loads(text)
        assert document["bomFormat"] == "CycloneDX" and document["specVersion"] == "1.6"
        root = document["metadata"]["component"]
        assert (root["name"], root["version"]) == ("delegate", pkgtools.version())
        listed = {}
        for component in document["components"]:
            hashes = {
                h["content"]
                for ref in component.get("externalReferences", [])
                for h in ref.get("hashes", [])
                if h["alg"] == "SHA-256"
            }
            key = canonicalize_name(component["name"])
            assert component["purl"] == f"pkg:pypi/{key}@{component['version']}"
            listed[key] = (component["version"], frozenset(hashes))
        pins = read_lock(lock_of(name))
        assert listed == {pin.name: (pin.version, pin.hashes) for pin in pins.values()}, name


def test_the_sboms_are_reproducible(written: dict[str, Path], tmp_path: Path) -> None:
    again = sbom.write_sbom(sbom.APP_LOCK, tmp_path / "again.cdx.json")
    assert again.read_bytes() == written["delegate.cdx.json"].read_bytes()

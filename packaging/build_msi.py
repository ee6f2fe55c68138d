"""Build ``dist/delegate-<version>-x64.msi`` from the WiX sources in packaging/windows/.

    python packaging/build_msi.py [--bundle DIR] [--out dist]

``--bundle`` is a Windows PyInstaller bundle (a ``dist\\delegate`` folder holding
``delegate.exe``), built on Windows with packaging/pyinstaller/delegate.spec. Without one the
MSI carries a small placeholder file set (a README saying so, and the example policy): the
point of such a build is the installer's authoring -- per-machine install, major upgrades,
and the public properties that become registry policy -- which CI inspects with msiinfo.

The MSI is built with wixl (Debian's msitools); the same sources build with WiX 3 on Windows.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import msi_policy
from pkgtools import ROOT, BuildError, require, run, version

WINDOWS = ROOT / "packaging" / "windows"
WIX_NS = "http://schemas.microsoft.com/wix/2006/wi"
PLACEHOLDER_README = """\
Delegate {version} -- installer test build

This installer was built without a Windows build of Delegate. It installs this file and an
example policy only, and writes the organisation's policy to the registry from the
installer's properties (HKLM\\Software\\Policies\\Delegate), exactly as the full installer
does. See DEPLOYMENT.md in the Delegate sources.
"""


def placeholder_payload(target: Path) -> Path:
    target.mkdir(parents=True)
    text = PLACEHOLDER_README.format(version=version()).replace("\n", "\r\n")
    (target / "README.txt").write_text(text, encoding="utf-8", newline="")
    shutil.copyfile(ROOT / "packaging" / "policy" / "policy.json", target / "policy-example.json")
    return target


def harvest(payload: Path, output: Path) -> None:
    """files.wxs: one component per payload file, under INSTALLDIR, 64-bit."""
    files = sorted(str(path) for path in payload.rglob("*") if path.is_file())
    heat = require("wixl-heat", "wixl")
    xml = run(
        [
            heat,
            "--prefix",
            f"{payload}/",
            "--directory-ref",
            "INSTALLDIR",
            "--component-group",
            "AppFiles",
            "--var",
            "var.SourceDir",
        ],
        stdin="\n".join(files) + "\n",
    )
    ET.register_namespace("", WIX_NS)
    tree = ET.ElementTree(ET.fromstring(xml))  # noqa: S314 - wixl-heat's output
    for component in tree.iter(f"{{{WIX_NS}}}Component"):
        component.set("Win64", "yes")
    tree.write(output, encoding="utf-8", xml_declaration=True)


def build(bundle: Path | None, out: Path, work: Path) -> Path:
    wixl = require("wixl", "wixl")
    if msi_policy.stale():
        raise BuildError("packaging/windows/policy.wx[is] are stale: run packaging/msi_policy.py")
    if bundle is not None:
        if not (bundle / "delegate.exe").is_file():
            raise BuildError(f"{bundle} holds no delegate.exe: not a Windows bundle")
        payload, has_bundle = bundle, "yes"
    else:
        payload, has_bundle = placeholder_payload(work / "payload"), "no"
    harvest(payload, work / "files.wxs")
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"delegate-{version()}-x64.msi"
    run(
        [
            wixl,
            "--arch",
            "x64",
            "--includedir",
            WINDOWS,
            "-D",
            f"Version={version()}",
            "-D",
            # wixl finds sources only by paths relative to its working directory
            f"SourceDir={os.path.relpath(payload, work)}",
            "-D",
            f"HasBundle={has_bundle}",
            "-o",
            target,
            WINDOWS / "delegate.wxs",
            WINDOWS / "policy.wxs",
            work / "files.wxs",
        ],
        cwd=work,
    )
    schedule_upgrade_removal(target)
    return target


def sequence_of(msi: Path, table: str) -> dict[str, int]:
    rows = run([require("msiinfo", "msitools"), "export", msi, table]).splitlines()[3:]
    return {row.split("\t")[0]: int(row.split("\t")[2]) for row in rows if row.strip()}


def schedule_upgrade_removal(msi: Path) -> None:
    """RemoveExistingProducts right after InstallValidate, as MajorUpgrade's default asks.

    wixl places it after InstallFinalize once a sequence holds many custom actions; the old
    version must go before the new one is installed, inside the same transaction.
    """
    sequence = sequence_of(msi, "InstallExecuteSequence")
    wanted = sequence["InstallValidate"] + 1
    if sequence.get("RemoveExistingProducts") == wanted:
        return
    if wanted in sequence.values() or wanted >= sequence["InstallInitialize"]:
        raise BuildError(f"no free place after InstallValidate in {msi.name}")
    # An integer read from the MSI itself: no outside input reaches the query.
    table, action = "`InstallExecuteSequence`", "'RemoveExistingProducts'"
    query = f"UPDATE {table} SET `Sequence` = {int(wanted)} WHERE `Action` = {action}"  # noqa: S608
    run([require("msibuild", "msitools"), msi, "-q", query])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the Delegate MSI with wixl.")
    parser.add_argument("--bundle", type=Path, help="a Windows bundle folder (delegate.exe)")
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    args = parser.parse_args(argv)
    try:
        with tempfile.TemporaryDirectory(prefix="delegate-msi-") as tmp:
            bundle = args.bundle.resolve() if args.bundle else None
            target = build(bundle, args.out.resolve(), Path(tmp))
    except BuildError as exc:
        print(f"build_msi: {exc}", file=sys.stderr)
        return 1
    print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Build ``dist/delegate_<version>_<arch>.deb`` from the PyInstaller bundle, reproducibly.

    python packaging/build_deb.py [--bundle dist/delegate] [--out dist] [--work DIR]

Layout: the bundle in /opt/delegate; /usr/bin/delegate and /usr/bin/delegatectl as symlinks
into it; the desktop entry, hicolor icons (scalable SVG and a 256px PNG rendered from it),
AppStream metainfo, manual pages, copyright and an example policy under /usr/share.
``Depends`` comes from dpkg-shlibdeps over every ELF file in the bundle.

No maintainer scripts: installing, upgrading and removing never touch users' profiles (in
their home directories) or the organisation's /etc/delegate/policy.json, which the package
does not ship (the example lives in /usr/share/doc/delegate/examples/).

Reproducible: every mtime is SOURCE_DATE_EPOCH (default: the last commit's time),
permissions are normalised, ownership is root:root (dpkg-deb --root-owner-group), and
dpkg-deb writes members in sorted order; two builds of the same bundle give the same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import stat
import sys
import tempfile
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

from pkgtools import (
    APP_ID,
    ROOT,
    BuildError,
    gzip_reproducibly,
    require,
    run,
    source_date_epoch,
    version,
)

PACKAGE = "delegate"
LINUX = ROOT / "packaging" / "linux"
RESOURCES = ROOT / "resources"
MAINTAINER = "Delegate developers <delegate@example.org>"
# Not linked, but used at run time: fonts for every interface language, and the keyring.
RECOMMENDS = "fonts-noto-core | fonts-dejavu-core, fonts-noto-cjk | fonts-arphic-ukai"
SUGGESTS = "gnome-keyring | kwalletmanager"
DESCRIPTION = """\
encrypted briefings and messages for diplomatic missions
 Delegate keeps briefing books, position papers and notes in an encrypted
 store on the laptop, readable and searchable with no connection. Missions
 exchange messages and documents encrypted end to end through a relay that
 learns nothing from what it carries.
 .
 This package installs a self-contained build under /opt/delegate with the
 desktop application (delegate) and the command-line tool (delegatectl).
 IT staff manage settings in /etc/delegate/policy.json; see
 /usr/share/doc/delegate/examples/policy.json."""


def architecture() -> str:
    return run([require("dpkg", "dpkg"), "--print-architecture"]).strip()


# -- the tree ---------------------------------------------------------------------------------


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def stage(root: Path, bundle: Path, epoch: int) -> None:
    """Lay out the installed files under ``root`` (the package's root directory)."""
    if not (bundle / "delegate").is_file() or not (bundle / "delegatectl").is_file():
        raise BuildError(f"{bundle} is not a Delegate bundle: run `make bundle` first")
    shutil.copytree(bundle, root / "opt" / PACKAGE, symlinks=True)
    bin_dir = root / "usr" / "bin"
    bin_dir.mkdir(parents=True)
    for name in ("delegate", "delegatectl"):
        # Absolute: /usr/bin and /opt are different top-level directories (Debian policy 10.5).
        (bin_dir / name).symlink_to(f"/opt/{PACKAGE}/{name}")

    share = root / "usr" / "share"
    _copy(RESOURCES / "delegate.desktop", share / "applications" / "delegate.desktop")
    _copy(RESOURCES / f"{APP_ID}.metainfo.xml", share / "metainfo" / f"{APP_ID}.metainfo.xml")
    icons = share / "icons" / "hicolor"
    svg = RESOURCES / "icons" / "delegate.svg"
    _copy(svg, icons / "scalable" / "apps" / "delegate.svg")
    png = icons / "256x256" / "apps" / "delegate.png"
    png.parent.mkdir(parents=True)
    rsvg = require("rsvg-convert", "librsvg2-bin")
    run([rsvg, "--width=256", "--height=256", "--format=png", f"--output={png}", svg])

    doc = share / "doc" / PACKAGE
    _copy(LINUX / "copyright", doc / "copyright")
    _copy(LINUX / "README.Debian", doc / "README.Debian")
    _copy(ROOT / "packaging" / "policy" / "policy.json", doc / "examples" / "policy.json")
    gzip_reproducibly(changelog(epoch).encode("utf-8"), doc / "changelog.gz")
    for page in sorted((LINUX / "man").glob("*.1")):
        gzip_reproducibly(page.read_bytes(), share / "man" / "man1" / f"{page.name}.gz")
    _copy(LINUX / "lintian-overrides", share / "lintian" / "overrides" / PACKAGE)


def changelog(epoch: int) -> str:
    when = format_datetime(datetime.fromtimestamp(epoch, UTC))
    return (
        f"{PACKAGE} ({version()}) stable; urgency=medium\n\n"
        f"  * Release {version()}.\n\n"
        f" -- {MAINTAINER}  {when.replace('-0000', '+0000')}\n"
    )


def is_elf(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(4) == b"\x7fELF"


def normalise(root: Path, epoch: int) -> None:
    """Permissions 0755/0644 (shared libraries not executable), every mtime ``epoch``."""
    for path in sorted(root.rglob("*"), reverse=True):  # children before their directories
        if path.is_symlink():
            os.utime(path, (epoch, epoch), follow_symlinks=False)
            continue
        if path.is_dir():
            path.chmod(0o755)
        else:
            executable = path.stat().st_mode & stat.S_IXUSR and ".so" not in path.name
            path.chmod(0o755 if executable else 0o644)
        os.utime(path, (epoch, epoch))
    os.utime(root, (epoch, epoch))


# -- control ----------------------------------------------------------------------------------


def shlib_depends(work: Path, root: Path) -> str:
    """``Depends`` for the libraries the bundle's ELF files need from the system."""
    opt = root / "opt" / PACKAGE
    elves = sorted(
        str(path.relative_to(work))
        for path in opt.rglob("*")
        if path.is_file() and not path.is_symlink() and is_elf(path)
    )
    private = sorted({str(Path(path).parent) for path in elves if ".so" in Path(path).name})
    (work / "debian").mkdir(exist_ok=True)
    (work / "debian" / "control").write_text(
        f"Source: {PACKAGE}\n\nPackage: {PACKAGE}\nArchitecture: any\n", encoding="utf-8"
    )
    shlibdeps = require("dpkg-shlibdeps", "dpkg-dev")
    output = run(
        [shlibdeps, "-O", "--ignore-missing-info", *(f"-l{d}" for d in private), *elves],
        cwd=work,
    )
    for line in output.splitlines():
        if line.startswith("shlibs:Depends="):
            return line.split("=", 1)[1].strip()
    raise BuildError("dpkg-shlibdeps printed no Depends")


def installed_size(root: Path) -> int:
    """In KiB, as dpkg-gencontrol counts: file sizes rounded up, plus one per other entry."""
    total = 0
    for path in root.rglob("*"):
        if path.is_relative_to(root / "DEBIAN"):
            continue
        if path.is_file() and not path.is_symlink():
            total += (path.stat().st_size + 1023) // 1024
        else:
            total += 1
    return total


def write_control(root: Path, depends: str, arch: str) -> None:
    debian = root / "DEBIAN"
    debian.mkdir(exist_ok=True)
    control = (
        f"Package: {PACKAGE}\n"
        f"Version: {version()}\n"
        f"Architecture: {arch}\n"
        f"Maintainer: {MAINTAINER}\n"
        f"Installed-Size: {installed_size(root)}\n"
        f"Depends: {depends}\n"
        f"Recommends: {RECOMMENDS}\n"
        f"Suggests: {SUGGESTS}\n"
        "Section: misc\n"
        "Priority: optional\n"
        f"Description: {DESCRIPTION}\n"
    )
    (debian / "control").write_text(control, encoding="utf-8")
    sums = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink() and not path.is_relative_to(debian):
            digest = hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()
            sums.append(f"{digest}  {path.relative_to(root)}\n")
    (debian / "md5sums").write_text("".join(sums), encoding="utf-8")


# -- build ------------------------------------------------------------------------------------


def build(bundle: Path, out: Path, work: Path) -> Path:
    epoch = source_date_epoch()
    arch = architecture()
    root = work / "debian" / PACKAGE
    if work.exists():
        shutil.rmtree(work)
    root.mkdir(parents=True)
    (root / "DEBIAN").mkdir()  # lets dpkg-shlibdeps resolve $ORIGIN inside the package
    stage(root, bundle, epoch)
    depends = shlib_depends(work, root)
    write_control(root, depends, arch)
    normalise(root, epoch)
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{PACKAGE}_{version()}_{arch}.deb"
    env = dict(os.environ, SOURCE_DATE_EPOCH=str(epoch))
    run(
        [
            require("dpkg-deb", "dpkg"),
            "--root-owner-group",
            "-Zxz",
            "--threads-max=2",
            "--build",
            root,
            target,
        ],
        env=env,
    )
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the Delegate .deb from the bundle.")
    parser.add_argument("--bundle", type=Path, default=ROOT / "dist" / "delegate")
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    parser.add_argument("--work", type=Path, help="staging directory (default: a temporary one)")
    args = parser.parse_args(argv)
    try:
        if args.work is not None:
            target = build(args.bundle.resolve(), args.out.resolve(), args.work.resolve())
        else:
            with tempfile.TemporaryDirectory(prefix="delegate-deb-") as tmp:
                target = build(args.bundle.resolve(), args.out.resolve(), Path(tmp))
    except BuildError as exc:
        print(f"build_deb: {exc}", file=sys.stderr)
        return 1
    print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())

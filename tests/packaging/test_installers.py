"""The installers, built and used as IT staff would: ``make test-packaging``.

Builds the PyInstaller bundle twice and a .deb from each (the two must be the same bytes),
installs the .deb into scratch roots, runs the installed programs with no Python around them,
lints the package, and builds and inspects the MSI.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from delegate_app import __version__
from delegate_app.core.policy import SPECS
from tests.packaging.tools import ROOT, load

pytestmark = [pytest.mark.packaging, pytest.mark.timeout(900)]

pkgtools = load("pkgtools")
msi_policy = load("msi_policy")

PASSPHRASE = "installed package smoke test 7"
# The system libraries the issue names; Depends must carry each of them.
REQUIRED_DEPENDS = (
    "libegl1",
    "libgl1",
    "libxkbcommon0",
    "libxkbcommon-x11-0",
    "libfontconfig1",
    "libdbus-1-3",
    "libxcb-cursor0",
)
UNUSED_QT = ("WebEngine", "Qt6Qml", "Qt6Quick", "Qt63D", "Multimedia", "Qt6Charts", "Qt6Sql")


@dataclass(frozen=True)
class Builds:
    epoch: int
    bundle: Path
    deb: Path
    second_deb: Path
    msi: Path


def run(
    *command: str | Path, env: dict[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )


def build(script: str, *args: str | Path, epoch: int) -> Path:
    env = dict(os.environ, SOURCE_DATE_EPOCH=str(epoch))
    result = run(sys.executable, ROOT / "packaging" / script, *args, env=env)
    assert result.returncode == 0, result.stderr
    return Path(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Builds:
    epoch = pkgtools.source_date_epoch()
    first, second = tmp_path_factory.mktemp("first"), tmp_path_factory.mktemp("second")
    bundle = build("build_bundle.py", "--dist", first / "dist", "--work", first / "w", epoch=epoch)
    other = build("build_bundle.py", "--dist", second / "dist", "--work", second / "w", epoch=epoch)
    deb = build("build_deb.py", "--bundle", bundle, "--out", first / "out", epoch=epoch)
    second_deb = build("build_deb.py", "--bundle", other, "--out", second / "out", epoch=epoch)
    msi = build("build_msi.py", "--out", first / "msi", epoch=epoch)
    return Builds(epoch, bundle, deb, second_deb, msi)


@pytest.fixture(scope="session")
def installed(builds: Builds, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The .deb unpacked into a scratch root, as dpkg would lay it out."""
    root = tmp_path_factory.mktemp("root")
    result = run("dpkg-deb", "-x", builds.deb, root)
    assert result.returncode == 0, result.stderr
    return root


def bare_env(home: Path, **extra: str) -> dict[str, str]:
    """No Python, no virtualenv, no display: what a fresh desktop session offers at most."""
    return {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8", **extra}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- the bundle -------------------------------------------------------------------------------


def test_the_bundle_runs_both_programs_without_python(builds: Builds, tmp_path: Path) -> None:
    env = bare_env(tmp_path)
    assert run(builds.bundle / "delegate", "--version", env=env).stdout.strip() == (
        f"delegate {__version__}"
    )
    result = run(builds.bundle / "delegatectl", "--version", env=env)
    assert result.stdout.strip() == f"delegatectl {__version__}"


def test_the_bundle_is_lean(builds: Builds) -> None:
    names = [str(path.relative_to(builds.bundle)) for path in builds.bundle.rglob("*")]
    for unused in UNUSED_QT:
        assert not [name for name in names if unused in name], unused
    assert not [name for name in names if "libgtk" in name or "libfontconfig" in name]
    for needed in (
        "libQt6Pdf.so.6",
        "libQt6PdfWidgets.so.6",
        "libQt6Svg.so.6",
        "plugins/platforms/libqxcb.so",
        "plugins/platforms/libqwayland.so",
        "plugins/platforms/libqoffscreen.so",
        "plugins/iconengines/libqsvgicon.so",
        "translations/qtbase_ar.qm",
        "resources/icons/delegate.svg",
        "resources/style/delegate.qss",
    ):
        assert [name for name in names if name.endswith(needed)], needed
    catalogues = {p.parent.parent.name for p in builds.bundle.rglob("LC_MESSAGES/delegate.mo")}
    assert catalogues == {path.stem for path in (ROOT / "i18n").glob("*.po")}
    size = sum(path.stat().st_size for path in builds.bundle.rglob("*") if path.is_file())
    assert size < 250 * 1024 * 1024


def test_no_build_machine_path_is_left_in_the_bundle_libraries(builds: Builds) -> None:
    for path in builds.bundle.rglob("*.so*"):
        if path.is_symlink() or not path.is_file():
            continue
        result = run("readelf", "-d", path)
        paths = [line for line in result.stdout.splitlines() if "PATH" in line]
        assert all("$ORIGIN" in line for line in paths), (path, paths)


# -- the .deb ---------------------------------------------------------------------------------


def test_two_builds_give_the_same_deb(builds: Builds) -> None:
    assert builds.deb.name == builds.second_deb.name
    assert sha256(builds.deb) == sha256(builds.second_deb)


def control_fields(deb: Path) -> dict[str, str]:
    result = run("dpkg-deb", "--field", deb)
    fields: dict[str, str] = {}
    for line in result.stdout.splitlines():
        if line and not line.startswith(" ") and ":" in line:
            key, value = line.split(":", 1)
            fields[key] = value.strip()
    return fields


def test_control_depends_on_the_libraries_qt_needs(builds: Builds) -> None:
    fields = control_fields(builds.deb)
    assert fields["Package"] == "delegate"
    assert fields["Version"] == __version__
    depends = {item.split("(")[0].strip() for item in fields["Depends"].split(",")}
    for package in REQUIRED_DEPENDS:
        assert package in depends, package
    assert int(fields["Installed-Size"]) > 50_000


def test_every_library_the_programs_need_is_bundled_or_depended_on(
    builds: Builds, installed: Path
) -> None:
    depends = {
        item.split("(")[0].strip() for item in control_fields(builds.deb)["Depends"].split(",")
    }
    opt = installed / "opt" / "delegate"
    bundled = {path.name for path in opt.rglob("*")}
    needed: set[str] = set()
    for path in opt.rglob("*"):
        if path.is_file() and not path.is_symlink() and path.read_bytes()[:4] == b"\x7fELF":
            dynamic = run("readelf", "-d", path).stdout
            needed |= {
                line.split("[", 1)[1].rstrip("]")
                for line in dynamic.splitlines()
                if "(NEEDED)" in line
            }
    system = sorted(needed - bundled)
    cache = run("ldconfig", "-p").stdout
    owners: dict[str, str] = {}
    for library in system:
        lines = [ln for ln in cache.splitlines() if ln.strip().startswith(library + " ")]
        assert lines, f"{library} is not installed on this machine"
        target = Path(lines[0].rsplit("=>", 1)[1].strip()).resolve()
        owner = run("dpkg", "-S", target)
        if owner.returncode != 0:  # a merged-/usr path: ask for the other spelling
            owner = run("dpkg", "-S", str(target).replace("/usr/lib/", "/lib/", 1))
        assert owner.returncode == 0, owner.stderr
        owners[library] = owner.stdout.split(":", 1)[0]
    missing = {lib: pkg for lib, pkg in owners.items() if pkg not in depends}
    assert missing == {}


def test_package_layout_ownership_and_times(builds: Builds) -> None:
    listing = run("dpkg-deb", "--contents", builds.deb).stdout.splitlines()
    entries = {}
    for line in listing:
        mode, owner, _size, date, time_, name, *link = line.split(maxsplit=6)
        entries[name.removeprefix(".")] = (mode, owner, f"{date} {time_}", link)
    assert {owner for _mode, owner, _when, _link in entries.values()} == {"root/root"}
    assert entries["/usr/bin/delegate"][3] == ["-> /opt/delegate/delegate"]
    assert entries["/usr/bin/delegatectl"][3] == ["-> /opt/delegate/delegatectl"]
    assert entries["/opt/delegate/delegate"][0] == "-rwxr-xr-x"
    for path in (
        "/usr/share/applications/delegate.desktop",
        "/usr/share/icons/hicolor/scalable/apps/delegate.svg",
        "/usr/share/icons/hicolor/256x256/apps/delegate.png",
        "/usr/share/metainfo/org.delegate.Delegate.metainfo.xml",
        "/usr/share/doc/delegate/copyright",
        "/usr/share/doc/delegate/changelog.gz",
        "/usr/share/doc/delegate/examples/policy.json",
        "/usr/share/man/man1/delegate.1.gz",
        "/usr/share/man/man1/delegatectl.1.gz",
    ):
        assert entries[path][0] == "-rw-r--r--", path
    assert not [name for name in entries if name.startswith("/etc")]
    shared = [(name, mode) for name, (mode, *_rest) in entries.items() if ".so" in name]
    assert not [name for name, mode in shared if mode[0] == "-" and "x" in mode]
    times = {when for _mode, _owner, when, _link in entries.values()}
    assert len(times) == 1  # every member carries SOURCE_DATE_EPOCH


def test_no_maintainer_scripts_and_no_conffiles(builds: Builds, tmp_path: Path) -> None:
    result = run("dpkg-deb", "--control", builds.deb, tmp_path / "control")
    assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in (tmp_path / "control").iterdir()) == [
        "control",
        "md5sums",
    ]


def test_the_icon_png_is_256_pixels_square(installed: Path) -> None:
    png = (installed / "usr/share/icons/hicolor/256x256/apps/delegate.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(png[16:20], "big") == int.from_bytes(png[20:24], "big") == 256


def test_lintian_is_clean(builds: Builds) -> None:
    result = run("lintian", "--fail-on", "error,warning", builds.deb)
    problems = [line for line in result.stdout.splitlines() if line[:2] in ("E:", "W:")]
    assert result.returncode == 0, result.stdout + result.stderr
    assert problems == []


def test_desktop_entry_and_metainfo_validate(installed: Path) -> None:
    desktop = run("desktop-file-validate", installed / "usr/share/applications/delegate.desktop")
    assert desktop.returncode == 0 and desktop.stdout == "", desktop.stdout
    metainfo = installed / "usr/share/metainfo/org.delegate.Delegate.metainfo.xml"
    appstream = run("appstreamcli", "validate", "--no-net", metainfo)
    assert appstream.returncode == 0, appstream.stdout


# -- the installed programs -------------------------------------------------------------------


@pytest.fixture
def profile(installed: Path, tmp_path: Path) -> Iterator[Path]:
    home = tmp_path / "home"
    home.mkdir()
    delegatectl = installed / "opt/delegate/delegatectl"
    result = run(
        delegatectl,
        "init",
        "--profile",
        home / "profile",
        "--name",
        "Installed Test",
        "--organisation",
        "Scratch Mission",
        env=bare_env(home, DELEGATE_PASSPHRASE=PASSPHRASE),
    )
    assert result.returncode == 0, result.stderr
    yield home / "profile"


def test_installed_programs_run_through_a_symlink(installed: Path, tmp_path: Path) -> None:
    """/usr/bin/delegate is a symlink: the bundle finds its files from where it really is."""
    assert os.readlink(installed / "usr/bin/delegate") == "/opt/delegate/delegate"
    link = tmp_path / "bin" / "delegate"
    link.parent.mkdir()
    link.symlink_to(installed / "opt/delegate/delegate")
    result = run(link, "--version", env=bare_env(tmp_path))
    assert result.stdout.strip() == f"delegate {__version__}", result.stderr


def test_installed_app_renders_a_screenshot(installed: Path, profile: Path) -> None:
    shot = profile.parent / "shot.png"
    result = run(
        installed / "opt/delegate/delegate",
        "--profile",
        profile,
        "--screenshot",
        shot,
        env=bare_env(profile.parent, DELEGATE_PASSPHRASE=PASSPHRASE),
    )
    assert result.returncode == 0, result.stderr
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(data[16:20], "big") >= 800
    assert len(data) > 5_000


def test_installed_cli_shows_the_example_policy(installed: Path, tmp_path: Path) -> None:
    example = installed / "usr/share/doc/delegate/examples/policy.json"
    result = run(
        installed / "opt/delegate/delegatectl",
        "policy",
        "show",
        "--json",
        env=bare_env(tmp_path, DELEGATE_POLICY_FILE=str(example)),
    )
    assert result.returncode == 0, result.stderr
    settings = json.loads(result.stdout)["settings"]
    assert set(settings) == {spec.key for spec in SPECS}
    assert settings["auto_lock_minutes"]["source"] == "organisation_locked"
    assert settings["auto_lock_minutes"]["origin"] == str(example)


def test_installed_app_refuses_to_start_with_an_invalid_policy(
    installed: Path, profile: Path
) -> None:
    bad = profile.parent / "policy.json"
    bad.write_text('{"locked": {"auto_lock_minutes": 0}}', encoding="utf-8")
    result = run(
        installed / "opt/delegate/delegate",
        "--profile",
        profile,
        "--screenshot",
        profile.parent / "never.png",
        env=bare_env(profile.parent, DELEGATE_PASSPHRASE=PASSPHRASE, DELEGATE_POLICY_FILE=str(bad)),
    )
    assert result.returncode == 1
    assert "'auto_lock_minutes'" in result.stderr
    assert not (profile.parent / "never.png").exists()


def test_install_upgrade_and_purge_leave_profiles_and_policy_alone(
    builds: Builds, tmp_path: Path
) -> None:
    root = tmp_path / "machine"
    admin = root / "var/lib/dpkg"
    for sub in ("info", "updates", "triggers"):
        (admin / sub).mkdir(parents=True)
    (admin / "status").touch()
    (admin / "available").touch()
    policy = root / "etc/delegate/policy.json"
    policy.parent.mkdir(parents=True)
    policy.write_text('{"locked": {"auto_lock_minutes": 3}}', encoding="utf-8")
    vault = root / "home/envoy/.local/share/Delegate/vault.db"
    vault.parent.mkdir(parents=True)
    vault.write_bytes(b"an encrypted vault")
    before = {path: path.read_bytes() for path in (policy, vault)}

    def dpkg(*args: str | Path) -> None:
        result = run(
            "dpkg",
            f"--root={root}",
            "--force-depends",
            "--force-not-root",
            "--force-script-chrootless",
            "--log=/dev/null",
            *args,
        )
        assert result.returncode == 0, result.stderr

    dpkg("--install", builds.deb)
    assert (root / "opt/delegate/delegate").is_file()
    dpkg("--install", builds.second_deb)  # the upgrade path: unpack over the installed one
    assert (root / "usr/share/applications/delegate.desktop").is_file()
    dpkg("--purge", "delegate")
    assert not (root / "opt/delegate").exists()
    assert not (root / "usr/bin/delegate").is_symlink()
    assert {path: path.read_bytes() for path in (policy, vault)} == before
    assert stat.S_IMODE(policy.stat().st_mode) == 0o644


# -- the MSI ----------------------------------------------------------------------------------


def msi_table(msi: Path, table: str) -> list[list[str]]:
    result = run("msiinfo", "export", msi, table)
    assert result.returncode == 0, result.stderr
    return [line.split("\t") for line in result.stdout.splitlines()[3:] if line]


def test_msi_is_per_machine_with_major_upgrades(builds: Builds) -> None:
    properties = dict((row[0], row[1]) for row in msi_table(builds.msi, "Property"))
    assert properties["ALLUSERS"] == "1"
    assert properties["ProductVersion"] == __version__
    assert properties["UpgradeCode"] == "{F0A023D0-02A5-40AB-8836-B52D7498E24E}"
    upgrade = msi_table(builds.msi, "Upgrade")
    assert {row[0] for row in upgrade} == {properties["UpgradeCode"]}
    assert {row[-1] for row in upgrade} == {"WIX_UPGRADE_DETECTED", "WIX_DOWNGRADE_DETECTED"}
    sequence = {row[0]: int(row[2]) for row in msi_table(builds.msi, "InstallExecuteSequence")}
    assert sequence["InstallValidate"] < sequence["RemoveExistingProducts"]
    assert sequence["RemoveExistingProducts"] < sequence["InstallInitialize"]
    conditions = {row[0] for row in msi_table(builds.msi, "LaunchCondition")}
    assert "NOT WIX_DOWNGRADE_DETECTED" in conditions  # an older version is refused
    summary = run("msiinfo", "suminfo", builds.msi).stdout
    assert "Template: x64;1033" in summary


def test_msi_properties_become_registry_policy(builds: Builds) -> None:
    registry = msi_table(builds.msi, "Registry")
    rows = {(row[2], row[3]): row[4] for row in registry if row[2].startswith("Software\\Policies")}
    for spec in SPECS:
        name = msi_policy.property_name(spec.key)
        assert rows[("Software\\Policies\\Delegate", spec.key)] == f"[{name}]"
        assert rows[("Software\\Policies\\Delegate\\Recommended", spec.key)] == (
            f"[{name}_RECOMMENDED]"
        )
    assert {row[1] for row in registry} == {"2"}  # HKEY_LOCAL_MACHINE
    components = {row[0]: int(row[3]) for row in msi_table(builds.msi, "Component")}
    for row in registry:
        assert components[row[5]] & 256, row  # 64-bit: the native registry view


def test_msi_remembers_policy_across_upgrades_and_repairs(builds: Builds) -> None:
    searches = {row[0]: row[1] for row in msi_table(builds.msi, "AppSearch")}
    locators = {row[0]: row for row in msi_table(builds.msi, "RegLocator")}
    actions = {row[0]: row for row in msi_table(builds.msi, "CustomAction")}
    sequence = {row[0]: row for row in msi_table(builds.msi, "InstallExecuteSequence")}
    app_search = int(sequence["AppSearch"][2])
    for item in msi_policy.policy_properties():
        locator = locators[searches[item.prop]]
        assert locator[1:4] == ["2", item.registry_key, item.key]
        assert int(locator[4]) == 18  # raw value, 64-bit view
        save, restore = actions[f"Save{item.ident}"], actions[f"Restore{item.ident}"]
        assert int(save[1]) & 0x3F == 51 and save[2:4] == [f"CMDLINE_{item.prop}", f"[{item.prop}]"]
        assert restore[2:4] == [item.prop, f"[CMDLINE_{item.prop}]"]
        assert int(sequence[f"Save{item.ident}"][2]) < app_search
        assert int(sequence[f"Restore{item.ident}"][2]) > app_search
        assert sequence[f"Restore{item.ident}"][1] == f"CMDLINE_{item.prop}"


def test_msi_placeholder_payload_extracts(builds: Builds, tmp_path: Path) -> None:
    result = run("msiextract", "--directory", tmp_path, builds.msi)
    assert result.returncode == 0, result.stderr
    files = {path.name: path for path in tmp_path.rglob("*") if path.is_file()}
    assert set(files) == {"README.txt", "policy-example.json"}
    assert "without a Windows build" in files["README.txt"].read_text(encoding="utf-8")
    json.loads(files["policy-example.json"].read_text(encoding="utf-8"))

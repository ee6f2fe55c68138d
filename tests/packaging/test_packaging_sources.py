"""Fast checks of the packaging sources: generated files current, names agree, docs complete."""

from __future__ import annotations

import configparser
import re
import xml.etree.ElementTree as ET

from delegate_app.core.policy import SPECS
from tests.packaging.tools import PACKAGING, ROOT, load

msi_policy = load("msi_policy")
bundle_filter = load("bundle_filter", PACKAGING / "pyinstaller")


def test_the_msi_policy_sources_are_generated_from_the_current_schema() -> None:
    assert msi_policy.stale() == [], "run packaging/msi_policy.py"


def test_every_setting_has_a_locked_and_a_recommended_msi_property() -> None:
    wxi = (PACKAGING / "windows" / "policy.wxi").read_text(encoding="utf-8")
    for spec in SPECS:
        name = msi_policy.property_name(spec.key)
        assert f'<Property Id="{name}">' in wxi
        assert f'<Property Id="{name}_RECOMMENDED">' in wxi
    assert msi_policy.property_name("auto_lock_minutes") == "AUTOLOCKMINUTES"
    assert msi_policy.property_name("organisation_key") == "ORGANISATIONKEY"


def test_msi_component_guids_are_stable_and_distinct() -> None:
    properties = msi_policy.policy_properties()
    guids = [item.guid for item in properties]
    assert len(set(guids)) == len(guids) == 2 * len(SPECS)
    assert guids == [item.guid for item in msi_policy.policy_properties()]


def test_custom_actions_fit_around_appsearch() -> None:
    saves, restores = msi_policy.sequence_numbers(2 * len(SPECS))
    assert max(saves) < msi_policy.APP_SEARCH < min(restores)
    assert max(restores) < msi_policy.LAUNCH_CONDITIONS
    assert msi_policy.FIND_RELATED_PRODUCTS not in saves


def test_the_bundle_keeps_what_delegate_uses_and_drops_the_rest() -> None:
    keep = bundle_filter.keep
    for kept in (
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "PySide6/Qt/plugins/platforms/libqwayland.so",
        "PySide6/Qt/plugins/platforms/libqoffscreen.so",
        "PySide6/Qt/plugins/iconengines/libqsvgicon.so",
        "PySide6/Qt/plugins/imageformats/libqsvg.so",
        "PySide6/Qt/plugins/wayland-shell-integration/libxdg-shell.so",
        "PySide6/Qt/translations/qtbase_ar.qm",
        "PySide6/Qt/translations/qtbase_zh_CN.qm",
        "PySide6/Qt/lib/libQt6Pdf.so.6",
        "libQt6Core.so.6",
    ):
        assert keep(kept), kept
    for dropped in (
        "PySide6/Qt/plugins/platforms/libqvnc.so",
        "PySide6/Qt/plugins/platformthemes/libqgtk3.so",
        "PySide6/Qt/plugins/tls/libqopensslbackend.so",
        "PySide6/Qt/translations/qtbase_de.qm",
        "PySide6/Qt/translations/qtwebengine_fr.qm",
        "libfontconfig.so.1",
        "libxkbcommon-x11.so.0",
        "libssl.so.3",
        "libstdc++.so.6",
    ):
        assert not keep(dropped), dropped


def test_desktop_entry_icon_and_metainfo_agree() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment, method-assign]
    entry.read(ROOT / "resources" / "delegate.desktop", encoding="utf-8")
    section = entry["Desktop Entry"]
    assert section["Exec"] == "delegate"
    assert (ROOT / "resources" / "icons" / f"{section['Icon']}.svg").is_file()
    metainfo_path = ROOT / "resources" / "org.delegate.Delegate.metainfo.xml"
    metainfo = ET.parse(metainfo_path).getroot()  # noqa: S314 - our own file
    assert metainfo.findtext("id") == "org.delegate.Delegate"
    assert metainfo.findtext("launchable") == "delegate.desktop"
    assert metainfo.findtext("icon") == section["Icon"]
    binaries = {element.text for element in metainfo.iter("binary")}
    assert binaries == {"delegate", "delegatectl"}
    app = (ROOT / "delegate_app" / "app.py").read_text(encoding="utf-8")
    assert 'setDesktopFileName("delegate")' in app  # Wayland finds the entry by this name


def test_deployment_guide_documents_every_setting_and_msi_property() -> None:
    guide = (ROOT / "docs" / "DEPLOYMENT.md").read_text(encoding="utf-8")
    for spec in SPECS:
        assert f"`{spec.key}`" in guide, spec.key
        assert msi_policy.property_name(spec.key) in guide, spec.key
    for command in ("msiexec /i", "apt install ./delegate_", "delegatectl policy show"):
        assert command in guide
    assert re.search(r"placeholder", guide, re.IGNORECASE)

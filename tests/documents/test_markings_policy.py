"""The classification policy: the default marking, requiring one, and the export warning."""

from __future__ import annotations

from pathlib import Path

import pytest

from delegate_app.core.documents import ClassificationRequiredError
from delegate_app.core.documents.library import Library
from delegate_app.core.documents.markings import export_warning, level
from delegate_app.core.documents.models import ImportOptions
from delegate_app.core.errors import PolicyError
from delegate_app.core.policy import Policy, RawPolicy
from delegate_app.core.vault import Vault

MARKINGS = ["PUBLIC", "INTERNAL", "SECRET"]


def _policy(
    *, locked: dict[str, object] | None = None, defaults: dict[str, object] | None = None
) -> Policy:
    return Policy.from_raw(RawPolicy("test-policy.json", locked or {}, defaults or {}))


def _file(tmp_path: Path) -> Path:
    path = tmp_path / "note.md"
    path.write_text("# Note\n\nText.\n", encoding="utf-8")
    return path


def test_without_a_policy_nothing_changes(vault: Vault, tmp_path: Path) -> None:
    library = Library(vault.db, _policy())
    assert library.default_classification == "UNCLASSIFIED"
    assert not library.classification_required
    summary = library.import_file(_file(tmp_path))
    assert summary.classification == "UNCLASSIFIED"
    assert library.export_warning(summary.id) is None


def test_the_default_classification_is_used_and_spelled_as_listed(
    vault: Vault, tmp_path: Path
) -> None:
    policy = _policy(defaults={"classification_markings": MARKINGS,
                               "default_classification": "internal"})  # fmt: skip
    library = Library(vault.db, policy)
    assert library.default_classification == "INTERNAL"
    assert library.import_file(_file(tmp_path)).classification == "INTERNAL"
    chosen = library.import_file(_file(tmp_path), ImportOptions(classification="SECRET"))
    assert chosen.classification == "SECRET"


@pytest.mark.parametrize("section", ["locked", "defaults"])
def test_a_required_classification_refuses_an_import_naming_none(
    vault: Vault, tmp_path: Path, section: str
) -> None:
    """Locked or an organisation default: users have no switch, so both are followed."""
    policy = _policy(**{section: {"require_classification": True}})  # type: ignore[arg-type]
    library = Library(vault.db, policy)
    assert library.classification_required
    for unnamed in (None, "", "   "):
        with pytest.raises(ClassificationRequiredError):
            library.import_file(_file(tmp_path), ImportOptions(classification=unnamed))
    assert library.count() == 0  # nothing was stored
    named = library.import_file(_file(tmp_path), ImportOptions(classification="RESTRICTED"))
    assert named.classification == "RESTRICTED"
    # Editing other details of a document never needs (or clears) its marking.
    assert library.edit_details(named.id, event="G20").classification == "RESTRICTED"


@pytest.mark.parametrize("key", ["default_classification", "export_warning_level"])
def test_a_level_that_is_not_a_marking_is_refused(key: str) -> None:
    with pytest.raises(PolicyError, match="classification_markings") as error:
        _policy(locked={key: "TOP SECRET"})
    assert error.value.key == key
    with pytest.raises(PolicyError):
        _policy(locked={"classification_markings": MARKINGS}, defaults={key: "CONFIDENTIAL"})


def test_levels_follow_the_order_of_the_markings() -> None:
    policy = _policy(locked={"classification_markings": MARKINGS,
                             "export_warning_level": "internal"})  # fmt: skip
    assert [level(policy, m) for m in MARKINGS] == [0, 1, 2]
    assert export_warning(policy, "PUBLIC") is None
    assert export_warning(policy, "Internal") == "INTERNAL"
    assert export_warning(policy, "SECRET") == "INTERNAL"
    # A marking nobody ranked (from another organisation, or an older list) is not skipped.
    assert export_warning(policy, "COSMIC TOP SECRET") == "INTERNAL"


def test_the_library_names_the_warning_for_a_document_at_or_above_the_level(
    vault: Vault, tmp_path: Path
) -> None:
    library = Library(vault.db, _policy(locked={"export_warning_level": "RESTRICTED"}))
    low = library.import_file(_file(tmp_path), ImportOptions(classification="UNCLASSIFIED"))
    high = library.import_file(_file(tmp_path), ImportOptions(classification="CONFIDENTIAL"))
    assert library.export_warning(low.id) is None
    assert library.export_warning(high.id) == "RESTRICTED"
    library.edit_details(high.id, classification="UNCLASSIFIED")
    assert library.export_warning(high.id) is None

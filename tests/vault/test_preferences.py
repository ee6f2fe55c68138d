"""Preferences: readable before unlock, so every value from the file is checked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from delegate_app.core.preferences import Preferences, load_preferences, save_preferences


def test_the_list_width_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "preferences.json"
    save_preferences(path, Preferences(language="fr").with_library_list_width(420))
    assert load_preferences(path) == Preferences(language="fr", library_list_width=420)
    assert Preferences().with_library_list_width(5).library_list_width is None


@pytest.mark.parametrize("value", ["420", -5, 0, True, 10**12, 42.0, None, [420], {"w": 1}])
def test_a_damaged_list_width_is_ignored(tmp_path: Path, value: object) -> None:
    path = tmp_path / "preferences.json"
    path.write_text(json.dumps({"language": "ar", "library_list_width": value}))
    assert load_preferences(path) == Preferences(language="ar")

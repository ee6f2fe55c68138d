"""Non-secret per-profile preferences, readable before unlock (the unlock screen's language)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from delegate_app.core.vault.keyfile import write_private_file

LIST_WIDTH_RANGE = (120, 4000)  # pixels; anything else in the file is ignored


@dataclass(frozen=True)
class Preferences:
    language: str | None = None
    keyring_unlock: bool = False
    library_list_width: int | None = None  # the library's list pane, as the user left it

    def with_language(self, code: str) -> Preferences:
        return replace(self, language=code)

    def with_library_list_width(self, width: int) -> Preferences:
        return replace(self, library_list_width=_list_width(width))


def _list_width(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    low, high = LIST_WIDTH_RANGE
    return value if low <= value <= high else None


def load_preferences(path: Path) -> Preferences:
    """Preferences from ``path``; a missing or damaged file yields the defaults."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return Preferences()
    if not isinstance(data, dict):
        return Preferences()
    language = data.get("language")
    return Preferences(
        language=language if isinstance(language, str) else None,
        keyring_unlock=data.get("keyring_unlock") is True,
        library_list_width=_list_width(data.get("library_list_width")),
    )


def save_preferences(path: Path, preferences: Preferences) -> None:
    write_private_file(path, (json.dumps(asdict(preferences), indent=2) + "\n").encode("utf-8"))

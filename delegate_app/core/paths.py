"""Where a profile keeps its files.

By default a profile lives in the platform's user data directory (platformdirs);
``--profile DIR`` puts every file of the profile, logs included, under DIR.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_DIR_NAME = "Delegate"


@dataclass(frozen=True)
class ProfilePaths:
    """The files of one profile. Nothing here touches the disk."""

    root: Path
    log_dir: Path

    @property
    def database(self) -> Path:
        return self.root / "vault.db"

    @property
    def key_file(self) -> Path:
        return self.root / "vault.key"

    @property
    def unlock_attempts(self) -> Path:
        """Wrong passphrases in a row and the time of the last one (the unlock throttle)."""
        return self.root / "unlock-attempts.json"

    @property
    def preferences(self) -> Path:
        """Non-secret per-profile preferences (language), readable before unlock."""
        return self.root / "preferences.json"

    def ensure_dirs(self) -> None:
        """Create the profile and log directories, owner-only."""
        for directory in (self.root, self.log_dir):
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            if os.name == "posix":
                directory.chmod(0o700)


def default_profile_dir() -> Path:
    return platformdirs.user_data_path(APP_DIR_NAME, appauthor=False)


def resolve_profile(profile: str | os.PathLike[str] | None = None) -> ProfilePaths:
    """Paths for ``profile`` (a directory) or for the platform default profile."""
    if profile is not None:
        root = Path(profile).expanduser().resolve()
        return ProfilePaths(root=root, log_dir=root / "logs")
    return ProfilePaths(
        root=default_profile_dir(),
        log_dir=platformdirs.user_log_path(APP_DIR_NAME, appauthor=False),
    )

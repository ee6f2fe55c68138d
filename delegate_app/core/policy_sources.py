"""Operating-system policy sources, each yielding a :class:`RawPolicy`."""

from __future__ import annotations

import sys

from delegate_app.core.policy import LINUX_POLICY_PATH, RawPolicy, read_policy_file


def platform_source() -> RawPolicy | None:
    if sys.platform.startswith("linux") and LINUX_POLICY_PATH.exists():
        return read_policy_file(LINUX_POLICY_PATH)
    return None

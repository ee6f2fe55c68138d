"""Installer tests build the bundle, the .deb and the MSI: minutes, not seconds.

They carry the ``packaging`` marker and run only when asked for by it (``make test-packaging``
runs ``pytest tests/packaging -m packaging``); a plain ``pytest`` deselects them, so
``make test`` stays fast. The fast checks of the packaging sources here run everywhere.
"""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "packaging" in (config.getoption("markexpr") or ""):
        return
    kept = [item for item in items if item.get_closest_marker("packaging") is None]
    if len(kept) != len(items):
        config.hook.pytest_deselected(
            items=[item for item in items if item.get_closest_marker("packaging") is not None]
        )
        items[:] = kept

"""Child process for tests/gui/test_startup.py: which modules are loaded when the unlock window
first paints, and after the preloading it starts has finished. Prints two JSON lines."""

from __future__ import annotations

import json
import sys
import time

HEAVY = (
    "sqlcipher3",
    "nacl",
    "babel",
    "delegate_app.core.vault.database",
    "delegate_app.core.documents.library",
    "delegate_app.core.mailroom",
    "delegate_app.ui.main_window",
    "delegate_app.ui.library_page",
)


def loaded() -> list[str]:
    return [name for name in HEAVY if name in sys.modules]


def main() -> int:
    from delegate_app.core.paths import resolve_profile
    from delegate_app.core.policy import load_policy

    policy, paths = load_policy(), resolve_profile(sys.argv[1])
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication

    from delegate_app.ui.controller import AppController

    app = QApplication(sys.argv[:1])
    controller = AppController(paths, policy)
    controller.show_unlock()
    window, preloader = controller.unlock_window, controller.preloader
    assert window is not None and preloader is not None
    at_paint: list[list[str]] = []

    class Watcher(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
            if event.type() == QEvent.Type.Paint and not at_paint:
                at_paint.append(loaded())
            return False

    watcher = Watcher()
    window.installEventFilter(watcher)
    deadline = time.monotonic() + 60
    while not (at_paint and preloader.done) and time.monotonic() < deadline:
        app.processEvents()
    print(json.dumps(at_paint[0] if at_paint else None))
    print(json.dumps(loaded() if preloader.done else None), flush=True)
    controller.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Small GUI parts on their own: worker tasks, the idle lock's clock, colours, resources."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QEvent, QObject, Qt, QThread
from PySide6.QtGui import QKeyEvent
from pytestqt.qtbot import QtBot

from delegate_app.core.errors import WrongPassphraseError
from delegate_app.ui.classification import UNKNOWN, marking_colours
from delegate_app.ui.idle_lock import IdleLock
from delegate_app.ui.passphrase_strength import estimate_bits, strength_label
from delegate_app.ui.resources import find_resource
from delegate_app.ui.style import app_icon
from delegate_app.ui.workers import Task, TaskControl, TaskRunner

pytestmark = pytest.mark.gui


def test_task_results_arrive_on_the_gui_thread_in_order(qtbot: QtBot) -> None:
    runner = TaskRunner()
    seen: list[tuple[str, object, bool]] = []
    worker_threads: list[threading.Thread] = []

    def work(control: TaskControl) -> int:
        worker_threads.append(threading.current_thread())
        control.progress(1, 2)
        control.progress(2, 2)
        return 42

    def note(kind: str) -> object:
        return lambda *args: seen.append((kind, args, QThread.currentThread() is gui_thread))

    gui_thread = QThread.currentThread()
    task = Task(work)
    task.signals.progress.connect(note("progress"))
    task.signals.succeeded.connect(note("succeeded"))
    with qtbot.waitSignal(task.signals.finished, timeout=10_000):
        runner.start(task)
    assert worker_threads and worker_threads[0] is not threading.main_thread()
    assert seen == [
        ("progress", (1, 2), True), ("progress", (2, 2), True), ("succeeded", (42,), True)
    ]  # fmt: skip
    qtbot.waitUntil(lambda: not runner.busy, timeout=10_000)


def test_task_failures_keep_their_type(qtbot: QtBot) -> None:
    runner = TaskRunner()

    def work(_control: TaskControl) -> None:
        raise WrongPassphraseError("Wrong passphrase.")

    task = Task(work)
    with qtbot.waitSignal(task.signals.failed, timeout=10_000) as failed:
        runner.start(task)
    assert isinstance(failed.args[0], WrongPassphraseError)


def test_stop_cancels_and_waits_for_running_tasks(qtbot: QtBot) -> None:
    runner = TaskRunner()
    started = threading.Event()
    checks: list[bool] = []

    def work(control: TaskControl) -> str:
        started.set()
        while not control.cancelled:  # a long job that checks for cancellation
            threading.Event().wait(0.005)
        checks.append(control.cancelled)
        control.check_cancelled()
        return "not reached"

    task = Task(work)
    runner.start(task)
    assert started.wait(10)
    with qtbot.waitSignal(task.signals.failed, timeout=10_000) as failed:
        assert runner.stop(10_000)
        assert runner.pool.activeThreadCount() == 0
    assert checks == [True] and task.cancelled
    assert type(failed.args[0]).__name__ == "TaskCancelledError"


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_idle_lock_counts_input_and_time_asleep(qtbot: QtBot) -> None:
    clock = _Clock()
    idle = IdleLock(60_000, clock=clock)
    fired: list[bool] = []
    idle.idle_timeout.connect(lambda: fired.append(True))
    idle.start()
    clock.now += 50
    idle.check()
    assert not fired
    target = QObject()
    idle.eventFilter(target, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_A,
                                       Qt.KeyboardModifier.NoModifier))  # fmt: skip
    clock.now += 50  # 100 s since start, but only 50 s since the key press
    idle.check()
    assert not fired and idle.idle_seconds() == 50
    idle.eventFilter(target, QEvent(QEvent.Type.Paint))  # not input: does not count
    clock.now += 3600  # the laptop slept for an hour; the clock counts it
    idle.check()
    assert fired == [True] and not idle.active
    idle.check()
    assert fired == [True]  # once per start


def test_idle_lock_checks_often_enough(qtbot: QtBot) -> None:
    idle = IdleLock(10 * 60_000)
    assert idle.timer.interval() <= 5_000
    idle.set_interval(400)
    assert idle.timer.interval() <= 100
    with qtbot.waitSignal(idle.idle_timeout, timeout=5_000):
        idle.start()


@pytest.mark.parametrize(
    ("marking", "colour"),
    [("UNCLASSIFIED", "#1d5b2a"), ("RESTRICTED", "#6b4e00"), ("CONFIDENTIAL", "#123f7a"),
     ("SECRET", "#8e1b1b"), ("TOP SECRET", "#7a3300"), ("Très secret UE", "#7a3300"),
     ("NATO Confidential", "#123f7a")],
)  # fmt: skip
def test_marking_colours(marking: str, colour: str) -> None:
    assert marking_colours(marking).foreground == colour


def test_unknown_marking_gets_the_neutral_colour() -> None:
    assert marking_colours("EYES ONLY") == UNKNOWN


def test_passphrase_strength_grows_with_length_and_variety() -> None:
    assert estimate_bits("") == 0
    assert strength_label(estimate_bits("aaaaaaaa")) == "Weak"
    assert estimate_bits("tulip Harbour 7 quietly") > estimate_bits("tulipharbour")
    assert strength_label(estimate_bits("tulip Harbour 7 quietly river")) == "Very strong"


def test_icon_and_stylesheet_are_found(qtbot: QtBot) -> None:
    icon = find_resource("icons/delegate.svg")
    assert icon is not None and "<svg" in icon.read_text(encoding="utf-8")
    assert not app_icon().isNull()
    style = find_resource("style/delegate.qss")
    assert style is not None and "#appSidebar" in style.read_text(encoding="utf-8")


def test_the_sidebar_style_does_not_reach_qts_file_dialog(qtbot: QtBot) -> None:
    """Qt's own file dialog has a child named "sidebar": our navy must not paint it."""
    from PySide6.QtGui import QColor
    from PySide6.QtWidgets import QApplication, QFileDialog, QWidget

    from delegate_app.ui.style import apply_style

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    previous = app.styleSheet()
    apply_style(app)
    try:
        dialog = QFileDialog()
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
        qtbot.addWidget(dialog)
        dialog.show()
        places = dialog.findChild(QWidget, "sidebar")
        assert places is not None
        pixel = places.grab().toImage().pixelColor(2, places.height() - 3)
        assert pixel != QColor("#1c3354")
        from delegate_app.ui.sidebar import SidebarWidget

        ours = SidebarWidget()
        qtbot.addWidget(ours)
        ours.show()
        assert ours.grab().toImage().pixelColor(2, ours.height() - 3) == QColor("#1c3354")
    finally:
        app.setStyleSheet(previous)

"""Auto-lock after a period without keyboard or mouse input, suspend included.

Installed as an application event filter, :class:`IdleLock` notes the time of the last input
event and checks it a few times per interval. Time is read from a clock that keeps running
while the computer sleeps (``CLOCK_BOOTTIME`` on Linux), so a laptop closed for an hour locks
as soon as it wakes, instead of granting the remaining idle minutes after the lid opens.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer, Signal

INPUT_EVENTS = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseButtonRelease, QEvent.Type.MouseMove, QEvent.Type.Wheel,
    QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate, QEvent.Type.TabletPress,
    QEvent.Type.InputMethod, QEvent.Type.HoverMove,
})  # fmt: skip
MAX_CHECK_MS = 5_000


def suspend_aware_clock() -> Callable[[], float]:
    """Seconds from a clock that counts time spent asleep, where the OS offers one."""
    boottime = getattr(time, "CLOCK_BOOTTIME", None)
    if boottime is not None:
        return lambda: time.clock_gettime(boottime)
    # Elsewhere: the larger of the monotonic and wall-clock spans since the first reading, so
    # sleep (seen by the wall clock) counts and a wall clock set backwards cannot delay a lock.
    mono0, wall0 = time.monotonic(), time.time()
    return lambda: max(time.monotonic() - mono0, time.time() - wall0)


class IdleLock(QObject):
    """Emits ``idle_timeout`` once ``interval_ms`` pass without input while started."""

    idle_timeout = Signal()

    def __init__(
        self,
        interval_ms: int,
        parent: QObject | None = None,
        *,
        clock: Callable[[], float] | None = None,
    ) -> None:
        super().__init__(parent)
        self._clock = clock or suspend_aware_clock()
        self._interval_ms = interval_ms
        self._last_input = self._clock()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self._apply_check_interval()

    @property
    def interval_ms(self) -> int:
        return self._interval_ms

    @property
    def active(self) -> bool:
        return self.timer.isActive()

    def _apply_check_interval(self) -> None:
        self.timer.setInterval(max(20, min(MAX_CHECK_MS, self._interval_ms // 4)))

    def set_interval(self, interval_ms: int) -> None:
        self._interval_ms = interval_ms
        self._apply_check_interval()

    def start(self) -> None:
        self._last_input = self._clock()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def idle_seconds(self) -> float:
        return self._clock() - self._last_input

    def check(self) -> None:
        if self.timer.isActive() and self.idle_seconds() * 1000 >= self._interval_ms:
            self.timer.stop()
            self.idle_timeout.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() in INPUT_EVENTS:
            self._last_input = self._clock()
        return False

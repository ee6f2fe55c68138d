"""A growing delay after wrong passphrases, so guessing at the unlock screen is slow.

Argon2id makes every guess expensive offline; this adds a wait between guesses
typed into a running app. The clock is injectable for tests.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from delegate_app.core.errors import UnlockThrottledError
from delegate_app.i18n import ngettext

FREE_ATTEMPTS = 3
MAX_DELAY_SECONDS = 300.0


class UnlockThrottle:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.failures = 0
        self._not_before = 0.0

    def delay_after(self, failures: int) -> float:
        """Seconds to wait after ``failures`` consecutive failures: 0, 0, 0, 2, 4, 8 … 300."""
        if failures < FREE_ATTEMPTS:
            return 0.0
        return min(MAX_DELAY_SECONDS, 2.0 ** (failures - FREE_ATTEMPTS + 1))

    def remaining(self) -> float:
        return max(0.0, self._not_before - self._clock())

    def check(self) -> None:
        wait = self.remaining()
        if wait > 0:
            seconds = int(wait + 0.999)
            raise UnlockThrottledError(
                ngettext(
                    "Too many wrong passphrases. Try again in {seconds} second.",
                    "Too many wrong passphrases. Try again in {seconds} seconds.",
                    seconds,
                ).format(seconds=seconds),
                retry_after=wait,
            )

    def record_failure(self) -> None:
        self.failures += 1
        self._not_before = self._clock() + self.delay_after(self.failures)

    def record_success(self) -> None:
        self.failures = 0
        self._not_before = 0.0

"""A growing delay after wrong passphrases, so guessing at the unlock screen is slow.

Argon2id makes every guess expensive offline; this adds a wait between guesses typed into
Delegate. The count of wrong attempts in a row and the time of the last one are kept in a small
owner-only file beside the key file (:class:`AttemptsFile`), so quitting and restarting the app or
running ``delegatectl`` again does not start afresh. Whoever has the disk can delete that file,
but such a person can attack the key file offline anyway: the throttle slows someone at the
app, not an offline attacker. The clock is wall time (the wait must survive a restart) and
injectable for tests; a clock set backwards never makes the wait longer than the delay itself.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from delegate_app.core.errors import UnlockThrottledError
from delegate_app.core.vault.keyfile import write_private_file
from delegate_app.i18n import ngettext

log = logging.getLogger(__name__)

FREE_ATTEMPTS = 3
MAX_DELAY_SECONDS = 300.0
ATTEMPTS_FORMAT = "delegate-unlock-attempts"
ATTEMPTS_VERSION = 1
MAX_RECORDED_FAILURES = 1_000_000


@dataclass(frozen=True)
class Attempts:
    """Wrong passphrases in a row, and when (Unix seconds) the last one was typed."""

    failures: int = 0
    last_failure: float = 0.0


class AttemptsFile:
    """The attempt record on disk, written atomically; a missing or damaged file counts as none.

    Damage is not treated as an attack: anyone able to write the file can also delete it.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> Attempts:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return Attempts()
        except (OSError, ValueError, RecursionError):
            log.warning("Unlock attempt record unreadable; counting from zero")
            return Attempts()
        return _parse(data)

    def save(self, attempts: Attempts) -> None:
        record = {
            "format": ATTEMPTS_FORMAT,
            "version": ATTEMPTS_VERSION,
            "failures": attempts.failures,
            "last_failure": attempts.last_failure,
        }
        write_private_file(self.path, (json.dumps(record) + "\n").encode("utf-8"))

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)


def _parse(data: object) -> Attempts:
    if not isinstance(data, dict) or data.get("format") != ATTEMPTS_FORMAT:
        return Attempts()
    failures, last = data.get("failures"), data.get("last_failure")
    if (
        data.get("version") != ATTEMPTS_VERSION
        or isinstance(failures, bool)
        or not isinstance(failures, int)
        or not 0 <= failures <= MAX_RECORDED_FAILURES
        or isinstance(last, bool)
        or not isinstance(last, int | float)
        or not math.isfinite(last)
    ):
        log.warning("Unlock attempt record malformed; counting from zero")
        return Attempts()
    return Attempts(failures=failures, last_failure=float(last))


class UnlockThrottle:
    """Counts wrong passphrases; with a ``store`` the count outlives the process."""

    def __init__(
        self, clock: Callable[[], float] = time.time, store: AttemptsFile | None = None
    ) -> None:
        self._clock = clock
        self._store = store
        self._attempts = Attempts()

    @property
    def failures(self) -> int:
        return self._attempts.failures

    def delay_after(self, failures: int) -> float:
        """Seconds to wait after ``failures`` consecutive failures: 0, 0, 0, 2, 4, 8 … 300."""
        if failures < FREE_ATTEMPTS:
            return 0.0
        return min(MAX_DELAY_SECONDS, 2.0 ** min(failures - FREE_ATTEMPTS + 1, 64))

    def remaining(self) -> float:
        self._reload()
        delay = self.delay_after(self._attempts.failures)
        return min(delay, max(0.0, self._attempts.last_failure + delay - self._clock()))

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
        self._reload()  # another process (the app, delegatectl) may have failed meanwhile
        failures = min(self._attempts.failures + 1, MAX_RECORDED_FAILURES)
        self._attempts = Attempts(failures=failures, last_failure=self._clock())
        if self._store is not None:
            try:
                self._store.save(self._attempts)
            except OSError as exc:
                log.warning("Unlock attempt record not written (%s)", type(exc).__name__)

    def record_success(self) -> None:
        self._attempts = Attempts()
        if self._store is not None:
            try:
                self._store.clear()
            except OSError as exc:
                log.warning("Unlock attempt record not removed (%s)", type(exc).__name__)

    def _reload(self) -> None:
        """Take the record on disk unless ours is newer (a write that failed, say)."""
        if self._store is not None:
            stored = self._store.load()
            if stored.last_failure >= self._attempts.last_failure:
                self._attempts = stored

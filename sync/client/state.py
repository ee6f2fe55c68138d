"""The state of the sync engine as the user sees it: offline, syncing n of m, up to date, error.

A frozen value the engine hands to its state callback on every change; the GUI
shows :meth:`SyncState.describe`, the CLI prints it, scripts read the fields.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from delegate_app.core.formatting import format_time
from delegate_app.i18n import _


class SyncStatus(StrEnum):
    IDLE = "idle"  # not started yet
    OFFLINE = "offline"
    SYNCING = "syncing"
    UP_TO_DATE = "up-to-date"
    ERROR = "error"


@dataclass(frozen=True)
class SyncState:
    status: SyncStatus = SyncStatus.IDLE
    done: int = 0
    total: int = 0
    last_success: datetime | None = None
    reason: str | None = None  # translated; for OFFLINE and ERROR
    retry_in: float | None = None  # seconds until the next attempt, when waiting

    def with_(self, **changes: object) -> SyncState:
        return replace(self, **changes)  # type: ignore[arg-type]

    def describe(self) -> str:
        """One translated line: "Offline", "Syncing 3 of 10", "Up to date at 14:05"…"""
        if self.status is SyncStatus.OFFLINE:
            return _("Offline")
        if self.status is SyncStatus.SYNCING:
            if self.total:
                return _("Syncing {done} of {total}").format(done=self.done, total=self.total)
            return _("Syncing…")
        if self.status is SyncStatus.UP_TO_DATE:
            if self.last_success is None:
                return _("Up to date")
            return _("Up to date at {time}").format(time=format_time(self.last_success))
        if self.status is SyncStatus.ERROR:
            return _("Sync error: {reason}").format(reason=self.reason or _("unknown"))
        return _("Not synced yet")

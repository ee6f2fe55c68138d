"""The status bar's sync line: the engine's state, told apart by what the user can do about it.

The engine reports OFFLINE whenever the relay does not answer. Whether that is this computer
without a network (wait for a link) or a relay that does not answer on a working network (the
relay or the path to it is down; the next try is at a given time) is told apart here with the
operating system's reachability signal, where Qt has a backend for it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from delegate_app.core.formatting import format_time
from delegate_app.i18n import _
from sync.client.state import SyncState, SyncStatus


def sync_status_text(
    state: SyncState | None, *, network_up: bool | None, reported_at: datetime
) -> str:
    """``network_up`` is None where the system cannot tell; ``reported_at`` is when ``state``
    arrived, from which its ``retry_in`` becomes a clock time."""
    if state is None:
        return ""
    if state.status is not SyncStatus.OFFLINE:
        return state.describe()
    if network_up is False:
        return _("Offline: no network connection")
    if state.retry_in is None:
        return _("Relay unreachable")
    retry_at = reported_at + timedelta(seconds=state.retry_in)
    return _("Relay unreachable; next try at {time}").format(time=format_time(retry_at))

"""The status bar tells "no network" from "the relay does not answer", with the next try."""

from __future__ import annotations

from datetime import UTC, datetime

from delegate_app.core.formatting import format_time
from delegate_app.ui.sync_status import sync_status_text
from sync.client.state import SyncState, SyncStatus

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
OFFLINE = SyncState(status=SyncStatus.OFFLINE, reason="unreachable", retry_in=90)


def test_no_network_is_offline() -> None:
    assert sync_status_text(OFFLINE, network_up=False, reported_at=NOW) == (
        "Offline: no network connection"
    )


def test_a_silent_relay_on_a_working_or_unknown_network_gives_the_next_try() -> None:
    expected = (
        f"Relay unreachable; next try at {format_time(datetime(2027, 3, 1, 9, 1, 30, tzinfo=UTC))}"
    )
    assert sync_status_text(OFFLINE, network_up=True, reported_at=NOW) == expected
    assert sync_status_text(OFFLINE, network_up=None, reported_at=NOW) == expected
    no_retry = OFFLINE.with_(retry_in=None)
    assert sync_status_text(no_retry, network_up=True, reported_at=NOW) == "Relay unreachable"


def test_other_states_are_described_as_before() -> None:
    up = SyncState(status=SyncStatus.SYNCING, done=1, total=3)
    assert sync_status_text(up, network_up=False, reported_at=NOW) == "Syncing 1 of 3"
    assert sync_status_text(None, network_up=True, reported_at=NOW) == ""

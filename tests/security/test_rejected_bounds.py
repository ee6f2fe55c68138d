"""Refused envelopes cannot grow the vault or the log without bound, and are still reported.

Before, every refused envelope was a row in ``inbox_rejected`` that nothing ever deleted and a
log warning of its own, so a contact (or anyone who can deposit garbage) could grow both at will.
"""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

import pytest

from delegate_app.cli.sync_commands import LISTED_REFUSALS
from delegate_app.core.messaging.inbox import MAX_REJECTED, REJECTED_KEEP_DAYS, InboxState
from delegate_app.core.messaging.models import Priority
from delegate_app.core.messaging.outbox import Outbox
from delegate_app.core.messaging.receiver import Outcome
from tests.cli.helpers import delegatectl
from tests.sync.conftest import start_relay
from tests.sync.profiles import create_profiles, profiles_at, sync_peer

NO_RELAY = "http://127.0.0.1:9"


def test_a_contacts_flood_of_bad_content_keeps_the_newest_rows_and_one_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with profiles_at(tmp_path, 2, NO_RELAY) as (amina, boris):
        sender, room = amina.room, boris.room
        target = sender.directory.by_name(boris.name)
        count = MAX_REJECTED + 40
        with sender.db.transaction() as db:
            for _ in range(count):
                sender.sender.enqueue(db, [target], content_type="x/unknown", body=b"x",
                                      kind="message", priority=Priority.MESSAGE)  # fmt: skip
        pending = Outbox(sender.db).pending()
        with caplog.at_level(logging.WARNING, logger="delegate_app.core.messaging.receiver"):
            results = [room.receiver.receive(d.envelope_id, d.data) for d in pending]
        assert {r.outcome for r in results} == {Outcome.REJECTED}
        kept = [r.envelope_id for r in InboxState(room.db).rejections()]
        assert len(kept) == MAX_REJECTED
        assert set(kept) <= {d.envelope_id for d in pending}
        # One warning for the whole flood (the rest are counted into the next one).
        assert len([r for r in caplog.records if "Rejected" in r.getMessage()]) == 1


def test_reported_rejections_are_forgotten_after_the_keep_days(tmp_path: Path) -> None:
    with profiles_at(tmp_path, 1, NO_RELAY) as (amina,):
        inbox = InboxState(amina.room.db)
        old = secrets.token_hex(16)
        inbox.reject(old, "Unknown content type.", now=1_000_000.0)
        unreported = secrets.token_hex(16)
        inbox.reject(unreported, "Unknown content type.", now=1_000_001.0)
        inbox.mark_reported([old])
        later = 1_000_000.0 + (REJECTED_KEEP_DAYS + 1) * 86_400
        inbox.reject(secrets.token_hex(16), "Unknown content type.", now=later)
        remaining = [r.envelope_id for r in inbox.rejections()]
        assert old not in remaining and unreported in remaining and len(remaining) == 2


def test_unreadable_garbage_is_counted_not_stored(tmp_path: Path) -> None:
    with profiles_at(tmp_path, 1, NO_RELAY) as (amina,):
        room = amina.room
        for _ in range(50):
            garbage = secrets.token_bytes(200)
            result = room.receiver.receive(secrets.token_hex(16), garbage)
            assert result.outcome is Outcome.REJECTED
        inbox = InboxState(room.db)
        assert inbox.rejections() == [] and inbox.unreadable() == 50


def test_delegatectl_sync_reports_a_flood_once_in_a_few_lines_and_fails(tmp_path: Path) -> None:
    relay = start_relay(tmp_path / "relay.db")
    try:
        amina, boris = create_profiles(tmp_path, 2, relay.url)
        sender = amina.room
        target = sender.directory.by_name(boris.name)
        with sender.db.transaction() as db:
            for _ in range(40):
                sender.sender.enqueue(db, [target], content_type="x/unknown", body=b"x",
                                      kind="message", priority=Priority.MESSAGE)  # fmt: skip
        assert sync_peer(amina).sent == 40
        for peer in (amina, boris):
            peer.close()  # the command owns the vault from here on
        first = delegatectl("sync", "--once", "--profile", str(boris.root))
        refused = [line for line in first.stderr.splitlines() if line.startswith("Refused")]
        assert first.returncode == 1
        assert refused[-1] == f"Refused {40 - LISTED_REFUSALS} more damaged or forged envelopes."
        assert len(refused) == LISTED_REFUSALS + 1
        second = delegatectl("sync", "--once", "--profile", str(boris.root))
        assert second.returncode == 0, second.stderr  # acknowledged and told: not again
        assert "Refused" not in second.stderr
    finally:
        relay.stop()

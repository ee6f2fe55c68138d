"""The answering second mission of the demo: syncs with the demo relay and replies.

``python -m delegate_app.demo_peer --profile DIR`` unlocks the peer profile
(passphrase from ``DELEGATE_PASSPHRASE``), then syncs until stopped: every new
message gets a courteous answer, every newly shared paper an acknowledgement
and a comment. It stops on SIGTERM/SIGINT and by itself when the process that
started it (``--parent-pid``) is gone, so the demo never leaves it behind.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from delegate_app.core.documents.store import DocumentStore
from delegate_app.core.hardening import harden_process
from delegate_app.core.mailroom import Mailroom
from delegate_app.core.messaging.models import ConversationKind
from delegate_app.core.paths import resolve_profile
from delegate_app.core.policy import load_policy
from delegate_app.core.vault import Vault
from sync.client.engine import SyncEngine

log = logging.getLogger("delegate.demo_peer")

REPLY = "Received, thank you — we will revert before the plenary."
ACKNOWLEDGEMENT = "We acknowledge receipt of “{title}”. Our delegation is studying it."
COMMENT = "Sylvania can support this text; we will propose minor drafting changes."


def answer(room: Mailroom) -> int:
    """Reply to unread messages and acknowledge unread shared papers. Returns items handled."""
    handled = 0
    messenger = room.messenger
    for conversation in messenger.conversations():
        unread = messenger.store.unread_incoming(conversation.id)
        if not unread:
            continue
        messenger.mark_read(conversation.id)
        if conversation.kind is ConversationKind.GROUP:
            messenger.send_in(conversation, REPLY)
        else:
            senders = {m.sender_key for m in unread if m.sender_key}
            for key in senders:
                contact = room.directory.by_key(key)
                if contact is not None:
                    messenger.send_text(contact.name, REPLY)
        handled += len(unread)
    documents = DocumentStore(room.db)
    for summary in documents.summaries():
        if summary.is_read:
            continue
        provenance = room.sharing.store.provenance(summary.uid)
        if provenance is None or provenance.shared_by is None:
            continue
        sender = room.directory.by_key(provenance.shared_by)
        documents.set_read(summary.id, True)
        if sender is None:
            continue
        messenger.send_text(sender.name, ACKNOWLEDGEMENT.format(title=summary.title))
        if not room.sharing.comments(summary.id):
            room.sharing.comment(summary.id, COMMENT)
        handled += 1
    return handled


def _watch_parent(parent_pid: int, engine: SyncEngine, stop: threading.Event) -> None:
    while not stop.wait(1.0):
        if os.getppid() != parent_pid:
            log.info("Parent process gone; stopping")
            engine.stop()
            return


def main(argv: Sequence[str] | None = None) -> int:
    harden_process()  # it holds the peer's unlocked vault
    parser = argparse.ArgumentParser(prog="delegate-demo-peer", description=__doc__)
    parser.add_argument("--profile", type=Path, required=True, metavar="DIR")
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between passes")
    parser.add_argument("--parent-pid", type=int, default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="demo-peer: %(message)s")
    passphrase = os.environ.get("DELEGATE_PASSPHRASE")
    if not passphrase:
        print("demo-peer: set DELEGATE_PASSPHRASE", file=sys.stderr)
        return 2
    vault = Vault.open(resolve_profile(args.profile))
    vault.unlock(passphrase)
    policy = load_policy()
    room = Mailroom.open(vault.db, policy)
    engine = SyncEngine(room, idle_poll=args.interval)

    def on_signal(signum: int, frame: FrameType | None) -> None:
        engine.stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    stop_watch = threading.Event()
    if args.parent_pid is not None:
        threading.Thread(
            target=_watch_parent, args=(args.parent_pid, engine, stop_watch), daemon=True
        ).start()

    def after_pass(_report: object) -> None:
        if answer(room):
            engine.wake()  # send the answers now rather than at the next poll

    try:
        engine.run(on_report=after_pass)
    finally:
        stop_watch.set()
        engine.close()
        vault.lock()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""SIGKILL ``delegatectl sync --once`` at random moments while 1,000 messages go each way.

Each round starts both profiles' sync processes at once (each sends its outbox, fetches
its inbox, acknowledges and sends receipts) and kills each in one of two ways: at a random
moment (start-up, unlock, a deposit, a commit — a pass over hundreds of messages takes only
tenths of a second, so the window follows the measured durations), or as soon as the relay has
recorded its first, second or third signed request (a fetch or an acknowledgement: the process
is then waiting for the answer, committing a received batch, or acking). Some finish. At the
end both profiles sync cleanly and every message must be there exactly once on both sides.
The traffic is envelope format 2 (each profile holds the other's version 3 card), so a kill
between opening and committing, or between sealing and committing, must not desynchronise
the ratchet sessions: afterwards both are still on format 2 and the next message each way
opens. ``DELEGATE_FAULT_ROUNDS`` (default 50) and ``DELEGATE_FAULT_SEED`` change the run.
"""

from __future__ import annotations

import random
import secrets
import sqlite3
import subprocess
import time
from contextlib import closing
from pathlib import Path

import pytest

from delegate_app.core.messaging.ratchet_store import RatchetStore
from tests.faults import report
from tests.faults.clients import mail_of, processes, sync_process
from tests.relay_server import RelayProcess
from tests.sync.profiles import Peer, create_profiles

MESSAGES_EACH_WAY = 1000
FIRST_BATCH = 400  # queued before the first round (long passes to kill); the rest later
DEFAULT_ROUNDS = 50
KILL_KINDS = {"signed": "after a fetch/ack", "time": "at a random time"}
FINAL_PASSES = 8  # clean passes allowed at the end before "nothing lost" must hold


def _batch_sizes(rng: random.Random, total: int, parts: int) -> list[int]:
    """``total`` split into ``parts`` random non-negative sizes."""
    parts = max(1, parts)
    cuts = sorted(rng.randint(0, total) for _ in range(parts - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]


@pytest.mark.faults
def test_sigkill_at_random_points_loses_nothing_and_shows_nothing_twice(
    tmp_path: Path, relay: RelayProcess
) -> None:
    seed = report.fault_seed()
    rounds = report.fault_rounds(DEFAULT_ROUNDS)
    print(f"SIGKILL rounds: {rounds}, seed {seed}")
    stats = report.scenario("sigkill delegatectl sync")
    stats.seeds.append(seed)
    rng = random.Random(seed)
    peers = create_profiles(tmp_path, 2, relay.url)
    other = {peers[0].name: peers[1], peers[1].name: peers[0]}
    sent: dict[str, set[str]] = {p.name: set() for p in peers}

    def queue(peer: Peer, count: int) -> None:
        if count == 0:
            return
        with peer.db_transaction() as room:
            for _ in range(count):
                text = f"{peer.name} #{len(sent[peer.name])} {secrets.token_hex(4)}"
                room.messenger.send_text(other[peer.name].name, text)
                sent[peer.name].add(text)

    plans = {}
    for peer in peers:
        queue(peer, FIRST_BATCH)
        peer.close()  # the subprocesses own the vaults from here on
        plans[peer.name] = _batch_sizes(rng, MESSAGES_EACH_WAY - FIRST_BATCH, rounds * 2 // 3)
    mailboxes = {p.name: p.mailbox_id for p in peers}
    typical = 1.5  # seconds a whole process takes, learned from those that finish
    with closing(sqlite3.connect(f"file:{relay.db}?mode=ro", uri=True, timeout=10)) as relay_db:

        def signed_requests(peer: Peer) -> int:
            """Fetches and acks the relay answered for ``peer`` (one stored nonce each)."""
            row = relay_db.execute(
                "SELECT count(*) FROM nonces WHERE mailbox = ?", (mailboxes[peer.name],)
            ).fetchone()
            return int(row[0])

        for _ in range(rounds):
            for peer in peers:
                plan = plans[peer.name]
                if plan and rng.random() < 0.8:  # new mail keeps arriving during the rounds
                    queue(peer, plan.pop())
            with processes() as running:
                victims = []
                for peer in peers:
                    started = time.monotonic()
                    running.append(sync_process(peer))
                    plan_kill: tuple[str, float]
                    if rng.random() < 0.5:  # as soon as the relay recorded its n-th fetch/ack
                        plan_kill = ("signed", signed_requests(peer) + rng.randint(1, 3))
                    else:  # at a random moment, start-up and unlock included
                        plan_kill = ("time", started + rng.uniform(0.05, max(0.4, typical)))
                    victims.append((peer, running[-1], started, plan_kill))
                deadline = time.monotonic() + 120
                while victims:  # bounded: every process ends, is killed, or times out
                    assert time.monotonic() < deadline, "a sync process hung"
                    for victim in list(victims):
                        peer, process, started, (kind, when) = victim
                        if process.poll() is not None:
                            typical = 0.7 * typical + 0.3 * (time.monotonic() - started)
                            victims.remove(victim)
                            continue
                        due = (
                            signed_requests(peer) >= when
                            if kind == "signed"
                            else time.monotonic() >= when
                        )
                        if due:
                            process.kill()
                            process.wait(timeout=30)
                            stats.kills += 1
                            stats.extra[f"kills {KILL_KINDS[kind]}"] += 1
                            victims.remove(victim)
                    time.sleep(0.002)
            stats.rounds += 1
            typical = min(typical * 1.05, 30.0)  # drift up, so longer passes are found again
    for peer in peers:  # whatever the plan left over is sent now, before the final passes
        queue(peer, sum(plans[peer.name]))
    assert stats.kills >= rounds // 4, "the kills should land in many rounds"
    assert stats.extra["kills after a fetch/ack"] >= rounds // 10, "and inside the sync pass"
    for _ in range(FINAL_PASSES):
        for peer in peers:
            with processes() as running:
                running.append(sync_process(peer, stderr=subprocess.PIPE))
                _, err = running[0].communicate(timeout=240)
                assert running[0].returncode == 0, err.decode(errors="replace")
        mails = [mail_of(p) for p in peers]
        if all(len(m.incoming) >= MESSAGES_EACH_WAY and m.queued == 0 for m in mails):
            break
    for peer in peers:
        mail = mail_of(peer)
        lost, duplicated = stats.reconcile(sent[other[peer.name].name], mail.incoming)
        assert (lost, duplicated) == (0, 0), f"seed {seed}: {lost} lost, {duplicated} twice"
        assert len(mail.outgoing) == len(set(mail.outgoing)) == MESSAGES_EACH_WAY
        assert set(mail.outgoing) == sent[peer.name] and mail.queued == 0
    stats.extra["sync processes"] += rounds * len(peers)
    # The sessions survived every kill: still format 2, and one more message each way opens.
    for peer in peers:
        with peer.unlocked() as room:
            contact = room.contacts.get(other[peer.name].name)
            assert contact.protocol == 2
            assert not RatchetStore(room.db).restart_wanted(contact.identity_key.hex())
        queue(peer, 1)
    for _ in range(2):
        for peer in peers:
            with processes() as running:
                running.append(sync_process(peer, stderr=subprocess.PIPE))
                _, err = running[0].communicate(timeout=240)
                assert running[0].returncode == 0, err.decode(errors="replace")
    for peer in peers:
        assert set(mail_of(peer).incoming) == sent[other[peer.name].name]

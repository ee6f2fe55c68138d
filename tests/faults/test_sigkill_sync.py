"""SIGKILL ``delegatectl sync --once`` at random moments while 1,000 messages go each way.

Each round starts both profiles' sync processes at once (each sends its outbox, fetches
its inbox and sends receipts) and kills each at its own random moment: mostly inside the
sync pass (a deposit, a receive commit, an acknowledgement), sometimes during start-up and
unlock, or not at all. A pass over hundreds of messages takes only a few tenths of a second
after a start-up of about 0.3 s, so the kill times are drawn from the durations measured for
the processes that finished. At the end both profiles sync cleanly and every message must be
there exactly once on both sides. ``DELEGATE_FAULT_ROUNDS`` (default 50) and
``DELEGATE_FAULT_SEED`` change the run; the report counts the kills that fell after start-up.
"""

from __future__ import annotations

import random
import secrets
import subprocess
import time
from pathlib import Path

import pytest

from tests.faults import report
from tests.faults.clients import mail_of, processes, sync_process
from tests.relay_server import RelayProcess
from tests.sync.profiles import Peer, create_profiles

MESSAGES_EACH_WAY = 1000
FIRST_BATCH = 400  # queued before the first round (long passes to kill); the rest later
DEFAULT_ROUNDS = 50
PAST_START_UP = 0.35  # seconds: interpreter and imports (about 0.3 s) and unlock are behind
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
    mid_pass = 0  # kills that fell after start-up and unlock, inside the sync pass
    typical = 1.5  # seconds a whole process takes, learned from those that finish

    def kill_after() -> float:
        """Mostly a moment inside the sync pass, sometimes one during start-up and unlock."""
        if rng.random() < 0.15:
            return rng.uniform(0.05, PAST_START_UP)
        return rng.uniform(PAST_START_UP, max(PAST_START_UP + 0.05, typical))

    for _ in range(rounds):
        for peer in peers:
            plan = plans[peer.name]
            if plan and rng.random() < 0.8:  # new mail keeps arriving while the rounds go on
                queue(peer, plan.pop())
        with processes() as running:
            deadlines = []
            for peer in peers:
                started = time.monotonic()
                running.append(sync_process(peer))
                deadlines.append((started + kill_after(), started, running[-1]))
            for deadline, started, process in sorted(deadlines, key=lambda d: d[0]):
                try:
                    process.wait(timeout=max(0.0, deadline - time.monotonic()))
                    typical = 0.7 * typical + 0.3 * (time.monotonic() - started)
                except subprocess.TimeoutExpired:
                    process.kill()
                    stats.kills += 1
                    if time.monotonic() - started >= PAST_START_UP:
                        mid_pass += 1
                    process.wait(timeout=30)
        stats.rounds += 1
        typical = min(typical * 1.05, 30.0)  # drift up, so that longer passes are found again
    for peer in peers:  # whatever the plan left over is sent now, before the final passes
        queue(peer, sum(plans[peer.name]))
    stats.extra["kills after start-up"] += mid_pass
    assert stats.kills >= rounds // 4, "the kills should land in many rounds"
    assert mid_pass >= rounds // 6, "many kills should land inside the sync pass"
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

"""One side of the attachment benchmark in its own process: its time and its peak memory.

``python -m benchmarks.attachment_side PROFILE [DOC_ID CONTACT]`` unlocks the profile, records
its resident memory (idle: vault open, nothing moving), resets the kernel's peak counter, then
shares document ``DOC_ID`` with ``CONTACT`` (sender) or not (receiver) and runs one sync pass.
It prints one JSON line: the seconds that took and the peak resident memory above idle.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from benchmarks.common import BENCH_PASSPHRASE
from delegate_app.core.mailroom import Mailroom
from delegate_app.core.paths import resolve_profile
from delegate_app.core.policy import Policy
from delegate_app.core.vault import Vault
from sync.client.engine import SyncEngine


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def main(args: list[str]) -> int:
    vault = Vault.open(resolve_profile(Path(args[0])))
    vault.unlock(BENCH_PASSPHRASE)
    room = Mailroom.open(vault.db, Policy.from_raw(None))
    engine = SyncEngine(room)
    idle = _status_kib("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # peak resident memory starts again from now
    started = time.perf_counter()
    if len(args) == 3:
        room.sharing.share(int(args[1]), [args[2]])
    engine.sync_once()
    seconds = time.perf_counter() - started
    peak = max(_status_kib("VmHWM"), _status_kib("VmRSS"))
    engine.close()
    vault.lock()
    print(json.dumps({"seconds": seconds, "idle_kib": idle, "peak_kib": peak}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

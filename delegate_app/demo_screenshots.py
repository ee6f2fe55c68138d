"""The screenshots of docs/GUI.md, made from the demo profile: ``make screenshots``.

``python -m delegate_app.demo_screenshots --out DIR`` creates a demo profile in a temporary
directory, starts its little network (a local relay and the answering Embassy of Sylvania),
exchanges a few messages with it, then renders each page in each language with
``delegate --screenshot`` (offscreen, 1280×800) as ``DIR/<page>-<lang>.png``. Nothing is kept
but the pictures; the demo passphrase is the published one.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from delegate_app.core.mailroom import Mailroom
from delegate_app.core.policy import load_policy
from delegate_app.demo import DEMO_PASSPHRASE, seed_profile
from delegate_app.demo_network import PEER_NAME, DemoNetwork
from sync.client.engine import SyncEngine

LANGUAGES = ("en", "ar", "zh_CN")
PAGES = ("library", "messages", "contacts")
OPENING = "Good morning. Could you share your delegation's position on the data-flows text?"
ANSWER_TIMEOUT = 60.0


def _converse(profile: Path) -> None:
    """Send the peer a message and wait (bounded) until its answer has arrived."""
    policy = load_policy()
    vault = seed_profile(profile, policy)
    try:
        room = Mailroom.open(vault.db, policy)
        room.messenger.send_text(PEER_NAME, OPENING)
        engine = SyncEngine(room)
        try:
            deadline = time.monotonic() + ANSWER_TIMEOUT
            while time.monotonic() < deadline:
                engine.sync_once()
                if len(room.messenger.messages()) >= 3:  # greeting, ours, the reply
                    return
                time.sleep(0.5)
        finally:
            engine.close()
        raise RuntimeError("The demo peer did not answer in time.")
    finally:
        vault.lock()


def _render(profile: Path, out: Path, page: str, lang: str) -> None:
    target = out / f"{page}-{lang.replace('_', '-').lower()}.png"
    env = dict(os.environ, DELEGATE_PASSPHRASE=DEMO_PASSPHRASE, QT_QPA_PLATFORM="offscreen")
    subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "delegate_app.app", "--profile", str(profile), "--lang", lang,
         "--screenshot", str(target), "--screenshot-page", page],
        check=True, env=env, stdin=subprocess.DEVNULL, timeout=120,
    )  # fmt: skip
    print(target)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="delegate-demo-screenshots", description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"), metavar="DIR")
    parser.add_argument("--lang", nargs="+", default=list(LANGUAGES), metavar="L")
    parser.add_argument("--page", nargs="+", default=list(PAGES), choices=PAGES)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    policy = load_policy()
    with tempfile.TemporaryDirectory(prefix="delegate-screens-") as tmp:
        profile = Path(tmp) / "demo"
        vault = seed_profile(profile, policy)
        network = DemoNetwork(profile, policy, DEMO_PASSPHRASE, peer_interval=0.5)
        try:
            network.start(vault)
        finally:
            vault.lock()
        with network:
            _converse(profile)
            for lang in args.lang:
                for page in args.page:
                    _render(profile, args.out, page, lang)
    return 0


if __name__ == "__main__":
    sys.exit(main())

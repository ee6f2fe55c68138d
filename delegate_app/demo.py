"""The demo profile: a fictional mission with sample briefings, for ``make run`` and screenshots.

``python -m delegate_app.demo --profile DIR`` creates the profile when absent and imports the
sample content once; ``--launch`` then starts the app on it. The passphrase is fixed and printed:
this profile is for demonstration only, never for real material.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from delegate_app.core.crypto.keywrap import DEFAULT_KDF, KdfParams
from delegate_app.core.documents.library import Library
from delegate_app.core.documents.models import DocumentKind, ImportOptions
from delegate_app.core.hardening import harden_process
from delegate_app.core.paths import resolve_profile
from delegate_app.core.policy import Policy, load_policy
from delegate_app.core.profile import ProfileInfo, init_profile
from delegate_app.core.vault import Vault
from delegate_app.i18n import _, ngettext

DEMO_PASSPHRASE = "demo-passphrase-2027"  # noqa: S105 - a published demo passphrase
DEMO_NAME = "Amina Haddad"
DEMO_ORGANISATION = "Permanent Mission of Freedonia"
CONTENT_DIR = Path(__file__).resolve().parent.parent / "resources" / "demo"


def seed_documents(library: Library, content_dir: Path = CONTENT_DIR) -> int:
    """Import every document of the manifest not imported yet; returns how many were added."""
    manifest = json.loads((content_dir / "manifest.json").read_text(encoding="utf-8"))
    added = 0
    for entry in manifest["documents"]:
        if library.has_source(entry["file"]):
            continue
        library.import_file(
            content_dir / entry["file"],
            ImportOptions(
                kind=DocumentKind(entry["kind"]),
                event=manifest["event"],
                classification=entry["classification"],
                tags=tuple(entry["tags"]),
                language=entry["language"],
                author=DEMO_ORGANISATION,
            ),
        )
        added += 1
    return added


def seed_profile(profile: Path, policy: Policy, *, kdf: KdfParams = DEFAULT_KDF) -> Vault:
    """The demo profile's vault, unlocked, created and filled as needed (``kdf`` applies only
    when the profile is created)."""
    paths = resolve_profile(profile)
    if Vault.exists(paths):
        vault = Vault.open(paths)
        vault.unlock(DEMO_PASSPHRASE)
    else:
        vault = init_profile(
            paths,
            ProfileInfo(DEMO_NAME, DEMO_ORGANISATION, None),
            DEMO_PASSPHRASE,
            policy,
            kdf=kdf,
        )
    seed_documents(Library(vault.db, policy))
    return vault


def main(argv: Sequence[str] | None = None) -> int:
    harden_process()  # the launcher unlocks the demo vault and runs the app in this process
    parser = argparse.ArgumentParser(prog="delegate-demo", description=__doc__)
    parser.add_argument("--profile", type=Path, required=True, metavar="DIR")
    parser.add_argument("--launch", action="store_true", help=_("start the app afterwards"))
    parser.add_argument(
        "--no-network",
        action="store_true",
        help=_("with --launch: no local relay and no answering second mission"),
    )
    args = parser.parse_args(argv)
    if args.launch and argv is None:
        from delegate_app.session_bus import restart_with_private_bus

        restart_with_private_bus()  # before the relay and the peer start: they die with the app
    policy = load_policy()
    vault = seed_profile(args.profile, policy)
    count = Library(vault.db, policy).count()
    print(
        ngettext(
            "Demo profile ready in {path} with {count} document.",
            "Demo profile ready in {path} with {count} documents.",
            count,
        ).format(path=args.profile, count=count)
    )
    print(_("Demo passphrase: {passphrase}").format(passphrase=DEMO_PASSPHRASE))
    if not args.launch:
        vault.lock()
        print(_("Start it with: {command}").format(command=f"delegate --profile {args.profile}"))
        return 0
    no_display = not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY")
    if no_display and os.environ.get("QT_QPA_PLATFORM", "") in ("", "offscreen"):
        vault.lock()
        print(_("No display found: set DISPLAY (or run under xvfb-run) to see the app."))
        return 0
    from delegate_app.app import main as app_main

    if args.no_network:
        vault.lock()
        return app_main(["--profile", str(args.profile)])
    # A local relay and the Embassy of Sylvania answering; both stop when the app exits.
    from delegate_app.demo_network import DemoNetwork

    network = DemoNetwork(args.profile, policy, DEMO_PASSPHRASE)
    try:
        network.start(vault)
        print(
            _("Demo relay on {url}; the Embassy of Sylvania answers messages.").format(
                url=network.url
            )
        )
    finally:
        vault.lock()
    with network:
        return app_main(["--profile", str(args.profile)])


if __name__ == "__main__":
    sys.exit(main())

"""Baseline for the unlock-to-main-window row: the textbook minimum with the same vault.

In a running QApplication: open the SQLCipher file with the raw key, count the documents, read
the 50 newest titles by rowid (the primary key: no scan), and paint a bare QMainWindow of the
same size listing them. The key is unwrapped before the clock starts (the row measures what
follows the key derivation).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import sqlcipher3
from PySide6.QtWidgets import QApplication, QListWidget, QMainWindow

from benchmarks.bare_window import FirstPaint
from delegate_app.core.crypto.keywrap import unwrap_key
from delegate_app.core.vault.keyfile import read_key_file


def main() -> int:
    root = Path(sys.argv[1])
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication(sys.argv[:1])
    key = unwrap_key(read_key_file(root / "vault.key").wrapped, os.environ["DELEGATE_PASSPHRASE"])
    started = time.perf_counter()
    conn = sqlcipher3.connect(str(root / "vault.db"))
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    count = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
    titles = [r[0] for r in conn.execute(
        "SELECT title FROM documents ORDER BY id DESC LIMIT 50")]  # fmt: skip
    window = QMainWindow()
    listing = QListWidget()
    listing.addItems(titles)
    window.setCentralWidget(listing)
    window.setWindowTitle(str(count))
    window.resize(1280, 800)
    probe = FirstPaint()
    window.installEventFilter(probe)
    window.show()
    while not FirstPaint.painted:
        app.processEvents()
    print(f"painted {time.perf_counter() - started:.4f} rss_kb 0", flush=True)
    conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

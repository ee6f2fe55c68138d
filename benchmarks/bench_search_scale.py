"""Search at scale: 100,000 documents plus 100,000 messages, against plain FTS5 on the same
corpus in the same run.

The corpus is ``bench_search``'s (Zipf-distributed words), generated once per run; messages are
shorter (30 words) from the same vocabulary. Ours is one search over everything
(``core.search.Search``: documents, messages and comments, exact words then other forms, the
ranking bounded, ADR 0026) in a SQLCipher vault; the baseline is two plain FTS5 tables in an
unencrypted file, each queried with the textbook statement (``MATCH … ORDER BY rank LIMIT 50``
with ``snippet()``), the two timed together. Generation and indexing times are reported as
their own rows, so that the wall time of the run is accounted for.
"""

from __future__ import annotations

import random
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.bench_search import PLAIN_SEARCH, build_plain, build_vault, corpus, queries
from benchmarks.common import BENCH_PASSPHRASE, median, percentile, row, scaled
from delegate_app.core.documents.library import Library
from delegate_app.core.documents.search_query import fts_query
from delegate_app.core.paths import ProfilePaths
from delegate_app.core.policy import Policy
from delegate_app.core.search import Search
from delegate_app.core.vault import Vault

MESSAGE_WORDS = 30
PLAIN_MESSAGES = (
    "SELECT rowid, snippet(plain_messages, 0, '[', ']', '…', 16) FROM plain_messages"
    " WHERE plain_messages MATCH ? ORDER BY rank LIMIT 50"
)


def messages(count: int, words: list[str], seed: int = 12) -> list[str]:
    rng = random.Random(seed)
    weights = [1.0 / rank for rank in range(1, len(words) + 1)]
    return [" ".join(rng.choices(words, weights=weights, k=MESSAGE_WORDS)) for _ in range(count)]


def add_messages(paths: ProfilePaths, bodies: list[str]) -> float:
    """Insert ``bodies`` as received messages of one conversation (the index and stems are
    filled by the triggers, as for any message); the seconds it took."""
    vault = Vault.open(paths)
    vault.unlock(BENCH_PASSPHRASE)
    try:
        started = time.perf_counter()
        with vault.db.transaction() as db:
            db.execute(
                "INSERT INTO conversations (uid, kind, created_at, updated_at)"
                " VALUES ('bench', 'direct', 0, 0)"
            )
            db.executemany(
                "INSERT INTO messages (uid, conversation_id, direction, sender_key, body, sent_at,"
                " state) VALUES (?, 1, 'in', 'bench', ?, ?, 'received')",
                [(f"m{n}", body, 1_700_000_000 + n) for n, body in enumerate(bodies)],
            )
        return time.perf_counter() - started
    finally:
        vault.lock()


def add_plain_messages(conn: sqlite3.Connection, bodies: list[str]) -> float:
    conn.execute(
        "CREATE VIRTUAL TABLE plain_messages USING fts5(body,"
        " tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')"
    )
    started = time.perf_counter()
    with conn:
        conn.executemany("INSERT INTO plain_messages (body) VALUES (?)", [(b,) for b in bodies])
    return time.perf_counter() - started


def run() -> list[dict[str, Any]]:
    count = scaled(100_000, 500)
    rounds = scaled(5, 2)
    started = time.perf_counter()
    documents, words = corpus(count)
    bodies = messages(count, words)
    generated_s = time.perf_counter() - started
    ours: list[float] = []
    plain: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        paths, our_docs_s = build_vault(Path(tmp) / "vault", documents)
        our_messages_s = add_messages(paths, bodies)
        baseline, plain_docs_s = build_plain(Path(tmp) / "plain.db", documents)
        plain_messages_s = add_plain_messages(baseline, bodies)
        vault = Vault.open(paths)
        vault.unlock(BENCH_PASSPHRASE)
        try:
            search = Search(vault.db, Library(vault.db, Policy.from_raw(None)))
            workload = queries(words)

            def time_ours(query: str) -> None:
                began = time.perf_counter()
                search.search(query, limit=50)
                ours.append(time.perf_counter() - began)

            def time_plain(query: str) -> None:
                match = fts_query(query)
                began = time.perf_counter()
                baseline.execute(PLAIN_SEARCH, (match,)).fetchall()
                baseline.execute(PLAIN_MESSAGES, (match,)).fetchall()
                plain.append(time.perf_counter() - began)

            for query in workload:  # warm the page caches of both alike
                time_ours(query)
                time_plain(query)
            ours.clear()
            plain.clear()
            for n in range(rounds):
                for query in workload:
                    first, second = (
                        (time_ours, time_plain) if n % 2 == 0 else (time_plain, time_ours)
                    )
                    first(query)
                    second(query)
        finally:
            vault.lock()
            baseline.close()
    ms = 1000.0
    label = f"{count // 1000}k documents + {count // 1000}k messages"
    return [
        row(f"search_scale_median ({label})", median(ours) * ms, "ms", median(plain) * ms,
            target="report"),
        row(f"search_scale_p95 ({label})", percentile(ours, 0.95) * ms, "ms",
            percentile(plain, 0.95) * ms, target="value < 150 ms"),
        row("search_scale_indexing (documents and messages)",
            2 * count / (our_docs_s + our_messages_s), "rows/s",
            2 * count / (plain_docs_s + plain_messages_s), target="report",
            lower_is_better=False),
        row("search_scale_corpus_generation", generated_s, "s", generated_s, target="report"),
    ]  # fmt: skip


if __name__ == "__main__":
    for result in run():
        print(result)

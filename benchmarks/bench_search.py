"""Search latency over 10,000 documents: Library.search against the same raw FTS5 query.

The baseline runs the identical MATCH/bm25/snippet SQL directly on the same connection, so the
ratio shows what the library adds (query escaping, row mapping, snippet parsing).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import (
    BENCH_PASSPHRASE,
    WORDS,
    make_document_vault,
    median,
    percentile,
    row,
    scaled,
)
from delegate_app.core.documents.library import Library
from delegate_app.core.documents.search_query import fts_query
from delegate_app.core.documents.store import SEARCH_SQL
from delegate_app.core.policy import Policy
from delegate_app.core.vault import Vault

QUERIES = ["negot", "data flows", "cyber norms", "treaty", "plen", "capacity building", "sovereign"]


def run() -> list[dict[str, Any]]:
    documents = scaled(10_000, 200)
    with tempfile.TemporaryDirectory() as tmp:
        paths = make_document_vault(Path(tmp) / "vault", documents)
        vault = Vault.open(paths)
        vault.unlock(BENCH_PASSPHRASE)
        library = Library(vault.db, Policy.from_raw(None))
        rounds = scaled(30, 5)
        ours: list[float] = []
        raw: list[float] = []
        sql = SEARCH_SQL.format(filters="")
        for _ in range(2):  # warm the page cache for both paths alike
            for query in QUERIES:
                library.search(query)
        for _round in range(rounds):
            for query in [*QUERIES, *WORDS[:3]]:
                started = time.perf_counter()
                library.search(query, limit=50)
                ours.append(time.perf_counter() - started)
                match = fts_query(query)
                started = time.perf_counter()
                list(vault.db.execute(sql, {"query": match, "limit": 50}).fetchall())
                raw.append(time.perf_counter() - started)
        vault.lock()
    ms = 1000.0
    return [
        row("search_median", median(ours) * ms, "ms", median(raw) * ms, target="ratio <= 1.3"),
        row(
            "search_p95",
            percentile(ours, 0.95) * ms,
            "ms",
            percentile(raw, 0.95) * ms,
            target="ratio <= 1.3",
        ),
    ]

"""Search over 10,000 documents against the real limit: a plain, unencrypted SQLite FTS5 table.

The corpus follows Zipf's law like real prose: a few words (``delegation``, ``negotiation``…)
occur in nearly every document, most words in a handful. The queries mix very common words,
prefixes, two-word queries and rare words. The baseline is the same corpus in a plain SQLite
file (Python's own sqlite3, no encryption) with one FTS5 table of the same tokenizer and prefix
indexes, queried with the textbook statement: ``MATCH … ORDER BY rank LIMIT 50`` with
``snippet()``. So the ratio shows everything Delegate adds: SQLCipher's encrypted pages, the
ranking weights, the stems index for other word forms, query escaping and row mapping.
Indexing throughput compares the library's imports (documents, exact index and stems, in one
transaction) with plain FTS5 inserts of the same text. A word found in about 95% of the
documents is timed with the ranking bounded (ADR 0026) against the same search ranking every
match (as before the bound), in the same run.
"""

from __future__ import annotations

import itertools
import random
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import BENCH_PASSPHRASE, WORDS, median, percentile, row, scaled
from delegate_app.core import search_paging
from delegate_app.core.crypto.keywrap import FAST_KDF
from delegate_app.core.documents.library import Library
from delegate_app.core.documents.models import BodyFormat, DocumentKind, ParsedDocument
from delegate_app.core.documents.search_query import fts_query
from delegate_app.core.documents.store import DocumentStore
from delegate_app.core.paths import ProfilePaths, resolve_profile
from delegate_app.core.policy import Policy
from delegate_app.core.profile import ProfileInfo, init_profile
from delegate_app.core.vault import Vault

VOCABULARY_SIZE = 20_000
BODY_WORDS = 300
SYLLABLES = "ka lo mi ne su ra te vo di pa gu shi en ar ol ti be no za fe".split()


def vocabulary(rng: random.Random) -> list[str]:
    """The diplomatic words first (the most frequent), then made-up words."""
    words = list(WORDS)
    seen = set(words)
    while len(words) < VOCABULARY_SIZE:
        word = "".join(rng.choices(SYLLABLES, k=rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


def corpus(count: int, seed: int = 11) -> tuple[list[tuple[str, str, str]], list[str]]:
    """(title, tag, body) of ``count`` documents, and the vocabulary."""
    rng = random.Random(seed)
    words = vocabulary(rng)
    cumulative = list(itertools.accumulate(1.0 / rank for rank in range(1, len(words) + 1)))
    documents = []
    for _ in range(count):
        text = rng.choices(words, cum_weights=cumulative, k=BODY_WORDS + 6)
        documents.append(
            (" ".join(text[:6]).capitalize(), rng.choice(words[:200]), " ".join(text[6:]))
        )
    return documents, words


def build_vault(root: Path, documents: list[tuple[str, str, str]]) -> tuple[ProfilePaths, float]:
    """The vault, and the seconds its documents took to import."""
    paths = resolve_profile(root)
    policy = Policy.from_raw(None)
    vault = init_profile(paths, ProfileInfo("Bench", "Bench Mission", None), BENCH_PASSPHRASE,
                         policy, kdf=FAST_KDF)  # fmt: skip
    store = DocumentStore(vault.db)
    kinds = list(DocumentKind)
    started = time.perf_counter()
    with vault.db.transaction():
        for n, (title, tag, body) in enumerate(documents):
            store.insert(
                ParsedDocument(title=title, body_format=BodyFormat.MARKDOWN, body=body,
                               search_text=body),
                kind=kinds[n % 3], classification="UNCLASSIFIED", event=f"Event {n % 20}",
                language="en", author=None, tags=(tag,), source_name=None,
            )  # fmt: skip
    elapsed = time.perf_counter() - started
    Library(vault.db, policy).count()
    vault.lock()
    return paths, elapsed


PLAIN_SEARCH = (
    "SELECT rowid, snippet(plain, -1, '[', ']', '…', 16) FROM plain"
    " WHERE plain MATCH ? ORDER BY rank LIMIT 50"
)


def build_plain(
    path: Path, documents: list[tuple[str, str, str]]
) -> tuple[sqlite3.Connection, float]:
    """The textbook baseline: one FTS5 table in an unencrypted file, and its insert time."""
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE VIRTUAL TABLE plain USING fts5(title, tags, body,"
        " tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')"
    )
    started = time.perf_counter()
    with conn:
        conn.executemany("INSERT INTO plain (title, tags, body) VALUES (?, ?, ?)", documents)
    return conn, time.perf_counter() - started


def queries(words: list[str]) -> list[str]:
    return [
        "negot",  # prefix of one of the most common words
        "delegation",
        "data flows",
        "cyber norms treaty",
        "sovereign",
        words[150],  # middling
        words[1_500],
        words[8_000][:4],  # a prefix of a rare word
        f"{words[400]} {words[20]}",
        words[15_000],  # rare
    ]


def common_word(documents: list[tuple[str, str, str]], share: float = 0.95) -> tuple[str, float]:
    """The word whose share of documents containing it is nearest ``share``, and that share."""
    counts: dict[str, int] = {}
    for title, tag, body in documents:
        for word in set(f"{title} {tag} {body}".lower().split()):
            counts[word] = counts.get(word, 0) + 1
    word = min(counts, key=lambda w: abs(counts[w] / len(documents) - share))
    return word, counts[word] / len(documents)


def time_common_word(library: Library, word: str, rounds: int) -> tuple[list[float], list[float]]:
    """Seconds per search for ``word``: ranking bounded, and every match ranked, alternating."""
    bounded: list[float] = []
    unbounded: list[float] = []
    bound = search_paging.RANK_CANDIDATES
    try:
        for n in range(rounds + 1):
            for samples, cap in ((bounded, bound), (unbounded, 10**9))[:: 1 if n % 2 else -1]:
                search_paging.RANK_CANDIDATES = cap
                started = time.perf_counter()
                library.search(word, limit=50)
                if n:  # the first round warms the cache
                    samples.append(time.perf_counter() - started)
    finally:
        search_paging.RANK_CANDIDATES = bound
    return bounded, unbounded


def run() -> list[dict[str, Any]]:
    count = scaled(10_000, 200)
    rounds = scaled(10, 3)
    ours: list[float] = []
    plain: list[float] = []
    documents, words = corpus(count)
    with tempfile.TemporaryDirectory() as tmp:
        paths, our_index_s = build_vault(Path(tmp) / "vault", documents)
        baseline, plain_index_s = build_plain(Path(tmp) / "plain.db", documents)
        vault = Vault.open(paths)
        vault.unlock(BENCH_PASSPHRASE)
        try:
            library = Library(vault.db, Policy.from_raw(None))
            workload = queries(words)

            def time_ours(query: str) -> None:
                started = time.perf_counter()
                library.search(query, limit=50)
                ours.append(time.perf_counter() - started)

            def time_plain(query: str) -> None:
                match = fts_query(query)
                started = time.perf_counter()
                baseline.execute(PLAIN_SEARCH, (match,)).fetchall()
                plain.append(time.perf_counter() - started)

            for query in workload:  # warm the page caches of both alike
                time_ours(query)
                time_plain(query)
            ours.clear()
            plain.clear()
            for n in range(rounds):
                for query in workload:  # alternate which goes first
                    first, second = (
                        (time_ours, time_plain) if n % 2 == 0 else (time_plain, time_ours)
                    )
                    first(query)
                    second(query)
            word, share = common_word(documents)
            bounded, unbounded = time_common_word(library, word, rounds * 5)
        finally:
            vault.lock()
            baseline.close()
    ms = 1000.0
    return [
        row("search_median", median(ours) * ms, "ms", median(plain) * ms, target="ratio <= 2"),
        row(
            "search_p95",
            percentile(ours, 0.95) * ms,
            "ms",
            percentile(plain, 0.95) * ms,
            target="ratio <= 2, value < 25 ms",
        ),
        row(
            f"search_common_word_p95 ({share:.0%} of documents)",
            percentile(bounded, 0.95) * ms,
            "ms",
            percentile(unbounded, 0.95) * ms,
            target="report (baseline: every match ranked)",
        ),
        row(
            "search_indexing",
            count / our_index_s,
            "documents/s",
            count / plain_index_s,
            target="report",
            lower_is_better=False,
        ),
    ]


if __name__ == "__main__":
    for result in run():
        print(result)

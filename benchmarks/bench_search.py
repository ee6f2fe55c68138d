"""Search latency over 10,000 documents: Library.search against the same raw FTS5 query.

The corpus follows Zipf's law like real prose: a few words (``delegation``, ``negotiation``…)
occur in nearly every document, most words in a handful. The queries mix very common words,
prefixes, two-word queries and rare words. The baseline runs the identical SQL the store runs
(match, bm25 ranking, snippets for one page of 50) directly on the same connection, so the
ratio shows what the library adds: query escaping, row mapping and snippet parsing.
"""

from __future__ import annotations

import itertools
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import BENCH_PASSPHRASE, WORDS, median, percentile, row, scaled
from delegate_app.core.crypto.keywrap import FAST_KDF
from delegate_app.core.documents.library import Library
from delegate_app.core.documents.models import BodyFormat, DocumentKind, ParsedDocument
from delegate_app.core.documents.search_query import fts_query
from delegate_app.core.documents.store import SEARCH_SQL, DocumentStore
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


def build_vault(root: Path, count: int, seed: int = 11) -> tuple[ProfilePaths, list[str]]:
    rng = random.Random(seed)
    words = vocabulary(rng)
    cumulative = list(itertools.accumulate(1.0 / rank for rank in range(1, len(words) + 1)))
    paths = resolve_profile(root)
    policy = Policy.from_raw(None)
    vault = init_profile(paths, ProfileInfo("Bench", "Bench Mission", None), BENCH_PASSPHRASE,
                         policy, kdf=FAST_KDF)  # fmt: skip
    store = DocumentStore(vault.db)
    kinds = list(DocumentKind)
    with vault.db.transaction():
        for n in range(count):
            text = rng.choices(words, cum_weights=cumulative, k=BODY_WORDS + 6)
            title, body = " ".join(text[:6]).capitalize(), " ".join(text[6:])
            store.insert(
                ParsedDocument(title=title, body_format=BodyFormat.MARKDOWN, body=body,
                               search_text=body),
                kind=kinds[n % 3], classification="UNCLASSIFIED", event=f"Event {n % 20}",
                language="en", author=None, tags=(rng.choice(words[:200]),), source_name=None,
            )  # fmt: skip
    Library(vault.db, policy).count()
    vault.lock()
    return paths, words


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


def run() -> list[dict[str, Any]]:
    documents = scaled(10_000, 200)
    rounds = scaled(10, 3)
    ours: list[float] = []
    raw: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        paths, words = build_vault(Path(tmp) / "vault", documents)
        vault = Vault.open(paths)
        vault.unlock(BENCH_PASSPHRASE)
        try:
            library = Library(vault.db, Policy.from_raw(None))
            workload = queries(words)

            def time_ours(query: str) -> None:
                started = time.perf_counter()
                library.search(query, limit=50)
                ours.append(time.perf_counter() - started)

            def time_raw(query: str) -> None:
                match = fts_query(query)
                started = time.perf_counter()
                vault.db.execute(SEARCH_SQL, {"query": match, "limit": 50}).fetchall()
                raw.append(time.perf_counter() - started)

            for query in workload:  # warm the page cache for both paths alike
                library.search(query)
            for n in range(rounds):
                for query in workload:  # alternate which goes first
                    first, second = (time_ours, time_raw) if n % 2 == 0 else (time_raw, time_ours)
                    first(query)
                    second(query)
        finally:
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

"""Helpers shared by the benchmarks: scale, timing, a generated 10,000-document vault."""

from __future__ import annotations

import os
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from delegate_app.core.crypto.keywrap import FAST_KDF
from delegate_app.core.documents.library import Library
from delegate_app.core.documents.models import BodyFormat, DocumentKind, ParsedDocument
from delegate_app.core.documents.store import DocumentStore
from delegate_app.core.paths import ProfilePaths, resolve_profile
from delegate_app.core.policy import Policy
from delegate_app.core.profile import ProfileInfo, init_profile
from delegate_app.core.vault import Vault

BENCH_PASSPHRASE = "benchmark passphrase"
WORDS = tuple(
    (
        "delegation plenary negotiation position paper data flows sovereignty treaty cyber norms "
        "artificial intelligence governance fisheries sanctions capacity building declaration "
        "amendment bureau consensus resolution secretariat mandate observer chair report panel "
        "infrastructure privacy trust development cooperation summit agenda bilateral coalition"
    ).split()
)


def scale() -> float:
    return float(os.environ.get("DELEGATE_BENCH_SCALE", "1.0"))


def scaled(n: int, minimum: int = 1) -> int:
    return max(minimum, int(n * scale()))


def row(
    name: str,
    value: float,
    unit: str,
    baseline: float,
    *,
    target: str = "",
    lower_is_better: bool = True,
) -> dict[str, Any]:
    """A result row; ratio = value / baseline (both in the same unit)."""
    ratio = value / baseline if baseline else float("inf")
    return {
        "name": name,
        "value": round(value, 6),
        "unit": unit,
        "baseline": round(baseline, 6),
        "ratio": round(ratio, 4),
        "target": target,
        "lower_is_better": lower_is_better,
    }


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def timed(func: Callable[[], object]) -> float:
    started = time.perf_counter()
    func()
    return time.perf_counter() - started


def make_document_vault(root: Path, count: int, seed: int = 7) -> ProfilePaths:
    """A vault with ``count`` generated documents (fast KDF: this is a benchmark fixture)."""
    paths = resolve_profile(root)
    if Vault.exists(paths):
        return paths
    policy = Policy.from_raw(None)
    vault = init_profile(paths, ProfileInfo("Bench", "Bench Mission", None), BENCH_PASSPHRASE,
                         policy, kdf=FAST_KDF)  # fmt: skip
    rng = random.Random(seed)
    store = DocumentStore(vault.db)
    kinds = list(DocumentKind)
    with vault.db.transaction():
        for n in range(count):
            title = " ".join(rng.choices(WORDS, k=5)).capitalize() + f" {n}"
            body = "\n\n".join(" ".join(rng.choices(WORDS, k=60)) for _ in range(4))
            store.insert(
                ParsedDocument(title=title, body_format=BodyFormat.MARKDOWN, body=body,
                               search_text=body),
                kind=kinds[n % 3], classification="UNCLASSIFIED", event=f"Event {n % 20}",
                language="en", author=None, tags=(rng.choice(WORDS),), source_name=None,
            )  # fmt: skip
    Library(vault.db, policy).count()
    vault.lock()
    return paths

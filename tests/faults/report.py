"""Counters behind the "proof under fire" report printed at the end of a pytest run.

Fault-injection scenarios record rounds, kills and message counts with :func:`scenario`
and :meth:`ScenarioStats.reconcile`; property tests call :func:`tried` once per input inside
their bodies, so the report shows how many inputs each parser really saw (shrinking and
replays of the example database included). ``tests/faults/conftest.py`` prints both.
"""

from __future__ import annotations

import os
import secrets
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

ROUNDS_ENV = "DELEGATE_FAULT_ROUNDS"
SEED_ENV = "DELEGATE_FAULT_SEED"


@dataclass
class ScenarioStats:
    """What one fault scenario did, summed over the tests that ran it."""

    rounds: int = 0
    kills: int = 0
    sent: int = 0
    received: int = 0
    lost: int = 0
    duplicated: int = 0
    seeds: list[int] = field(default_factory=list)
    extra: Counter[str] = field(default_factory=Counter)

    def reconcile(self, sent: Collection[str], received: Sequence[str]) -> tuple[int, int]:
        """Count what arrived against what was sent; returns (lost, duplicated)."""
        unique = set(received)
        lost = len(set(sent) - unique)
        duplicated = len(received) - len(unique)
        self.sent += len(sent)
        self.received += len(received)
        self.lost += lost
        self.duplicated += duplicated
        return lost, duplicated


SCENARIOS: dict[str, ScenarioStats] = {}
FUZZ: Counter[str] = Counter()


def scenario(name: str) -> ScenarioStats:
    return SCENARIOS.setdefault(name, ScenarioStats())


def tried(parser: str, count: int = 1) -> None:
    """Record that a property body fed ``count`` inputs to ``parser``."""
    FUZZ[parser] += count


def fault_rounds(default: int) -> int:
    """``DELEGATE_FAULT_ROUNDS`` when set (make test-faults-long), else the CI-sized default."""
    value = os.environ.get(ROUNDS_ENV)
    return max(1, int(value)) if value else default


def fault_seed() -> int:
    """``DELEGATE_FAULT_SEED`` when set, else a fresh one; it is printed in the report."""
    value = os.environ.get(SEED_ENV)
    return int(value) if value else secrets.randbelow(2**32)


def render() -> list[str]:
    lines: list[str] = []
    if SCENARIOS:
        header = f"{'scenario':<34}{'rounds':>7}{'kills':>7}{'sent':>7}{'recv':>7}"
        lines += [header + f"{'lost':>6}{'dup':>5}  seed / faults", "-" * (len(header) + 30)]
        for name, s in sorted(SCENARIOS.items()):
            faults = ", ".join(f"{k} {v}" for k, v in sorted(s.extra.items()))
            seeds = ",".join(str(x) for x in s.seeds)
            lines.append(
                f"{name:<34}{s.rounds:>7}{s.kills:>7}{s.sent:>7}{s.received:>7}"
                f"{s.lost:>6}{s.duplicated:>5}  {seeds}{'; ' if faults else ''}{faults}"
            )
        lines.append(f"(seeds replay a run: {SEED_ENV}=N; {ROUNDS_ENV}=N for more rounds)")
    if FUZZ:
        if lines:
            lines.append("")
        lines.append(f"{'parser fuzzed':<48}{'inputs tried':>14}")
        lines.append("-" * 62)
        for parser, count in sorted(FUZZ.items()):
            lines.append(f"{parser:<48}{count:>14}")
        lines.append(f"{'total':<48}{sum(FUZZ.values()):>14}")
    return lines

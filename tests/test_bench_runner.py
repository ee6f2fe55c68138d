"""The benchmark runner's reading of targets: which rows meet theirs."""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks.run import target_met


def result(value: float, ratio: float, target: str) -> dict[str, Any]:
    return {"name": "x", "value": value, "unit": "u", "baseline": 1.0, "ratio": ratio,
            "target": target}  # fmt: skip


@pytest.mark.parametrize(
    ("value", "ratio", "target", "expected"),
    [
        (0.3, 3.4, "ratio <= 1.5", "no"),
        (0.3, 1.2, "ratio <= 1.5", "yes"),
        (900.0, 0.8, "ratio >= 0.4", "yes"),
        (9.0, 0.3, "ratio <= 0.5, value < 100 ms", "yes"),
        (120.0, 0.3, "ratio <= 0.5, value < 100 ms", "no"),
        (3.1, 1.6, "< 15 s for 10000 messages", "yes"),
        (16.0, 1.6, "< 15 s for 10000 messages", "no"),
        (1595.0, 0.56, ">= 1,000 messages/s", "yes"),
        (363.0, 0.87, ">= 1,000 messages/s", "no"),
        (21.8, 0.05, ">= 0.5 of the raw loopback copy", "no"),
        (300.0, 0.7, ">= 0.5 of the raw loopback copy", "yes"),
        (105.9, 2.0, "report", ""),
        (1.0, 1.0, "", ""),
    ],
)
def test_targets_are_read_as_written(
    value: float, ratio: float, target: str, expected: str
) -> None:
    assert target_met(result(value, ratio, target)) == expected

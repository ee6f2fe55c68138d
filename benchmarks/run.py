"""Run every benchmark module and write ``results.json`` and ``RESULTS.md``.

Each ``benchmarks/bench_<name>.py`` exposes ``run() -> list[dict]`` returning rows
``{"name", "value", "unit", "baseline", "ratio"}`` (optionally ``"target"``: a
human-readable goal such as "<= 1.5"), the baseline measured in the same run.
``DELEGATE_BENCH_SCALE`` (default 1.0) shrinks or grows every workload;
``python -m benchmarks.run NAME…`` runs only the named modules.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import re
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def machine_description() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": mem_gib,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "scale": float(os.environ.get("DELEGATE_BENCH_SCALE", "1.0")),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def discover(selected: list[str]) -> list[str]:
    names = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if selected:
        wanted = {n if n.startswith("bench_") else f"bench_{n}" for n in selected}
        names = [n for n in names if n in wanted]
    return names


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.1f}"
    return str(value)


_CLAUSE = re.compile(r"^(ratio|value)?\s*(<=|>=|<|>)\s*([\d,]+(?:\.\d+)?)\s*(of\b)?")


def target_met(row: dict[str, Any]) -> str:
    """ "yes" or "no" for a target made of clauses like ``ratio <= 1.5``, ``value < 100 ms``,
    ``< 15 s for …`` (the value) or ``>= 0.5 of the raw copy`` (the ratio); "" when the target
    is only reported or not understood."""
    verdicts = []
    for clause in str(row.get("target", "")).split(", "):
        match = _CLAUSE.match(clause.strip())
        if match is None:
            return ""
        subject, op, number, of = match.groups()
        measured = row["ratio"] if subject == "ratio" or of else row["value"]
        limit = float(number.replace(",", ""))
        verdicts.append(
            {"<=": measured <= limit, ">=": measured >= limit, "<": measured < limit,
             ">": measured > limit}[op]
        )  # fmt: skip
    return ("yes" if all(verdicts) else "no") if verdicts else ""


def write_markdown(rows: list[dict[str, Any]], machine: dict[str, Any], path: Path) -> None:
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB, "
        f"Python {machine['python']}, {machine['platform']}; scale {machine['scale']}; "
        f"run {machine['date']}.",
        "",
        "Every ratio compares Delegate with a baseline measured in the same run "
        "(see each benchmark's docstring for what the baseline is).",
        "",
        "| name | value | unit | baseline | ratio | target | met |",
        "|---|---:|---|---:|---:|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['name']} | {_fmt(row['value'])} | {row['unit']} | {_fmt(row['baseline'])} "
            f"| {_fmt(row['ratio'])} | {row.get('target', '')} | {target_met(row)} |"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    selected = list(sys.argv[1:] if argv is None else argv)
    machine = machine_description()
    rows: list[dict[str, Any]] = []
    failures: list[str] = []
    for name in discover(selected):
        started = time.perf_counter()
        print(f"== {name}", flush=True)
        try:
            module = importlib.import_module(f"benchmarks.{name}")
            produced = module.run()
        except Exception:  # noqa: BLE001 - report every benchmark, then fail at the end
            traceback.print_exc()
            failures.append(name)
            continue
        for row in produced:
            missing = {"name", "value", "unit", "baseline", "ratio"} - set(row)
            if missing:
                raise ValueError(f"{name} produced a row without {sorted(missing)}: {row}")
            value, ratio = _fmt(row["value"]), _fmt(row["ratio"])
            print(f"   {row['name']}: {value} {row['unit']} (ratio {ratio})")
            rows.append({**row, "met": target_met(row)})
        print(f"   ({time.perf_counter() - started:.1f} s)", flush=True)
    (HERE / "results.json").write_text(
        json.dumps({"machine": machine, "rows": rows}, indent=2) + "\n", encoding="utf-8"
    )
    write_markdown(rows, machine, HERE / "RESULTS.md")
    if failures:
        print(f"benchmarks failed: {', '.join(failures)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

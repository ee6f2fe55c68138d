"""Whether pip-audit's vulnerability service answers, so `make test` audits or says it skipped.

    python packaging/audit_probe.py requirements/app.txt

pip-audit's default service is PyPI's JSON API, one request per locked release
(``/pypi/<name>/<version>/json``, whose ``vulnerabilities`` list is the advisory data). A mirror
that serves the package index but not that API, no network, or a blocked host all make pip-audit
unable to audit: the probe asks for the lock's first release the same way and exits 0 only on a
JSON answer that carries ``vulnerabilities``; otherwise it prints why on stderr and exits 3
(``UNREACHABLE``). Any other status is the probe's own failure, which `make test` reports.
It says nothing about vulnerabilities itself: `make audit` (pip-audit --strict) does that.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import requests

PYPI = "https://pypi.org"
UNREACHABLE = 3
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.MULTILINE)


def first_pin(lock: Path) -> tuple[str, str]:
    match = PIN.search(lock.read_text(encoding="utf-8"))
    if match is None:
        raise ValueError(f"{lock}: no pinned requirement")
    return match[1], match[2]


def unreachable_reason(lock: Path, base: str = PYPI, timeout: float = 10.0) -> str | None:
    """None when the service answers the way pip-audit needs, else what went wrong."""
    name, pinned = first_pin(lock)
    url = f"{base}/pypi/{name}/{pinned}/json"
    try:
        response = requests.get(url, timeout=timeout)
    except requests.RequestException as exc:
        return f"{url}: {type(exc).__name__}"
    if response.status_code != 200:
        return f"{url}: HTTP {response.status_code}"
    try:
        body = response.json()
    except ValueError:
        return f"{url}: not JSON"
    if not isinstance(body, dict) or not isinstance(body.get("vulnerabilities"), list):
        return f"{url}: no vulnerability data in the answer"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Does pip-audit's service answer?")
    parser.add_argument("lock", type=Path)
    parser.add_argument("--base", default=PYPI, help=argparse.SUPPRESS)  # tests: a stand-in
    args = parser.parse_args(argv)
    reason = unreachable_reason(args.lock, args.base)
    if reason is not None:
        print(reason, file=sys.stderr)
        return UNREACHABLE
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Structured JSON-lines logs with nothing worth stealing: no content, keys, senders or addresses.

Mailbox and blob ids are reduced to a short salted hash that changes every run,
enough to follow one request sequence in an incident, useless for tracking.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import time
from typing import Any

_SALT = os.urandom(16)
log = logging.getLogger("delegate.relay")


def tag(identifier: str) -> str:
    return hashlib.blake2b(identifier.encode(), key=_SALT, digest_size=4).hexdigest()


def event(name: str, **fields: Any) -> None:
    log.info(json.dumps({"ts": round(time.time(), 3), "event": name, **fields}, sort_keys=True))


def configure(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.handlers[:] = [handler]
    log.setLevel(level)
    log.propagate = False

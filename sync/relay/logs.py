"""Structured JSON-lines logs with nothing worth stealing: no content, keys, senders or addresses.

Mailbox and blob ids are reduced to a short salted hash that changes every run,
enough to follow one request sequence in an incident, useless for tracking.
Records from other libraries (uvicorn) go through the same formatter; exception
messages are dropped (they could quote data), only the type and code locations stay.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import traceback
from typing import Any

_SALT = os.urandom(16)
log = logging.getLogger("delegate.relay")


def tag(identifier: str) -> str:
    return hashlib.blake2b(identifier.encode(), key=_SALT, digest_size=4).hexdigest()


def event(name: str, level: int = logging.INFO, **fields: Any) -> None:
    log.log(level, "%s", name, extra={"relay_fields": fields})


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {"ts": round(record.created, 3), "level": record.levelname.lower()}
        if record.name == log.name:  # our own events: the message is the event name
            entry["event"] = record.getMessage()
            entry.update(getattr(record, "relay_fields", {}))
        else:  # a library's record: keep its logger and template, not its arguments
            entry["event"] = "server"
            entry["logger"] = record.name
            entry["message"] = str(record.msg)[:200]
        if record.exc_info and record.exc_info[0] is not None:
            entry["exception"] = record.exc_info[0].__name__
            entry["where"] = [
                f"{os.path.basename(frame.filename)}:{frame.lineno}:{frame.name}"
                for frame in traceback.extract_tb(record.exc_info[2])[-5:]
            ]
        return json.dumps(entry, sort_keys=True)


def configure(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines())
    for name in ("delegate.relay", "uvicorn", "uvicorn.error", "uvicorn.access", "fastapi"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler] if name in ("delegate.relay", "uvicorn") else []
        logger.propagate = name not in ("delegate.relay", "uvicorn")
    log.setLevel(level)
    logging.getLogger("uvicorn").setLevel(logging.WARNING)
    logging.getLogger("uvicorn.access").disabled = True

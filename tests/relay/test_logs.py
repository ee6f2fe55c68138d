"""The relay's log formatter keeps exception messages and library arguments out of the logs."""

from __future__ import annotations

import json
import logging

from sync.relay.logs import JsonLines, log


def _format(record: logging.LogRecord) -> dict[str, object]:
    parsed = json.loads(JsonLines().format(record))
    assert isinstance(parsed, dict)
    return parsed


def test_exception_keeps_type_and_location_not_message() -> None:
    try:
        raise ValueError("SECRET envelope bytes")
    except ValueError as exc:
        record = log.makeRecord(
            log.name,
            logging.ERROR,
            __file__,
            1,
            "internal_error",
            (),
            (type(exc), exc, exc.__traceback__),
        )
    entry = _format(record)
    assert entry["event"] == "internal_error" and entry["exception"] == "ValueError"
    assert "SECRET" not in json.dumps(entry)


def test_library_record_keeps_template_not_arguments() -> None:
    record = logging.getLogger("uvicorn.error").makeRecord(
        "uvicorn.error",
        logging.WARNING,
        __file__,
        1,
        "Invalid request from %s",
        ("10.1.2.3",),
        None,
    )
    entry = _format(record)
    assert entry["event"] == "server" and entry["message"] == "Invalid request from %s"
    assert "10.1.2.3" not in json.dumps(entry)

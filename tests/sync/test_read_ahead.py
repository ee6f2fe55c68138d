"""The download's read-ahead keeps order, hands over the source's error in its place, and stops
its thread (closing the source) when the reader stops early."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from sync.client.errors import RelayUnreachableError
from sync.client.read_ahead import read_ahead


def test_pieces_arrive_in_order_and_a_failure_after_them() -> None:
    def source() -> Iterator[bytes]:
        for n in range(50):
            yield bytes([n]) * 10
        raise RelayUnreachableError("cut")

    seen = []
    with pytest.raises(RelayUnreachableError):
        for piece in read_ahead(source(), depth=3):
            seen.append(piece)
    assert seen == [bytes([n]) * 10 for n in range(50)]


def test_stopping_early_closes_the_source_and_ends_the_thread() -> None:
    closed = threading.Event()

    def source() -> Iterator[bytes]:
        try:
            while True:
                yield b"x"
        finally:
            closed.set()

    reader = read_ahead(source(), depth=2)
    assert next(reader) == b"x"
    reader.close()  # the caller stops (a refusal or a pause)
    assert closed.is_set()
    # Other tests' threads may end meanwhile: count only the read-ahead's own.
    assert not [t for t in threading.enumerate() if t.name == "blob-read-ahead"]

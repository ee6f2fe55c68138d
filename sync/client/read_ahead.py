"""Read a stream of pieces one step ahead in a thread, so the network and the vault overlap.

A download is fetch, then open, then write, piece after piece; each waits on a different
resource (the socket, libsodium, SQLCipher), and all three release the GIL while they work. The
thread only reads the network (it never touches the vault); the pieces it has read and the
caller has not taken yet are bounded by ``depth``.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterator
from typing import cast

_END = object()


def read_ahead(pieces: Iterator[bytes], *, depth: int = 8) -> Generator[bytes, None, None]:
    """Yield ``pieces`` in order while a thread fetches up to ``depth`` of them ahead.

    An exception raised by ``pieces`` is raised here, in order; when the caller stops early the
    thread stops after the piece it is reading (and closes ``pieces`` there).
    """
    ready: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(item: object) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        last: object = _END
        try:
            for piece in pieces:
                if not offer(piece):
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            last = exc
        finally:
            close = getattr(pieces, "close", None)
            if close is not None:
                close()
        offer(last)

    thread = threading.Thread(target=run, name="blob-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item = ready.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield cast(bytes, item)
    finally:
        stop.set()
        thread.join()

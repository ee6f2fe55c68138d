"""Wake-ups for long-poll fetches: "an envelope was committed for this mailbox".

A :class:`Notifier` has two sides. The deposit route calls :meth:`Notifier.notify` once
a deposit has committed; a waiting fetch opens a :meth:`Notifier.watch` *before* it reads
the mailbox and then awaits :meth:`Watch.wait`, so a deposit that commits between that read
and the wait is never missed (the watch remembers it). Wake-ups carry nothing but the
mailbox: the fetch reads storage again, so a spurious wake-up costs one read and changes
nothing.

:class:`LocalNotifier` serves one relay process on asyncio. A notifier for several
processes on one database (PostgreSQL ``LISTEN``/``NOTIFY``, ADR 0023) implements the same
two methods: ``watch`` listens on the mailbox's channel, ``notify`` is the ``NOTIFY`` sent
after the commit, and every process delivers it to its own local watches.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from typing import Protocol


class Watch(Protocol):
    async def wait(self, timeout: float) -> bool:
        """Until a deposit for the mailbox committed since the watch opened (True; the mark is
        then cleared) or ``timeout`` seconds passed or the notifier closed (False)."""
        ...


class Notifier(Protocol):
    def watch(self, mailbox: str) -> contextlib.AbstractContextManager[Watch]:
        """Watch ``mailbox`` for the lifetime of the ``with`` block (event loop thread)."""
        ...

    def notify(self, mailbox: str) -> None:
        """A deposit for ``mailbox`` has committed: wake its watches (any thread)."""
        ...

    def close(self) -> None:
        """The server is stopping: end every wait now and every later one at once."""
        ...

    @property
    def closed(self) -> bool: ...


class _LocalWatch:
    def __init__(self, owner: LocalNotifier) -> None:
        self._owner = owner
        self.event = asyncio.Event()

    async def wait(self, timeout: float) -> bool:
        if self._owner.closed or timeout <= 0:
            return False
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self.event.wait()
        woken = self.event.is_set() and not self._owner.closed
        self.event.clear()
        return woken


class LocalNotifier:
    """In-process wake-ups: one ``asyncio.Event`` per open watch, kept only while it is open.

    Memory is bounded by the watches (and so by the relay's bound on waiting fetches),
    never by the number of mailboxes: a mailbox's entry goes with its last watch.
    """

    def __init__(self) -> None:
        self._watches: dict[str, set[_LocalWatch]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def mailboxes(self) -> int:
        """How many mailboxes have a watch open (for tests and metrics)."""
        return len(self._watches)

    @contextlib.contextmanager
    def watch(self, mailbox: str) -> Iterator[_LocalWatch]:
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        entry = _LocalWatch(self)
        self._watches.setdefault(mailbox, set()).add(entry)
        try:
            yield entry
        finally:
            watches = self._watches.get(mailbox)
            if watches is not None:
                watches.discard(entry)
                if not watches:
                    del self._watches[mailbox]

    def notify(self, mailbox: str) -> None:
        loop = self._loop
        if loop is None or mailbox not in self._watches:
            return  # nobody ever waited, or nobody waits on this mailbox now
        if threading.get_ident() == self._loop_thread:
            self._wake(mailbox)
        elif not loop.is_closed():
            loop.call_soon_threadsafe(self._wake, mailbox)

    def wake_all(self) -> None:
        """Wake every watch (any thread): each waiting fetch reads again, then waits again."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        if threading.get_ident() == self._loop_thread:
            self._wake_all()
        else:
            loop.call_soon_threadsafe(self._wake_all)

    def _wake_all(self) -> None:
        for mailbox in list(self._watches):
            self._wake(mailbox)

    def _wake(self, mailbox: str) -> None:
        for entry in self._watches.get(mailbox, ()):
            entry.event.set()

    def close(self) -> None:
        self._closed = True
        for watches in self._watches.values():
            for entry in watches:
                entry.event.set()

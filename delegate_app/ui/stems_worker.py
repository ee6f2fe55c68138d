"""Indexing the word stems of documents that have none yet (after an upgrade), on a worker
thread over its own vault connection, in batches that each commit, so a lock, a quit or a crash
loses at most one batch and the next unlock goes on from there."""

from __future__ import annotations

from delegate_app.ui.session import Session
from delegate_app.ui.workers import Task, TaskControl

BATCH = 200


class StemsWorker(Task):
    def __init__(self, session: Session) -> None:
        self.session = session
        super().__init__(self._index)

    def _index(self, control: TaskControl) -> int:
        """How many were indexed; stops between batches when cancelled (the rest is indexed
        after the next unlock)."""
        library, connection = self.session.open_worker_library()
        done = 0
        try:
            total = max(1, library.stems_pending())
            control.progress(0, total)
            while not control.cancelled and (indexed := library.index_stems(BATCH)):
                done += indexed
                control.progress(min(done, total), total)
        finally:
            connection.close()
        return done

"""Importing files on a worker thread, over the worker's own vault connection."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from delegate_app.core.documents import DocumentError
from delegate_app.core.documents.models import DocumentSummary, ImportOptions
from delegate_app.ui.session import Session
from delegate_app.ui.workers import Task, TaskCancelledError, TaskControl


@dataclass(frozen=True)
class ImportResult:
    imported: tuple[DocumentSummary, ...]
    errors: tuple[str, ...]  # one translated message per refused file
    cancelled: bool = False


class ImportWorker(Task):
    """Imports ``paths`` one by one; progress counts bytes over all files; stops when cancelled.

    A refused file (too large, unreadable, unsupported) does not stop the others: its message
    is collected in :attr:`ImportResult.errors`.
    """

    def __init__(self, session: Session, paths: list[Path], options: ImportOptions) -> None:
        self.paths = list(paths)
        self.options = options
        self.session = session
        super().__init__(self._import)

    def _import(self, control: TaskControl) -> ImportResult:
        sizes = [_size(path) for path in self.paths]
        total = max(1, sum(sizes))
        imported: list[DocumentSummary] = []
        errors: list[str] = []
        library, connection = self.session.open_worker_library()
        try:
            done = 0
            for path, size in zip(self.paths, sizes, strict=True):
                control.check_cancelled()

                def progress(read: int, _size: int, base: int = done) -> None:
                    control.check_cancelled()
                    control.progress(min(total, base + read), total)

                try:
                    imported.append(library.import_file(path, self.options, progress))
                except DocumentError as exc:
                    errors.append(str(exc))
                done += size
                control.progress(min(total, done), total)
        except TaskCancelledError:
            return ImportResult(tuple(imported), tuple(errors), cancelled=True)
        finally:
            connection.close()
        return ImportResult(tuple(imported), tuple(errors))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # the import itself reports the unreadable file

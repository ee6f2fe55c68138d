"""Importing files on a worker thread with its own vault connection."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from delegate_app.core.documents import DocumentError
from delegate_app.core.documents.models import DocumentSummary, ImportOptions
from delegate_app.ui.session import Session
from delegate_app.ui.workers import Task


class ImportTask(Task):
    """Result: (imported summaries, error messages). Progress counts bytes over all files."""

    def __init__(self, session: Session, paths: list[Path], options: ImportOptions) -> None:
        self.paths = paths
        self.options = options
        self.session = session
        super().__init__(self._import)

    def _import(
        self, report: Callable[[int, int], None]
    ) -> tuple[list[DocumentSummary], list[str]]:
        library, connection = self.session.open_worker_library()
        sizes = []
        for path in self.paths:
            try:
                sizes.append(path.stat().st_size)
            except OSError:
                sizes.append(0)
        total = max(1, sum(sizes))
        imported: list[DocumentSummary] = []
        errors: list[str] = []
        done = 0
        try:
            for path, size in zip(self.paths, sizes, strict=True):
                base = done

                def progress(read: int, _total: int, base: int = base) -> None:
                    report(min(total, base + read), total)

                try:
                    imported.append(library.import_file(path, self.options, progress))
                except DocumentError as exc:
                    errors.append(str(exc))
                done += size
                report(min(total, done), total)
        finally:
            connection.close()
        return imported, errors

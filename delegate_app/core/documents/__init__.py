"""Briefings, position papers and notes: import, storage, rendering, search and export."""

from delegate_app.core.documents.errors import (
    DocumentError,
    DocumentNotFoundError,
    ExportFailedError,
    ExportForbiddenError,
    ExportTargetExistsError,
    ImportRefusedError,
)

__all__ = [
    "DocumentError",
    "DocumentNotFoundError",
    "ExportFailedError",
    "ExportForbiddenError",
    "ExportTargetExistsError",
    "ImportRefusedError",
]

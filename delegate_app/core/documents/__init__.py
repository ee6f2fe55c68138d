"""Briefings, position papers and notes: import, storage, rendering, search and export."""

from delegate_app.core.documents.errors import (
    ClassificationRequiredError,
    DocumentError,
    DocumentNotFoundError,
    ExportFailedError,
    ExportForbiddenError,
    ExportTargetExistsError,
    ImportRefusedError,
    InvalidDetailsError,
)

__all__ = [
    "ClassificationRequiredError",
    "DocumentError",
    "DocumentNotFoundError",
    "ExportFailedError",
    "ExportForbiddenError",
    "ExportTargetExistsError",
    "ImportRefusedError",
    "InvalidDetailsError",
]

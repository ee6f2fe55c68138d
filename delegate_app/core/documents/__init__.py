"""Briefings, position papers and notes: import, storage, rendering and search."""

from delegate_app.core.documents.errors import (
    DocumentError,
    DocumentNotFoundError,
    ImportRefusedError,
)

__all__ = ["DocumentError", "DocumentNotFoundError", "ImportRefusedError"]

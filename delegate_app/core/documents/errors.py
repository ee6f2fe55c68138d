"""Errors about documents, each with a message fit for the user."""

from delegate_app.core.errors import DelegateError


class DocumentError(DelegateError):
    """Base class for document problems."""


class ImportRefusedError(DocumentError):
    """A file was not imported (empty, too large, unsupported or corrupt); nothing was stored."""


class DocumentNotFoundError(DocumentError):
    """No document with that id."""

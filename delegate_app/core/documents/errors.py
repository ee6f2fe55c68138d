"""Errors about documents, each with a message fit for the user."""

from delegate_app.core.errors import DelegateError


class DocumentError(DelegateError):
    """Base class for document problems."""


class ImportRefusedError(DocumentError):
    """A file was not imported (empty, too large, unsupported or corrupt); nothing was stored."""


class DocumentNotFoundError(DocumentError):
    """No document with that id."""


class ExportForbiddenError(DocumentError):
    """The organisation's policy (``export_allowed``) forbids export; nothing was written."""


class ExportTargetExistsError(DocumentError):
    """The chosen file exists and replacing it was not asked for; it was left as it was."""


class ExportFailedError(DocumentError):
    """The file could not be written (no permission, disk full…); no partial file was left."""


class ClassificationRequiredError(DocumentError):
    """The policy (``require_classification``) asks for an explicit marking and none was named."""


class InvalidDetailsError(DocumentError):
    """A document's details were refused (an empty title, an unknown marking…); nothing changed."""

"""Writing a document out of the vault to a file the user chose, and naming that file.

A PDF document is written as the PDF that was imported (its bytes are kept in the vault);
every other document as its body in its own format, UTF-8: Markdown, sanitised HTML or plain
text. The file is written atomically (a temporary file beside it, fsynced, then moved into
place) and owner-only (0600). Whether export is allowed at all is the library's question
(:meth:`Library.export_allowed`); this module only writes and names.
"""

from __future__ import annotations

import errno
import os
import re
import unicodedata
from pathlib import Path

from delegate_app.core.documents.errors import ExportFailedError, ExportTargetExistsError
from delegate_app.core.documents.models import BodyFormat
from delegate_app.core.vault.keyfile import write_private_file
from delegate_app.i18n import _

EXTENSIONS = {
    BodyFormat.MARKDOWN: ".md",
    BodyFormat.HTML: ".html",
    BodyFormat.TEXT: ".txt",
    BodyFormat.PDF: ".pdf",
}
FALLBACK_STEM = "document"
# Bytes, not characters: most file systems limit a name to 255 bytes, and an Arabic or
# Chinese character takes two or three of them in UTF-8.
MAX_STEM_BYTES = 120
_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(1, 10)),
     *(f"LPT{n}" for n in range(1, 10))}
)  # fmt: skip
_SEPARATORS = re.compile(r"-{2,}")


def _keep(char: str) -> bool:
    """Letters, digits and combining marks of any script (an Arabic vowel mark stays with its
    letter), and ``_``; everything else (``/``, ``:``, dots, quotes, controls, bidi marks) is
    a separator."""
    return unicodedata.category(char)[0] in "LNM" or char == "_"


def suggested_file_name(title: str, file_format: BodyFormat) -> str:
    """A file name made from ``title``: words of letters and digits joined by ``-``, cut to a
    length every file system takes, with the extension of ``file_format``; "document" when the
    title has no letters or digits. Never a hidden file, a path or a reserved Windows name."""
    text = unicodedata.normalize("NFC", title)
    stem = "".join(char if _keep(char) else "-" for char in text)
    stem = _SEPARATORS.sub("-", stem).strip("-_")
    encoded = stem.encode("utf-8")
    if len(encoded) > MAX_STEM_BYTES:
        stem = encoded[:MAX_STEM_BYTES].decode("utf-8", errors="ignore").rstrip("-_")
    if not stem:
        stem = FALLBACK_STEM
    if stem.upper() in _WINDOWS_RESERVED:
        stem = f"{stem}-{FALLBACK_STEM}"
    return stem + EXTENSIONS[file_format]


def write_export(path: Path, data: bytes, *, overwrite: bool) -> None:
    """Write ``data`` to ``path`` atomically, mode 0600; an existing file is replaced only
    with ``overwrite``. Raises :class:`ExportTargetExistsError` or :class:`ExportFailedError`
    and leaves no partial file behind."""
    if not overwrite and os.path.lexists(path):
        raise ExportTargetExistsError(_exists_message(path))
    try:
        write_private_file(path, data, overwrite=overwrite)
    except FileExistsError:
        raise ExportTargetExistsError(_exists_message(path)) from None
    except OSError as exc:
        reason = exc.strerror or os.strerror(exc.errno or errno.EIO)
        raise ExportFailedError(
            _("{name} cannot be written: {reason}.").format(name=path, reason=reason)
        ) from None


def _exists_message(path: Path) -> str:
    return _("{name} already exists; nothing was written.").format(name=path)

"""Reading files into :class:`ParsedDocument`: Markdown, HTML, plain text and PDF.

Everything happens in memory; nothing is written to disk. Each refusal raises
:class:`ImportRefusedError` with a message for the user, before anything is stored.
"""

from __future__ import annotations

import io
import logging
import re
import struct
import zlib
from pathlib import PurePath

from delegate_app.core.documents.errors import ImportRefusedError
from delegate_app.core.documents.models import BodyFormat, ParsedDocument
from delegate_app.core.documents.rendering import (
    html_text_and_title,
    markdown_title,
    sanitize_html,
)
from delegate_app.i18n import _

log = logging.getLogger(__name__)
SUPPORTED_SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html",
                      ".txt": "text", ".text": "text", ".pdf": "pdf"}  # fmt: skip
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def decode_text(data: bytes, filename: str) -> str:
    """UTF-8 (with or without BOM) or UTF-16 with a BOM; otherwise Windows-1252, the usual
    encoding of older office exports. Binary data (NUL bytes without a UTF-16 BOM) is refused."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                break
    if b"\x00" in data:
        raise ImportRefusedError(_("{name} is not a text file.").format(name=filename))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _title_from_name(filename: str) -> str:
    stem = PurePath(filename).stem
    return re.sub(r"[_-]+", " ", stem).strip() or filename


def parse_markdown(text: str, filename: str) -> ParsedDocument:
    return ParsedDocument(
        title=markdown_title(text) or _title_from_name(filename),
        body_format=BodyFormat.MARKDOWN,
        body=text,
        search_text=text,
    )


def parse_html(text: str, filename: str) -> ParsedDocument:
    clean = sanitize_html(text)
    plain, title = html_text_and_title(text)
    return ParsedDocument(
        title=title or _title_from_name(filename),
        body_format=BodyFormat.HTML,
        body=clean,
        search_text=plain,
    )


def parse_text(text: str, filename: str) -> ParsedDocument:
    first_line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    title = first_line if 0 < len(first_line) <= 120 else _title_from_name(filename)
    return ParsedDocument(title=title, body_format=BodyFormat.TEXT, body=text, search_text=text)


def parse_pdf(data: bytes, filename: str) -> ParsedDocument:
    # Imported here: pypdf takes a tenth of a second to import, and start-up needs none of it.
    from pypdf import PdfReader
    from pypdf.errors import DeprecationError, PdfReadError, PyPdfError

    corrupt = _("{name} is not a readable PDF file.").format(name=filename)
    if not data.lstrip()[:5] == b"%PDF-":
        raise ImportRefusedError(corrupt)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise ImportRefusedError(
                _("{name} is protected by a password; remove the protection first.").format(
                    name=filename
                )
            )
        pages = [page.extract_text() or "" for page in reader.pages]
        if not pages:
            raise ImportRefusedError(corrupt)
        metadata_title = None
        if reader.metadata is not None and reader.metadata.title:
            metadata_title = str(reader.metadata.title).strip() or None
    except ImportRefusedError:
        raise
    # pypdf lets much of a damaged file's damage surface as plain Python errors: an unknown
    # filter name is NotImplementedError, an abbreviated one pypdf's DeprecationError (not a
    # PyPdfError), broken streams zlib.error or struct.error, a bad cross-reference table
    # ArithmeticError or AssertionError (found by fuzzing).
    except (PdfReadError, PyPdfError, DeprecationError, ValueError, KeyError, TypeError,
            AttributeError, IndexError, RecursionError, OSError, NotImplementedError,
            AssertionError, ArithmeticError, struct.error, zlib.error):  # fmt: skip
        log.info("PDF import refused: parser error")
        raise ImportRefusedError(corrupt) from None
    text = "\n\n".join(page.strip() for page in pages).strip()
    return ParsedDocument(
        title=metadata_title or _title_from_name(filename),
        body_format=BodyFormat.PDF,
        body=text,
        search_text=text,
        pdf=data,
    )


def parse_file(filename: str, data: bytes, *, max_bytes: int) -> ParsedDocument:
    """Parse ``data`` by the file name's suffix, refusing empty, over-size and unsupported files."""
    suffix = PurePath(filename).suffix.lower()
    kind = SUPPORTED_SUFFIXES.get(suffix)
    if kind is None:
        raise ImportRefusedError(
            _("{name}: only Markdown, HTML, text and PDF files can be imported.").format(
                name=filename
            )
        )
    if not data.strip():
        raise ImportRefusedError(_("{name} is empty.").format(name=filename))
    if len(data) > max_bytes:
        raise ImportRefusedError(
            _("{name} is larger than the {limit} MB your organisation allows.").format(
                name=filename, limit=max_bytes // (1024 * 1024)
            )
        )
    if kind == "pdf":
        return parse_pdf(data, filename)
    text = decode_text(data, filename)
    if not text.strip():
        raise ImportRefusedError(_("{name} is empty.").format(name=filename))
    if kind == "markdown":
        return parse_markdown(text, filename)
    if kind == "html":
        return parse_html(text, filename)
    return parse_text(text, filename)

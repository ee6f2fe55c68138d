"""Payloads of shared documents and comments (JSON inside envelopes, strictly parsed).

Each object has exactly the keys of its table below (docs/PROTOCOL.md §10); anything
else raises :class:`PayloadError`.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any

from delegate_app.core.crypto import chunks, stream
from delegate_app.core.messaging.errors import PayloadError
from delegate_app.core.messaging.payloads import int_field, keys_field, text_field, uid_field
from delegate_app.core.messaging.schema import OPTIONAL, REQUIRED, Schema, decode, encode

DOCUMENT_TYPE = "delegate/document"
COMMENT_TYPE = "delegate/comment"
MAX_BODY = 8 * 1024 * 1024
MAX_META = 500
MAX_COMMENT = 16 * 1024
MAX_INLINE_PDF = 192 * 1024
DOC_UID_RE = re.compile(r"[0-9A-Za-z-]{8,64}")
BLOB_RE = re.compile(r"[0-9a-f]{64}")
HEX_RE = re.compile(r"[0-9a-f]+")
KINDS = ("briefing", "position-paper", "note")
FORMATS = ("markdown", "html", "text", "pdf")

# The exact keys of each object (one line per field; docs/PROTOCOL.md §10 lists the same).
DOCUMENT = Schema(
    "shared document",
    {
        "v": REQUIRED,
        "document": REQUIRED,
        "revision": REQUIRED,
        "parent": OPTIONAL,
        "holders": REQUIRED,
        "pdf": OPTIONAL,
        "attachment": OPTIONAL,
    },
)
DOCUMENT_META = Schema(
    "document",
    {
        "uid": REQUIRED,
        "kind": REQUIRED,
        "title": REQUIRED,
        "event": OPTIONAL,
        "classification": REQUIRED,
        "language": OPTIONAL,
        "author": OPTIONAL,
        "tags": REQUIRED,
        "body_format": REQUIRED,
        "body": REQUIRED,
    },
)
ATTACHMENT = Schema(
    "attachment",
    {
        "blob": REQUIRED,
        "relay": REQUIRED,
        "format": OPTIONAL,
        "key": REQUIRED,
        "header": OPTIONAL,
        "size": REQUIRED,
        "plain_size": REQUIRED,
        "sha256": REQUIRED,
        "filename": REQUIRED,
    },
)
COMMENT = Schema(
    "comment",
    {
        "v": REQUIRED,
        "document": REQUIRED,
        "comment": REQUIRED,
        "body": REQUIRED,
        "quote": OPTIONAL,
        "reply_to": OPTIONAL,
        "created_at": REQUIRED,
    },
)


def _doc_uid(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not DOC_UID_RE.fullmatch(value):
        raise PayloadError(f"Field {key} is not a document id.")
    return value


def _hex(data: dict[str, Any], key: str, length: int) -> str:
    value = data.get(key)
    if not isinstance(value, str) or len(value) != length or not HEX_RE.fullmatch(value):
        raise PayloadError(f"Field {key} is malformed.")
    return value


#: Chunk formats of an attachment blob (docs/PROTOCOL.md §5): 1 is one secretstream, 2 is an
#: independent AEAD per chunk. Absent means 1 (descriptors written before format 2 existed).
STREAM_FORMAT = 1
CHUNKED_FORMAT = 2


@dataclass(frozen=True)
class BlobDescriptor:
    """Where a large encrypted attachment waits, and how to decrypt and check it."""

    blob_id: str  # 64 hex
    relay_url: str
    key: str  # 64 hex: the secretstream key (format 1) or the chunk key (format 2)
    header: str | None  # secretstream header, 48 hex (format 1 only)
    size: int  # ciphertext bytes on the relay
    plain_size: int
    sha256: str  # of the plaintext
    filename: str
    format: int = STREAM_FORMAT

    @property
    def expected_size(self) -> int:
        """The ciphertext bytes ``plain_size`` takes in this descriptor's format."""
        if self.format == CHUNKED_FORMAT:
            return chunks.sealed_size(self.plain_size)
        return self.plain_size + max(1, -(-self.plain_size // stream.CHUNK_SIZE)) * stream.ABYTES

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"blob": self.blob_id, "relay": self.relay_url}
        if self.format != STREAM_FORMAT:
            data["format"] = self.format
        data["key"] = self.key
        if self.header is not None:
            data["header"] = self.header
        data.update(
            size=self.size, plain_size=self.plain_size, sha256=self.sha256, filename=self.filename
        )
        return ATTACHMENT.check(data)

    @classmethod
    def from_dict(cls, data: Any) -> BlobDescriptor:
        ATTACHMENT.check(data)
        relay = text_field(data, "relay", limit=MAX_META) or ""
        if not relay.startswith(("http://", "https://")):
            raise PayloadError("The attachment's relay is not a URL.")
        blob_id = data.get("blob")
        if not isinstance(blob_id, str) or not BLOB_RE.fullmatch(blob_id):
            raise PayloadError("The attachment id is malformed.")
        chunk_format = int_field(data, "format", low=1, high=2, optional=True) or STREAM_FORMAT
        if chunk_format == STREAM_FORMAT:
            header: str | None = _hex(data, "header", 48)
        elif data.get("header") is not None:
            raise PayloadError("The attachment has a stream header its format does not use.")
        else:
            header = None
        return cls(
            format=chunk_format,
            blob_id=blob_id,
            relay_url=relay.rstrip("/"),
            key=_hex(data, "key", 64),
            header=header,
            size=int_field(data, "size", low=1, high=1 << 40) or 0,
            plain_size=int_field(data, "plain_size", low=0, high=1 << 40) or 0,
            sha256=_hex(data, "sha256", 64),
            filename=text_field(data, "filename", limit=MAX_META) or "document.pdf",
        )


@dataclass(frozen=True)
class DocumentPayload:
    uid: str
    revision: str
    parent: str | None
    kind: str
    title: str
    event: str | None
    classification: str
    language: str | None
    author: str | None
    tags: tuple[str, ...]
    body_format: str
    body: str
    holders: tuple[str, ...]  # identity keys of everyone who holds it, the sender included
    pdf_inline: bytes | None = None
    attachment: BlobDescriptor | None = None

    def to_bytes(self) -> bytes:
        return encode(
            DOCUMENT,
            {
                "document": DOCUMENT_META.check(
                    {
                        "uid": self.uid,
                        "kind": self.kind,
                        "title": self.title,
                        "event": self.event,
                        "classification": self.classification,
                        "language": self.language,
                        "author": self.author,
                        "tags": list(self.tags),
                        "body_format": self.body_format,
                        "body": self.body,
                    }
                ),
                "revision": self.revision,
                "parent": self.parent,
                "holders": list(self.holders),
                "pdf": None
                if self.pdf_inline is None
                else base64.b64encode(self.pdf_inline).decode("ascii"),
                "attachment": None if self.attachment is None else self.attachment.to_dict(),
            },
        )

    @classmethod
    def from_bytes(cls, body: bytes) -> DocumentPayload:
        data = decode(DOCUMENT, body)
        doc = DOCUMENT_META.check(data["document"])
        kind, body_format = doc.get("kind"), doc.get("body_format")
        if kind not in KINDS or body_format not in FORMATS:
            raise PayloadError("Unknown document kind or format.")
        tags = doc["tags"]
        if not isinstance(tags, list) or not all(
            isinstance(t, str) and len(t) <= MAX_META for t in tags
        ):
            raise PayloadError("The document's tags are malformed.")
        parent = data.get("parent")
        pdf_raw = data.get("pdf")
        pdf: bytes | None = None
        if pdf_raw is not None:
            if not isinstance(pdf_raw, str) or len(pdf_raw) > MAX_INLINE_PDF * 2:
                raise PayloadError("The inline PDF is malformed.")
            try:
                pdf = base64.b64decode(pdf_raw, validate=True)
            except (binascii.Error, ValueError):
                raise PayloadError("The inline PDF is malformed.") from None
        attachment_raw = data.get("attachment")
        return cls(
            uid=_doc_uid(doc, "uid"),
            revision=uid_field(data, "revision"),
            parent=None if parent is None else uid_field(data, "parent"),
            kind=str(kind),
            title=text_field(doc, "title", limit=MAX_META) or "",
            event=text_field(doc, "event", limit=MAX_META, optional=True),
            classification=text_field(doc, "classification", limit=MAX_META) or "",
            language=text_field(doc, "language", limit=32, optional=True),
            author=text_field(doc, "author", limit=MAX_META, optional=True),
            tags=tuple(tags),
            body_format=str(body_format),
            body=text_field(doc, "body", limit=MAX_BODY) or "",
            holders=keys_field(data, "holders"),
            pdf_inline=pdf,
            attachment=None if attachment_raw is None else BlobDescriptor.from_dict(attachment_raw),
        )


@dataclass(frozen=True)
class CommentPayload:
    document_uid: str
    comment_uid: str
    body: str
    quote: str | None
    reply_to: str | None
    created_at: int

    def to_bytes(self) -> bytes:
        return encode(
            COMMENT,
            {
                "document": self.document_uid,
                "comment": self.comment_uid,
                "body": self.body,
                "quote": self.quote,
                "reply_to": self.reply_to,
                "created_at": self.created_at,
            },
        )

    @classmethod
    def from_bytes(cls, body: bytes) -> CommentPayload:
        data = decode(COMMENT, body)
        reply_to = data.get("reply_to")
        return cls(
            document_uid=_doc_uid(data, "document"),
            comment_uid=uid_field(data, "comment"),
            body=text_field(data, "body", limit=MAX_COMMENT) or "",
            quote=text_field(data, "quote", limit=MAX_COMMENT, optional=True),
            reply_to=None if reply_to is None else uid_field(data, "reply_to"),
            created_at=int_field(data, "created_at", low=0, high=1 << 40) or 0,
        )

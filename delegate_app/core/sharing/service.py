"""Sharing documents and comments with contacts and groups, and resolving conflicts.

A shared document keeps its ``uid`` in every vault. Each version sent is a
*revision* (random id) naming its parent, so a receiver can tell a plain update
(fast-forward) from concurrent edits (three-way merge against the common
revision) — see :mod:`delegate_app.core.sharing.incoming`.
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
import time
from collections.abc import Iterable, Sequence

from delegate_app.core.crypto.chunks import new_chunk_key, sealed_size
from delegate_app.core.crypto.stream import ABYTES, CHUNK_SIZE, StreamDecryptor
from delegate_app.core.documents.attachment_store import AttachmentStore, StoredAttachment
from delegate_app.core.documents.models import BodyFormat, Document
from delegate_app.core.documents.rendering import html_text_and_title
from delegate_app.core.documents.store import DocumentStore
from delegate_app.core.errors import CryptoError
from delegate_app.core.messaging.directory import Correspondent, Directory
from delegate_app.core.messaging.errors import MessagingError, NoRelayError
from delegate_app.core.messaging.models import Priority
from delegate_app.core.messaging.sending import Sender
from delegate_app.core.messaging.store import MessageStore, new_uid
from delegate_app.core.messaging.transfers import (
    BlobTransfer,
    StoredChunk,
    TransferDirection,
    TransferStore,
)
from delegate_app.core.policy import Policy
from delegate_app.core.sharing.attachment_status import AttachmentStatus, attachment_status
from delegate_app.core.sharing.models import (
    AudienceNotice,
    Comment,
    Conflict,
    Provenance,
    ShareResult,
)
from delegate_app.core.sharing.payloads import (
    CHUNKED_FORMAT,
    COMMENT_TYPE,
    DOCUMENT_TYPE,
    MAX_COMMENT,
    MAX_INLINE_PDF,
    BlobDescriptor,
    CommentPayload,
    DocumentPayload,
)
from delegate_app.core.sharing.store import SharingStore
from delegate_app.core.vault import Database
from delegate_app.i18n import _

#: Size of one ciphertext chunk of a format 1 blob (the last one may be shorter).
CIPHER_CHUNK = CHUNK_SIZE + ABYTES


class SharingError(MessagingError):
    """Sharing was refused or a shared item is unusable."""


def search_text(body_format: str, body: str) -> str:
    if body_format == BodyFormat.HTML.value:
        return html_text_and_title(body)[0]
    return body


def ciphertext_size(plain_size: int) -> int:
    """Bytes of a format 1 (secretstream) blob of ``plain_size`` plaintext bytes."""
    chunks = max(1, math.ceil(plain_size / CHUNK_SIZE))
    return plain_size + chunks * ABYTES


class Sharing:
    def __init__(self, db: Database, sender: Sender, directory: Directory, policy: Policy) -> None:
        self.db = db
        self.sender = sender
        self.directory = directory
        self.policy = policy
        self.store = SharingStore(db)
        self.documents = DocumentStore(db)

    # -- reading ---------------------------------------------------------------------------

    def _document(self, doc_id: int) -> Document:
        return self.documents.get(doc_id)

    def provenance(self, doc_id: int) -> Provenance | None:
        return self.store.provenance(self._document(doc_id).summary.uid)

    def holders(self, doc_id: int) -> list[str]:
        return self.store.holders(self._document(doc_id).summary.uid)

    def conflicts(self, doc_id: int) -> list[Conflict]:
        return self.store.conflicts(self._document(doc_id).summary.uid)

    def comments(self, doc_id: int) -> list[Comment]:
        return self.store.comments(self._document(doc_id).summary.uid)

    def attachment(self, doc_id: int) -> AttachmentStatus | None:
        """The incoming attachment (blob) of a document: downloading, waiting, received or
        refused, with the reason (None: the document has no incoming blob)."""
        uid = self._document(doc_id).summary.uid
        return attachment_status(TransferStore(self.db).for_ref(uid))

    def audience_notices(self, doc_id: int) -> list[AudienceNotice]:
        """Open warnings: someone other than the owner tried to change who holds it."""
        return self.store.audience_notices(self._document(doc_id).summary.uid)

    def dismiss_audience_notices(self, doc_id: int) -> None:
        self.store.dismiss_audience_notices(self._document(doc_id).summary.uid)

    def comment_recipients(self, doc_id: int) -> list[Correspondent]:
        """Who a comment posted now goes to: the holders we recorded (see ``audience``) that are
        contacts, never the list in the last version received."""
        return self._holder_contacts(self._document(doc_id).summary.uid)

    def _holder_contacts(self, uid: str) -> list[Correspondent]:
        found = (self.directory.by_key(key) for key in self.store.holders(uid))
        return [c for c in found if c is not None and c.key != self.sender.key]

    # -- sharing ---------------------------------------------------------------------------

    def _recipients(self, uid: str, names: Sequence[str], group: str | None) -> list[Correspondent]:
        chosen: dict[str, Correspondent] = {}
        for name in names:
            contact = self.directory.by_name(name)
            chosen[contact.key] = contact
        if group is not None:
            groups = MessageStore(self.db).groups_named(group.strip())
            if not groups:
                raise SharingError(_("No group named {name}.").format(name=group))
            for key in groups[0].members:
                found = self.directory.by_key(key)
                if found is not None:
                    chosen[found.key] = found
        if not names and group is None:
            for key in self.store.holders(uid):
                found = self.directory.by_key(key)
                if found is not None:
                    chosen[found.key] = found
        chosen.pop(self.sender.key, None)
        if not chosen:
            raise SharingError(_("Name at least one contact or group to share with."))
        for contact in chosen.values():
            self.directory.check_can_send(contact)
        return list(chosen.values())

    def _current_revision(self, document: Document, now: float) -> tuple[str, str | None]:
        """The revision describing the document's content now (a new one if it was edited)."""
        uid = document.summary.uid
        provenance = self.store.provenance(uid)
        head = provenance.head_revision if provenance else None
        head_rev = self.store.revision(head) if head else None
        if (
            head_rev is not None
            and head_rev.body == document.body
            and head_rev.title == document.summary.title
        ):
            return head_rev.revision, head_rev.parent
        revision = new_uid()
        self.store.add_revision(
            revision=revision,
            document_uid=uid,
            parent=head,
            author_key=None,
            title=document.summary.title,
            body_format=document.body_format.value,
            body=document.body,
            created_at=now,
        )
        return revision, head

    def _attachment(self, uid: str, stored: StoredAttachment, filename: str) -> BlobDescriptor:
        """A blob for the PDF ``stored``: reuse one already queued or sent for the same bytes,
        else a new format 2 upload that seals its chunks from ``stored`` when it is sent."""
        attachments = AttachmentStore(self.db)
        stored = attachments.ensure_chunked(stored)
        transfers = TransferStore(self.db)
        ups = [
            t
            for t in transfers.for_ref(uid)
            if t.direction is TransferDirection.UP and t.state != "failed"
        ]
        for transfer in ups:
            if transfer.attachment_id == stored.id:  # the same (never changed) chunk rows
                return BlobDescriptor.from_dict(json.loads(transfer.descriptor))
        sha256 = attachments.sha256(stored)
        for transfer in ups:
            descriptor = BlobDescriptor.from_dict(json.loads(transfer.descriptor))
            if descriptor.sha256 == sha256 and transfer.attachment_id is None:
                return descriptor  # a format 1 upload of these bytes, sealed and stored earlier
        relay = self.sender.own_relay_url
        if not relay:
            raise NoRelayError(_("This profile has no relay; large attachments cannot be sent."))
        descriptor = BlobDescriptor(
            format=CHUNKED_FORMAT,
            blob_id=secrets.token_hex(32),
            relay_url=relay.rstrip("/"),
            key=new_chunk_key().hex(),  # fresh for this attachment: nonces never repeat under it
            header=None,
            size=sealed_size(stored.size),
            plain_size=stored.size,
            sha256=sha256,
            filename=filename,
        )
        transfers.create_sealed_upload(
            blob_id=descriptor.blob_id,
            relay_url=descriptor.relay_url,
            total=descriptor.size,
            attachment_id=stored.id,
            priority=Priority.ATTACHMENT,
            ref=uid,
            descriptor=json.dumps(descriptor.to_dict()),
        )
        return descriptor

    def share(
        self,
        doc_id: int,
        names: Sequence[str] = (),
        *,
        group: str | None = None,
        now: float | None = None,
    ) -> ShareResult:
        """Send the document (and its PDF) to contacts and/or a group; with neither, send the
        current version to everyone who already holds it."""
        now = time.time() if now is None else now
        document = self._document(doc_id)
        summary = document.summary
        recipients = self._recipients(summary.uid, names, group)
        stored = AttachmentStore(self.db).pdf(doc_id)
        with self.db.transaction() as db:
            revision, parent = self._current_revision(document, now)
            held_before = set(self.store.holders(summary.uid))
            holders = {*held_before, *(r.key for r in recipients)}
            self.store.add_holders(summary.uid, holders)
            inline, attachment = None, None
            if stored is not None and stored.size <= MAX_INLINE_PDF:
                inline = AttachmentStore(db).read(stored)
            elif stored is not None:
                attachment = self._attachment(summary.uid, stored, f"{summary.title[:80]}.pdf")
            payload = DocumentPayload(
                uid=summary.uid,
                revision=revision,
                parent=parent,
                kind=summary.kind.value,
                title=summary.title,
                event=summary.event,
                classification=summary.classification,
                language=summary.language,
                author=summary.author,
                tags=summary.tags,
                body_format=document.body_format.value,
                body=document.body,
                holders=tuple(sorted(holders | {self.sender.key})),
                pdf_inline=inline,
                attachment=attachment,
            )
            self.sender.enqueue(
                db,
                recipients,
                content_type=DOCUMENT_TYPE,
                body=payload.to_bytes(),
                kind="document",
                priority=Priority.DOCUMENT,
                ref=summary.uid,
                now=now,
            )
            newcomers = [r for r in recipients if r.key not in held_before]
            self._send_own_comments(db, summary.uid, newcomers)
            provenance = self.store.provenance(summary.uid)
            if provenance is None:
                self.store.set_shared(
                    summary.uid,
                    head_revision=revision,
                    shared_by=None,
                    received_at=None,
                    verified=True,
                )
            else:
                self.store.set_head(summary.uid, revision)
        return ShareResult(
            document_uid=summary.uid,
            revision=revision,
            recipients=tuple(r.name for r in recipients),
            attachment_bytes=0 if attachment is None else attachment.plain_size,
        )

    # -- comments --------------------------------------------------------------------------

    def _send_own_comments(
        self, db: Database, document_uid: str, recipients: Sequence[Correspondent]
    ) -> None:
        """Our comments so far go to people who get the document for the first time, so the
        thread they see starts where ours does. (Others' comments are theirs to send: a copy
        from us would carry our signature, not the author's.)"""
        if not recipients:
            return
        for comment in self.store.comments(document_uid):
            if comment.author_key is not None:
                continue
            written = comment.created_at.timestamp()
            payload = CommentPayload(
                document_uid, comment.uid, comment.body, comment.quote, comment.reply_to,
                int(written),
            )  # fmt: skip
            # Stamped with when it was written: the thread keeps its order in the outbox (all
            # of them are sent at the same moment, and ties would go by random id).
            self._enqueue_comment(db, recipients, payload, written)

    def _enqueue_comment(
        self, db: Database, recipients: Sequence[Correspondent], payload: CommentPayload,
        now: float,
    ) -> None:  # fmt: skip
        self.sender.enqueue(
            db,
            recipients,
            content_type=COMMENT_TYPE,
            body=payload.to_bytes(),
            kind="comment",
            priority=Priority.MESSAGE,
            ref=payload.comment_uid,
            now=now,
        )

    def comment(
        self,
        doc_id: int,
        text: str,
        *,
        reply_to: int | None = None,
        quote: str | None = None,
        now: float | None = None,
    ) -> Comment:
        """Comment on a document; the comment goes to everyone who holds it."""
        now = time.time() if now is None else now
        text = text.strip()
        if not text or len(text) > MAX_COMMENT:
            raise SharingError(_("A comment needs text (at most 16,000 characters)."))
        document = self._document(doc_id)
        uid = document.summary.uid
        reply_uid = None
        if reply_to is not None:
            parent = self.store.comment_by_id(reply_to)
            if parent is None or parent.document_uid != uid:
                raise SharingError(_("No comment {id} on this document.").format(id=reply_to))
            reply_uid = parent.uid
        if quote is not None:
            quote = quote.strip()
            plain = search_text(document.body_format.value, document.body)
            if not quote or (quote not in document.body and quote not in plain):
                raise SharingError(_("The quoted passage is not in the document."))
        recipients = self._holder_contacts(uid)
        for contact in recipients:
            self.directory.check_can_send(contact)
        comment_uid = new_uid()
        with self.db.transaction() as db:
            self.store.add_comment(
                uid=comment_uid,
                document_uid=uid,
                author_key=None,
                body=text,
                quote=quote,
                reply_to=reply_uid,
                created_at=now,
                received_at=None,
            )
            if recipients:
                payload = CommentPayload(uid, comment_uid, text, quote, reply_uid, int(now))
                self._enqueue_comment(db, recipients, payload, now)
        created = self.store.comment(comment_uid)
        if created is None:  # pragma: no cover - committed just above
            raise SharingError(_("The comment could not be stored."))
        return created

    # -- conflicts -------------------------------------------------------------------------

    def resolve(self, conflict_id: int, *, keep: str = "mine", text: str | None = None) -> None:
        """Resolve a conflict by keeping ``mine``, taking ``theirs``, or with an edited ``text``."""
        conflict = self.store.conflict(conflict_id)
        if conflict is None or conflict.resolved:
            raise SharingError(_("No open conflict {id}.").format(id=conflict_id))
        doc_id = self.store.document_id(conflict.document_uid)
        if doc_id is None:
            raise SharingError(_("The document of this conflict is gone."))
        document = self._document(doc_id)
        if text is not None:
            body, title = text, document.summary.title
        elif keep == "theirs":
            body, title = conflict.body, conflict.title
        elif keep == "mine":
            body, title = document.body, document.summary.title
        else:
            raise SharingError(_("Keep either 'mine' or 'theirs', or give the merged text."))
        with self.db.transaction():
            if body != document.body or title != document.summary.title:
                self.documents.update(
                    doc_id,
                    title=title,
                    body=body,
                    body_format=document.body_format,
                    search_text=search_text(document.body_format.value, body),
                    tags=document.summary.tags,
                    classification=document.summary.classification,
                    event=document.summary.event,
                )
            # The resolution descends from their revision: the next share fast-forwards for them.
            self.store.set_head(conflict.document_uid, conflict.revision)
            self.store.resolve_conflict(conflict_id)

    # -- attachments -----------------------------------------------------------------------

    def complete_download(self, transfer: BlobTransfer, chunks: Iterable[StoredChunk]) -> None:
        """Decrypt a fully downloaded format 1 blob, check it, attach it, and drop the chunks.

        (Format 2 blobs are opened chunk by chunk as they arrive: ``chunked_blobs``.)"""
        descriptor = BlobDescriptor.from_dict(json.loads(transfer.descriptor))
        if descriptor.header is None:
            raise CryptoError(_("The attachment's format does not match its transfer."))
        decryptor = StreamDecryptor(bytes.fromhex(descriptor.key), bytes.fromhex(descriptor.header))
        parts = [decryptor.decrypt_chunk(chunk.data)[0] for chunk in chunks]
        transfers = TransferStore(self.db)
        if not decryptor.finished:
            raise CryptoError(_("The attachment arrived truncated."))
        data = b"".join(parts)
        if hashlib.sha256(data).hexdigest() != descriptor.sha256:
            raise CryptoError(_("The attachment does not match its signed checksum."))
        with self.db.transaction():
            doc_id = self.store.document_id(transfer.ref)
            if doc_id is not None:
                self.store.replace_pdf(doc_id, descriptor.filename, data)
            transfers.complete(transfer.blob_id, TransferDirection.DOWN)

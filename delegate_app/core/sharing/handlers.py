"""Inbound handlers for shared documents and comments (run inside the receive transaction).

An incoming version of a document we hold is applied as follows:

- same content as ours: nothing changes but the bookkeeping;
- we had not edited since the common revision: applied as a new version (fast-forward);
- both sides edited: line-based three-way merge against the common revision; a clean
  merge is applied as a new version, otherwise ours stays, theirs is kept as an open
  conflict for the user — never overwritten silently, never duplicated without a word.

Who holds the document changes only as :mod:`delegate_app.core.sharing.audience` allows: by a
version from its owner. A comment never adds its author to the holders.
"""

from __future__ import annotations

from delegate_app.core.documents.models import BodyFormat, DocumentKind, ParsedDocument
from delegate_app.core.documents.rendering import sanitize_html
from delegate_app.core.documents.store import DocumentStore
from delegate_app.core.messaging.errors import PayloadError
from delegate_app.core.messaging.receiver import Handler, Inbound, plausible_time
from delegate_app.core.policy import Policy
from delegate_app.core.sharing.attachments import queue_download
from delegate_app.core.sharing.audience import apply_audience
from delegate_app.core.sharing.merge import three_way_merge
from delegate_app.core.sharing.models import IncomingOutcome
from delegate_app.core.sharing.payloads import (
    COMMENT_TYPE,
    DOCUMENT_TYPE,
    CommentPayload,
    DocumentPayload,
)
from delegate_app.core.sharing.service import search_text
from delegate_app.core.sharing.store import SharingStore
from delegate_app.core.vault import Database


def apply_document(
    db: Database,
    own_key: str,
    inbound: Inbound,
    payload: DocumentPayload,
    *,
    policy: Policy,
    own_relay: str | None = None,
) -> IncomingOutcome:
    store = SharingStore(db)
    documents = DocumentStore(db)
    uid = payload.uid
    body = sanitize_html(payload.body) if payload.body_format == "html" else payload.body
    held_before = store.document_id(uid) is not None or store.provenance(uid) is not None
    apply_audience(store, own_key, inbound, payload)
    if not store.add_revision(
        revision=payload.revision,
        document_uid=uid,
        parent=payload.parent,
        author_key=inbound.sender.key,
        title=payload.title,
        body_format=payload.body_format,
        body=body,
        created_at=inbound.sent_at,
    ):
        return IncomingOutcome.UNCHANGED  # this revision arrived before
    doc_id = store.document_id(uid)
    outcome: IncomingOutcome
    head = payload.revision
    if doc_id is None:
        parsed = ParsedDocument(
            title=payload.title,
            body_format=BodyFormat(payload.body_format),
            body=body,
            search_text=search_text(payload.body_format, body),
            pdf=payload.pdf_inline,
        )
        doc_id = documents.insert(
            parsed,
            kind=DocumentKind(payload.kind),
            classification=payload.classification,
            event=payload.event,
            language=payload.language,
            author=payload.author,
            tags=payload.tags,
            source_name=None,
            uid=uid,
        )
        outcome = IncomingOutcome.NEW
    else:
        current = documents.get(doc_id)
        provenance = store.provenance(uid)
        local_head = provenance.head_revision if provenance else None
        head_rev = store.revision(local_head) if local_head else None
        base_rev = store.revision(payload.parent) if payload.parent else None
        ours, title = current.body, current.summary.title
        if base_rev is None and head_rev is not None and head_rev.body == ours:
            base_rev = head_rev  # we never edited: their version simply follows ours
        if ours == body:
            merged: str | None = body
            outcome = IncomingOutcome.UNCHANGED
        elif base_rev is None:
            merged, outcome = None, IncomingOutcome.CONFLICT
        else:
            result = three_way_merge(base_rev.body, ours, body)
            merged = result.text
            if merged is None:
                outcome = IncomingOutcome.CONFLICT
            elif merged == body:
                outcome = IncomingOutcome.UPDATED
            else:
                outcome = IncomingOutcome.MERGED
        if base_rev is not None and title == base_rev.title:
            title = payload.title
        if merged is None:
            store.add_conflict(
                document_uid=uid,
                revision=payload.revision,
                base_revision=payload.parent,
                author_key=inbound.sender.key,
                title=payload.title,
                body=body,
                received_at=inbound.received_at,
            )
            head = local_head or payload.revision
        elif merged != ours or title != current.summary.title:
            documents.update(
                doc_id,
                title=title,
                body=merged,
                body_format=current.body_format,
                search_text=search_text(current.body_format.value, merged),
                tags=payload.tags,
                classification=payload.classification,
                event=payload.event,
            )
        if payload.pdf_inline is not None and merged is not None:
            store.replace_pdf(doc_id, f"{payload.title[:80]}.pdf", payload.pdf_inline)
    store.set_shared(
        uid,
        head_revision=head,
        shared_by=inbound.sender.key,
        received_at=inbound.received_at,
        verified=True,
        # The first sender owns it; a document we held without provenance is our own.
        origin_key=None if held_before else inbound.sender.key,
    )
    if payload.attachment is not None:
        # Fetched only from a relay we trust for the sender, within policy's size (attachments.py).
        queue_download(
            db,
            payload.attachment,
            sender=inbound.sender,
            own_relay=own_relay,
            policy=policy,
            ref=uid,
        )
    return outcome


def sharing_handlers(
    own_key: str, policy: Policy, own_relay: str | None = None
) -> dict[str, Handler]:
    """Handlers for ``delegate/document`` and ``delegate/comment`` for the profile ``own_key``
    (whose relay is ``own_relay``)."""

    def on_document(db: Database, inbound: Inbound) -> None:
        payload = DocumentPayload.from_bytes(inbound.body)
        holders = set(payload.holders)
        if inbound.sender.key not in holders or not set(inbound.recipients) <= holders:
            raise PayloadError("The document's holders do not match the envelope.")
        apply_document(db, own_key, inbound, payload, policy=policy, own_relay=own_relay)

    def on_comment(db: Database, inbound: Inbound) -> None:
        payload = CommentPayload.from_bytes(inbound.body)
        store = SharingStore(db)
        store.add_comment(
            uid=payload.comment_uid,
            document_uid=payload.document_uid,
            author_key=inbound.sender.key,
            body=payload.body,
            quote=payload.quote,
            reply_to=payload.reply_to,
            created_at=plausible_time(payload.created_at, inbound.received_at),
            received_at=inbound.received_at,
        )
        # The author is NOT added to the holders: a contact the owner never shared with (one
        # a holder forwarded the document to, say) would otherwise receive our next comment.

    return {DOCUMENT_TYPE: on_document, COMMENT_TYPE: on_comment}

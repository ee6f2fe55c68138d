"""Forward-only schema migrations, one module each, applied in order.

A migration never changes once released: new needs get a new module. Each runs
in one transaction together with the ``PRAGMA user_version`` bump.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


def all_migrations() -> tuple[Migration, ...]:
    from delegate_app.core.vault.migrations import (
        m0001_base,
        m0002_documents,
        m0003_identity,
        m0004_messaging,
        m0005_sharing,
        m0006_contact_key_history,
        m0007_transfer_retry,
        m0008_document_audience,
        m0009_group_membership,
        m0010_message_requests,
        m0011_document_stems,
        m0012_message_search,
        m0013_direct_local_uids,
        m0014_drafts_and_quotes,
        m0015_attachment_chunks,
        m0016_message_stems,
        m0017_ratchet,
    )

    migrations = (
        m0001_base.MIGRATION,
        m0002_documents.MIGRATION,
        m0003_identity.MIGRATION,
        m0004_messaging.MIGRATION,
        m0005_sharing.MIGRATION,
        m0006_contact_key_history.MIGRATION,
        m0007_transfer_retry.MIGRATION,
        m0008_document_audience.MIGRATION,
        m0009_group_membership.MIGRATION,
        m0010_message_requests.MIGRATION,
        m0011_document_stems.MIGRATION,
        m0012_message_search.MIGRATION,
        m0013_direct_local_uids.MIGRATION,
        m0014_drafts_and_quotes.MIGRATION,
        m0015_attachment_chunks.MIGRATION,
        m0016_message_stems.MIGRATION,
        m0017_ratchet.MIGRATION,
    )
    versions = [m.version for m in migrations]
    if versions != list(range(1, len(migrations) + 1)):
        raise RuntimeError(f"Migration versions must run 1..n without gaps: {versions}")
    return migrations


def latest_version() -> int:
    return len(all_migrations())

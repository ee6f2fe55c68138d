"""Version 7: per-transfer retry state, and who sent a download's descriptor.

A blob that cannot be fetched is retried on its own schedule (``attempts``, ``retry_at``)
instead of failing the whole sync pass; ``sender_key`` names the contact whose descriptor
queued a download, so the relays trusted for it can be checked again before each fetch.
"""

from delegate_app.core.vault.migrations import Migration

MIGRATION = Migration(
    version=7,
    name="transfer_retry",
    statements=(
        "ALTER TABLE blob_transfers ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE blob_transfers ADD COLUMN retry_at REAL NOT NULL DEFAULT 0",
        "ALTER TABLE blob_transfers ADD COLUMN sender_key TEXT",
    ),
)

"""Conversations and messages, the outbox and inbox in the vault, receipts and expiry."""

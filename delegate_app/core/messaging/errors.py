"""Typed errors of messaging. Each message is fit to show a user."""

from __future__ import annotations

from delegate_app.core.errors import DelegateError


class MessagingError(DelegateError):
    """Base class for messaging problems."""


class ConversationNotFoundError(MessagingError):
    """No conversation (or group) with that id or name."""


class RecipientBlockedError(MessagingError):
    """A recipient's key changed and the change was not accepted: sending is refused."""


class NoRelayError(MessagingError):
    """This profile or a recipient has no relay address, so nothing can be sent."""


class PayloadError(MessagingError):
    """An incoming payload is malformed (after it decrypted and verified correctly)."""

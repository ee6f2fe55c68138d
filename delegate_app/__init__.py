"""Delegate: an offline-first, end-to-end encrypted desktop client for diplomatic missions."""

__version__ = "0.1.0"
APP_NAME = "Delegate"

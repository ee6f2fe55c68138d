"""Trusting an organisation's own certificate authority for https relays.

The policy's ``relay_ca_file`` names a PEM file of extra authorities. They are trusted
*beside* the built-in bundle (certifi's), so an organisation running its own CA still
reaches contacts' relays that use public certificates. Verification of host names and
certificates stays on; nothing here can turn it off.
"""

from __future__ import annotations

import ssl
from typing import Any

import certifi
import requests
from requests.adapters import HTTPAdapter

from delegate_app.i18n import _
from sync.client.errors import CaFileError


class _ContextAdapter(HTTPAdapter):
    def __init__(self, context: ssl.SSLContext) -> None:
        self._context = context
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ssl_context"] = self._context
        super().init_poolmanager(*args, **kwargs)


def trust_context(ca_file: str) -> ssl.SSLContext:
    """A verifying client context that trusts certifi's bundle and the authorities in
    ``ca_file``."""
    context = ssl.create_default_context(cafile=certifi.where())
    try:
        context.load_verify_locations(cafile=ca_file)
    except (OSError, ssl.SSLError, ValueError):
        raise CaFileError(
            _("The certificate authority file {path} cannot be read.").format(path=ca_file)
        ) from None
    return context


def mount_ca_file(session: requests.Session, ca_file: str) -> None:
    """Make ``session`` trust ``ca_file`` beside the built-in bundle for every https URL."""
    session.mount("https://", _ContextAdapter(trust_context(ca_file)))

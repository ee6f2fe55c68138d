"""The relay reads a JSON body only under a JSON media type (docs/RELAY.md, "Wire contract")."""

from __future__ import annotations

import base64
import json

import requests

from tests.relay.signer import MailboxOwner, envelope_id
from tests.relay_server import RelayProcess


def _post(url: str, body: bytes, content_type: str | None) -> requests.Response:
    request = requests.Request("POST", url, data=body).prepare()
    request.headers.pop("Content-Type", None)
    if content_type is not None:
        request.headers["Content-Type"] = content_type
    with requests.Session() as session:
        return session.send(request, timeout=5)


def test_a_json_body_needs_a_json_content_type(relay: RelayProcess) -> None:
    owner = MailboxOwner(relay.url)
    url = f"{relay.url}/v1/mailboxes/{owner.mailbox}/envelopes"
    data = base64.b64encode(b"sealed").decode()
    for number, content_type in enumerate((None, "text/plain", "application/octet-stream")):
        body = json.dumps({"envelopes": [{"id": envelope_id(number), "data": data}]}).encode()
        refused = _post(url, body, content_type)
        assert refused.status_code == 422, content_type
        assert refused.json() == {"error": "malformed request: body"}
    assert owner.fetch().json()["envelopes"] == []  # nothing of a refused deposit was stored
    for number, content_type in enumerate(("application/json", "application/json; charset=utf-8")):
        body = json.dumps({"envelopes": [{"id": envelope_id(10 + number), "data": data}]}).encode()
        assert _post(url, body, content_type).json()["accepted"] == [envelope_id(10 + number)]


def test_blob_parts_are_raw_bytes_whatever_their_content_type(relay: RelayProcess) -> None:
    blob = f"{relay.url}/v1/blobs/{'ab' * 32}"
    for offset, content_type in ((0, None), (3, "text/plain")):
        request = requests.Request("PUT", f"{blob}?offset={offset}", data=b"abc").prepare()
        request.headers.pop("Content-Type", None)
        if content_type is not None:
            request.headers["Content-Type"] = content_type
        with requests.Session() as session:
            assert session.send(request, timeout=5).json()["size"] == offset + 3

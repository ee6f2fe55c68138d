"""Crashes found by the fuzzers (and two by review: JSON nested too deep, huge integers), each
pinned: the input, and the typed answer it now gets."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from delegate_app.core.crypto.envelope import peek_envelope_id, seal
from delegate_app.core.documents.errors import ImportRefusedError
from delegate_app.core.documents.importers import parse_file
from delegate_app.core.documents.rendering import html_text_and_title
from delegate_app.core.errors import PolicyError
from delegate_app.core.messaging.errors import PayloadError
from delegate_app.core.messaging.payloads import MessagePayload
from delegate_app.core.messaging.receiver import Outcome
from delegate_app.core.policy import Policy, parse_policy_document
from delegate_app.core.sharing.payloads import CommentPayload
from tests.cli.helpers import delegatectl
from tests.documents.pdfs import make_pdf
from tests.relay_server import RelayProcess
from tests.sync.profiles import create_profiles

DEEP_JSON = "[" * 100_000
HUGE_NUMBER = "1" * 5000  # over Python's 4,300-digit limit for int()


@pytest.mark.parametrize("markup", ["<![i]>", "<![ix[", "<![ i", "<p>a</p><![iii x"])
def test_bogus_marked_sections_in_html_import_instead_of_crashing(markup: str) -> None:
    # Python's HTMLParser raised AssertionError on these, out of import and out of a
    # received shared document alike.
    parsed = parse_file("paper.html", markup.encode(), max_bytes=1 << 20)
    assert "<![" not in parsed.body or "&lt;![" in parsed.body
    text, _title = html_text_and_title(markup)
    assert isinstance(text, str)


@pytest.mark.parametrize(("find", "replace"), [(b"/FlateDecode", b"/lateDecode"),
                                               (b"/FlateDecode", b"/Fl")])  # fmt: skip
def test_pdfs_with_unknown_or_abbreviated_filters_are_refused(find: bytes, replace: bytes) -> None:
    pdf = make_pdf("Damaged", ["Some text."])
    assert find in pdf
    # pypdf raised NotImplementedError and its own DeprecationError (not a PyPdfError).
    with pytest.raises(ImportRefusedError):
        parse_file("damaged.pdf", pdf.replace(find, replace), max_bytes=1 << 20)


@pytest.mark.parametrize(
    "body", [DEEP_JSON.encode(), b'{"v": 1, "expiry_days": ' + HUGE_NUMBER.encode() + b"}"]
)
def test_payloads_nested_too_deep_or_with_huge_numbers_are_payload_errors(body: bytes) -> None:
    for parse in (MessagePayload.from_bytes, CommentPayload.from_bytes):
        with pytest.raises(PayloadError):
            parse(body)


def test_a_contact_sending_a_deeply_nested_payload_is_refused_not_a_wedged_inbox(
    tmp_path: Path,
) -> None:
    # RecursionError escaped the receiver: every sync pass failed on the same envelope.
    amina, boris = create_profiles(tmp_path, 2, "http://127.0.0.1:9")
    try:
        envelope = seal(
            amina.room.identity,
            [boris.room.identity.public()],
            "delegate/message",
            DEEP_JSON.encode(),
        )
        envelope_id = peek_envelope_id(envelope.data).hex()
        result = boris.room.receiver.receive(envelope_id, envelope.data)
        assert result.outcome is Outcome.REJECTED and result.reason
    finally:
        amina.close()
        boris.close()


@pytest.mark.parametrize(
    "text", [DEEP_JSON, '{"locked": {"auto_lock_minutes": ' + HUGE_NUMBER + "}}"]
)
def test_policy_json_nested_too_deep_or_with_huge_numbers_is_refused(
    text: str, tmp_path: Path
) -> None:
    with pytest.raises(PolicyError):
        Policy.from_raw(parse_policy_document(text, "policy.json"))
    path = tmp_path / "policy.json"
    path.write_text(text, encoding="utf-8")
    checked = delegatectl("policy", "check", str(path), passphrase=None)
    assert checked.returncode != 0
    assert checked.stderr.startswith("delegatectl: ") and "Traceback" not in checked.stderr


def test_relay_answers_an_undecodable_json_body_with_422(relay: RelayProcess) -> None:
    # FastAPI's own 400 "There was an error parsing the body" is not in the API.
    response = requests.post(
        f"{relay.url}/v1/mailboxes/{'ab' * 32}/envelopes",
        data=b"\x80",
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 422
    assert response.json() == {"error": "malformed request"}

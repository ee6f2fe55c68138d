"""Hypothesis over the parsers that had no property test: managed policy (JSON file, property
lists, registry values), document importers (Markdown, HTML, text, PDF) and the reader's
renderer, the decrypted payloads a contact can send (messages, receipts, documents,
comments) and raw relay request bodies. Each must answer with its typed error or a value,
never anything else; sanitised HTML must never carry active content.

Each property body counts its inputs with :func:`tests.faults.report.tried`.
"""

from __future__ import annotations

import base64
import json
import plistlib
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from delegate_app.core.documents.errors import ImportRefusedError
from delegate_app.core.documents.importers import SUPPORTED_SUFFIXES, parse_file
from delegate_app.core.documents.rendering import markdown_to_html, plain_text, sanitize_html
from delegate_app.core.errors import PolicyError
from delegate_app.core.messaging.errors import PayloadError
from delegate_app.core.messaging.payloads import MessagePayload, ReceiptPayload
from delegate_app.core.policy import SPEC_BY_KEY, Policy, parse_policy_document
from delegate_app.core.policy_sources import (
    RegistryValue,
    read_plist_policy_file,
    read_registry_policy,
)
from delegate_app.core.sharing.payloads import CommentPayload, DocumentPayload
from tests.documents.pdfs import make_pdf
from tests.faults.report import tried
from tests.relay.signer import MailboxOwner
from tests.relay_server import RelayProcess
from tests.sync.conftest import start_relay

MAX_BYTES = 1024 * 1024
FUZZ = settings(max_examples=150, deadline=None, database=None)
POLICY_KEYS = sorted(SPEC_BY_KEY)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
policy_sections = st.dictionaries(
    st.sampled_from(POLICY_KEYS) | st.text(max_size=12), json_values, max_size=6
)


def _policy(parse: Callable[[], Any]) -> None:
    """A policy source is either valid (a Policy) or refused with PolicyError."""
    try:
        Policy.from_raw(parse())
    except PolicyError as exc:
        assert str(exc)


# -- managed policy ------------------------------------------------------------------------


@FUZZ
@given(
    st.dictionaries(
        st.sampled_from(["locked", "defaults", "policy_version"]) | st.text(max_size=10),
        policy_sections | json_values,
        max_size=4,
    )
)
def test_policy_json_documents_are_valid_or_refused(document: dict[str, Any]) -> None:
    tried("policy file, JSON (structured)")
    _policy(lambda: parse_policy_document(json.dumps(document), "fuzz.json"))


@FUZZ
@given(st.text(max_size=400))
def test_policy_json_text_is_valid_or_refused(text: str) -> None:
    tried("policy file, JSON (any text)")
    _policy(lambda: parse_policy_document(text, "fuzz.json"))


plist_text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=30)
plist_values = st.recursive(
    st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats(allow_nan=False)
    | plist_text
    | st.binary(max_size=16),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(plist_text, inner, max_size=4),
    max_leaves=10,
)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-policy")


@settings(FUZZ, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.dictionaries(st.sampled_from(POLICY_KEYS) | plist_text, plist_values, max_size=6),
    st.sampled_from([plistlib.FMT_XML, plistlib.FMT_BINARY]),
)
def test_plist_policies_are_valid_or_refused(
    scratch: Path, values: dict[str, Any], fmt: plistlib.PlistFormat
) -> None:
    tried("policy, macOS property list (structured)")
    path = scratch / "policy.plist"
    path.write_bytes(plistlib.dumps(values, fmt=fmt))
    _policy(lambda: read_plist_policy_file(path))


@settings(FUZZ, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300) | st.builds(lambda b: b"bplist00" + b, st.binary(max_size=200)))
def test_plist_files_of_any_bytes_are_refused(scratch: Path, data: bytes) -> None:
    tried("policy, macOS property list (any bytes)")
    path = scratch / "junk.plist"
    path.write_bytes(data)
    _policy(lambda: read_plist_policy_file(path))


class _Registry:
    def __init__(self, locked: list[RegistryValue], recommended: list[RegistryValue]) -> None:
        self.values = {"Software\\Policies\\Delegate": locked,
                       "Software\\Policies\\Delegate\\Recommended": recommended}  # fmt: skip

    def read_values(self, subkey: str) -> list[RegistryValue] | None:
        return self.values.get(subkey)


registry_names = st.sampled_from(POLICY_KEYS) | st.text(max_size=10)
registry_data = (
    st.text(max_size=30)
    | st.integers(-(2**70), 2**70)
    | st.lists(st.text(max_size=8), max_size=3)
    | st.binary(max_size=8)
    | st.none()
)
registry_values = st.builds(
    RegistryValue,
    name=registry_names | registry_names.map(str.upper),
    data=registry_data,
    type=st.sampled_from([1, 2, 3, 4, 7, 11]) | st.integers(-3, 20),
)


@FUZZ
@given(st.lists(registry_values, max_size=6), st.lists(registry_values, max_size=4))
def test_registry_values_are_valid_or_refused(
    locked: list[RegistryValue], recommended: list[RegistryValue]
) -> None:
    tried("policy, Windows registry values")
    _policy(lambda: read_registry_policy(_Registry(locked, recommended)))


# -- documents -----------------------------------------------------------------------------

ACTIVE = re.compile(r"<\s*(script|style|iframe|object|embed|img|svg|form|input|meta|link|base)\b"
                    r"|\son[a-z]+\s*=|javascript:|data:", re.IGNORECASE)  # fmt: skip
html_soup = st.lists(
    st.sampled_from(["<script>alert(1)</script>", "<a href='javascript:alert(1)'>x</a>",
                     "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>", "<iframe src=//x>",
                     "<style>*{}</style>", "<!--", "-->", "<p>", "</p>", "&amp;", "&#0;", "<",
                     ">", "<![CDATA[", "<math><mi xlink:href=javascript:1>", "<a href='data:x'>",
                     "<table><td colspan=9999999>", "<base href=//evil>", "<form><input>", "\x00",
                     '"', "'", "<title>T</title>", "<h1>H</h1>", "`", "[l](javascript:x)",
                     "![i](http://t/p.png)", "<meta http-equiv=refresh content=0;url=//x>"])
    | st.text(max_size=12),
    max_size=25,
).map("".join)  # fmt: skip


def _active_markup(html: str) -> list[str]:
    """Tags and attributes of active content in the HTML structure (text is escaped)."""
    tags = re.findall(r"<[^>]*>", html)
    return [t for t in tags if ACTIVE.search(t)]


@FUZZ
@given(html_soup)
def test_html_import_and_rendering_never_keep_active_content(markup: str) -> None:
    tried("document importer, HTML")
    try:
        parsed = parse_file(
            "paper.html", markup.encode("utf-8", "surrogatepass"), max_bytes=MAX_BYTES
        )
    except ImportRefusedError:
        return
    assert _active_markup(parsed.body) == []
    assert _active_markup(sanitize_html(parsed.body)) == []
    plain_text("html", parsed.body)


@FUZZ
@given(html_soup | st.text(max_size=300))
def test_markdown_import_and_rendering_never_keep_active_content(text: str) -> None:
    tried("document importer, Markdown (+ renderer)")
    try:
        parsed = parse_file("paper.md", text.encode("utf-8", "surrogatepass"), max_bytes=MAX_BYTES)
    except ImportRefusedError:
        return
    assert _active_markup(markdown_to_html(parsed.body)) == []


@FUZZ
@given(st.binary(max_size=400), st.sampled_from([*sorted(SUPPORTED_SUFFIXES), ".exe", ""]))
def test_any_bytes_under_any_name_import_or_are_refused(data: bytes, suffix: str) -> None:
    tried("document importers, any bytes (md/html/txt/pdf)")
    try:
        parse_file(f"file{suffix}", data, max_bytes=MAX_BYTES)
    except ImportRefusedError as exc:
        assert str(exc)


VALID_PDF = make_pdf("Fuzz", ["A page of text.", "Second page."])


@settings(max_examples=400, deadline=None, database=None)
@given(st.data())
def test_mutated_pdfs_import_or_are_refused(data: st.DataObject) -> None:
    tried("document importer, PDF (mutated valid PDF)")
    raw = VALID_PDF
    mutated = raw
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(mutated) - 1))
        inserted = data.draw(st.binary(max_size=6) | st.sampled_from(
            [b"obj", b"endobj", b"stream", b"<<", b">>", b"/Length 999999", b"R", b"9999 0 R",
             b"xref", b"trailer", b"/Encrypt", b"(", b")", b"[", b"]"]))  # fmt: skip
        cut = data.draw(st.integers(0, 12))
        mutated = mutated[:position] + inserted + mutated[position + cut :]
    try:
        parse_file("paper.pdf", mutated, max_bytes=MAX_BYTES)
    except ImportRefusedError as exc:
        assert str(exc)


# -- payloads a contact can send (after the envelope verified) ---------------------------

UID = "0" * 32
payload_objects = st.fixed_dictionaries(
    {"v": st.just(1) | json_values},
    optional={
        key: json_values | st.just(UID) | st.just("a" * 64)
        for key in ("conversation", "message", "text", "expiry_days", "receipt", "messages",
                    "document", "comment", "body", "quote", "reply_to", "created_at", "kind",
                    "uid", "members", "title", "revision", "parent", "holders", "attachment")
    },
)  # fmt: skip
PAYLOAD_PARSERS: dict[str, Callable[[bytes], object]] = {
    "message": MessagePayload.from_bytes,
    "receipt": ReceiptPayload.from_bytes,
    "document": DocumentPayload.from_bytes,
    "comment": CommentPayload.from_bytes,
}


@settings(FUZZ, max_examples=600)
@given(
    st.sampled_from(sorted(PAYLOAD_PARSERS)),
    payload_objects.map(lambda d: json.dumps(d).encode()) | st.binary(max_size=200),
)
def test_payloads_are_parsed_or_refused_with_payload_error(kind: str, body: bytes) -> None:
    tried(f"payload, {kind} (decrypted body)")
    try:
        PAYLOAD_PARSERS[kind](body)
    except PayloadError as exc:
        assert str(exc)


# -- raw relay request bodies --------------------------------------------------------------


@pytest.fixture(scope="module")
def fuzz_relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RelayProcess]:
    relay = start_relay(tmp_path_factory.mktemp("fuzz-relay") / "relay.db")
    try:
        yield relay
    finally:
        relay.stop()


ONE_BYTE = base64.b64encode(b"x").decode()
DOCUMENTED = {200, 401, 404, 405, 409, 413, 422, 429, 507}
bodies = (
    st.binary(max_size=300)
    | json_values.map(lambda v: json.dumps(v).encode())
    | st.lists(
        st.fixed_dictionaries({"id": st.text(max_size=40) | st.just("ab" * 16),
                               "data": st.text(max_size=40) | st.just(ONE_BYTE)}),
        max_size=3,
    ).map(lambda e: json.dumps({"envelopes": e}).encode())
    | st.lists(st.text(max_size=40), max_size=3).map(lambda i: json.dumps({"ids": i}).encode())
    | st.integers().map(lambda n: json.dumps({"total": n}).encode())
)  # fmt: skip


@settings(max_examples=200, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(
    st.sampled_from(["deposit", "ack", "complete", "put", "put-offset"]),
    bodies,
    st.sampled_from(["application/json", "application/octet-stream", "text/plain", ""]),
)
def test_relay_answers_any_body_with_a_documented_status(
    fuzz_relay: RelayProcess, route: str, body: bytes, content_type: str
) -> None:
    tried("relay request bodies (raw, signed and unsigned)")
    owner = MailboxOwner(fuzz_relay.url)
    blob = "cd" * 32
    method, path = {
        "deposit": ("POST", f"/v1/mailboxes/{owner.mailbox}/envelopes"),
        "ack": ("POST", f"/v1/mailboxes/{owner.mailbox}/ack"),
        "complete": ("POST", f"/v1/blobs/{blob}/complete"),
        "put": ("PUT", f"/v1/blobs/{blob}?offset=0"),
        "put-offset": ("PUT", f"/v1/blobs/{blob}?offset=18446744073709551616"),
    }[route]
    headers = {"Content-Type": content_type} if content_type else {}
    if route == "ack":
        headers.update(owner.headers(method, path, body))
    response = requests.request(
        method, fuzz_relay.url + path, data=body, headers=headers, timeout=10
    )
    assert response.status_code in DOCUMENTED, (response.status_code, response.text[:200])
    assert isinstance(response.json(), dict)

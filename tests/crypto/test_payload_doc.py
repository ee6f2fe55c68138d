"""docs/PROTOCOL.md §10 and the payload parsers say the same thing, so the spec cannot drift.

Every table of keys in the document must list exactly the keys (and which are required) of
the code's table of the same name; every JSON example must parse with the real parser and
encode back to the same JSON; every refused example must be refused.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from delegate_app.core.messaging import payloads as messaging
from delegate_app.core.messaging.errors import PayloadError
from delegate_app.core.messaging.membership import group_uid
from delegate_app.core.messaging.schema import Schema
from delegate_app.core.sharing import payloads as sharing

DOC = Path(__file__).resolve().parents[2] / "docs" / "PROTOCOL.md"
SCHEMAS = {
    s.name: s
    for module in (messaging, sharing)
    for s in vars(module).values()
    if isinstance(s, Schema)
}


class _Parser:
    def __init__(self, parse: Callable[[bytes], object]) -> None:
        self.parse = parse

    def round_trip(self, body: bytes) -> bytes:
        encoded: bytes = getattr(self.parse(body), "to_bytes")()  # noqa: B009
        return encoded


PARSERS = {
    messaging.MESSAGE_TYPE: _Parser(messaging.MessagePayload.from_bytes),
    messaging.RECEIPT_TYPE: _Parser(messaging.ReceiptPayload.from_bytes),
    sharing.DOCUMENT_TYPE: _Parser(sharing.DocumentPayload.from_bytes),
    sharing.COMMENT_TYPE: _Parser(sharing.CommentPayload.from_bytes),
    messaging.GROUP_UPDATE_TYPE: _Parser(messaging.GroupUpdatePayload.from_bytes),
}


def _section() -> str:
    text = DOC.read_text(encoding="utf-8")
    return text[text.index("## 10. Application payloads") :]


def _documented_tables() -> dict[str, dict[str, str]]:
    """``Object `name`:`` followed by a table whose rows are | `key` | type | presence | …"""
    tables: dict[str, dict[str, str]] = {}
    for match in re.finditer(r"^Object `([^`]+)`:\n\n((?:\|.*\n)+)", _section(), re.M):
        rows = match.group(2).splitlines()[2:]  # after the header and the rule
        keys = {}
        for row in rows:
            cells = [c.strip() for c in row.strip("|").split("|")]
            keys[cells[0].strip("`")] = cells[2]
        assert match.group(1) not in tables, f"{match.group(1)} is documented twice"
        tables[match.group(1)] = keys
    return tables


def _examples(info: str) -> list[tuple[str, str]]:
    return re.findall(rf"^```{info} (\S+)\n(.*?)^```", _section(), re.M | re.S)


def test_every_payload_table_of_the_code_is_documented_with_the_same_keys() -> None:
    documented = _documented_tables()
    assert set(documented) == set(SCHEMAS)
    for name, schema in SCHEMAS.items():
        assert documented[name] == {k: p.value for k, p in schema.keys.items()}, name


def test_the_tables_cover_every_key_the_encoders_write() -> None:
    # Encoding checks its own output against the table; the examples exercise every encoder.
    assert {ctype for ctype, _body in _examples("json")} == set(PARSERS)


@pytest.mark.parametrize(("content_type", "example"), _examples("json"))
def test_each_documented_example_parses_and_encodes_back_to_itself(
    content_type: str, example: str
) -> None:
    encoded = PARSERS[content_type].round_trip(example.encode())
    assert json.loads(encoded) == json.loads(example)
    assert encoded == json.dumps(json.loads(example), separators=(",", ":")).encode()


def _refused() -> list[tuple[str, str]]:
    (block,) = re.findall(r"^```text refused\n(.*?)^```", _section(), re.M | re.S)
    return [(line.split(" ", 1)[0], line.split(" ", 1)[1]) for line in block.splitlines()]


@pytest.mark.parametrize(("content_type", "body"), _refused())
def test_each_documented_refusal_is_refused(content_type: str, body: str) -> None:
    with pytest.raises(PayloadError):
        PARSERS[content_type].parse(body.encode())


def test_there_is_a_refused_example_for_every_content_type() -> None:
    assert {ctype for ctype, _body in _refused()} == set(PARSERS)


def test_the_documented_group_id_derives_from_its_creator_and_nonce() -> None:
    ((_ctype, example),) = [e for e in _examples("json") if e[0] == messaging.GROUP_UPDATE_TYPE]
    update = messaging.GroupUpdatePayload.from_bytes(example.encode())
    creator = "3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29"
    assert creator in update.members
    assert group_uid(creator, update.nonce) == update.group_uid

"""Property-based fuzzing of the relay against its own OpenAPI description.

Each operation in /openapi.json gets ``EXAMPLES_PER_OPERATION`` generated requests
(valid and invalid by the schema), sent to a real relay on loopback. Besides "no server
error", every answer must match the documented status codes, content types and
response schemas, and input the schema forbids must be refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.faults.report import tried as count_tried
from tests.relay_server import RelayProcess

EXAMPLES_PER_OPERATION = 60
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
]


@pytest.fixture(scope="module")
def fuzz_relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RelayProcess]:
    db: Path = tmp_path_factory.mktemp("fuzz") / "relay.db"
    relay = RelayProcess(
        db, "--rate-per-client-per-minute", "1000000", "--rate-per-mailbox-per-minute", "1000000"
    ).start()
    try:
        yield relay
    finally:
        relay.stop()


def test_no_server_errors(fuzz_relay: RelayProcess) -> None:
    schema = schemathesis.openapi.from_url(f"{fuzz_relay.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 10
    tried: list[str] = []
    for operation in operations:

        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        @given(case=operation.as_strategy(), _=st.just(None))
        def exercise(case: schemathesis.Case, _: None) -> None:  # type: ignore[type-arg]
            case.call_and_validate(base_url=fuzz_relay.url, checks=CHECKS, timeout=10)
            tried.append(case.operation.label)
            count_tried("relay API, every operation (schemathesis)")

        exercise()
    print(f"schemathesis: {len(tried)} requests over {len(operations)} operations, all conform")
    assert len(tried) >= len(operations) * 5

"""The API fuzzed by schemathesis against its own OpenAPI document: whatever it sends, with a valid token or
without, no call ends in a server error. Bounded (ECOPETITION_FUZZ_EXAMPLES, default 25 per operation and mode, valid and invalid data) so that
`make test` stays quick."""
from __future__ import annotations

import os
from itertools import product

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from tests.api.conftest import ADMIN
from tests.web.helpers import register
from workflows.channels.tokens import create_token

EXAMPLES = int(os.environ.get("ECOPETITION_FUZZ_EXAMPLES", "25"))


@pytest.fixture
def api_schema(app, services):
    """The schema served by the app, and a token of a registrar and handler at 西湖 with one case to find."""
    register(services, "reg-xh")
    issued = create_token(services, ADMIN, "fuzzer", "EEB-330106", ["registrar", "handler"])
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    schema.fuzz_headers = {"Authorization": f"Bearer {issued.secret}"}
    return schema


def test_no_call_ends_in_a_server_error(api_schema):
    token = {"Authorization": api_schema.fuzz_headers["Authorization"]}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 10
    for operation, mode in product(operations, (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)):
        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def fuzz(case):
            response = case.call(headers=token)
            case.validate_response(response, checks=[not_a_server_error])
            assert case.call(headers={"Authorization": "Bearer eco_not-a-token"}).status_code in (401, 404, 405)
        fuzz()

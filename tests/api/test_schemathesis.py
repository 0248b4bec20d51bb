"""Schemathesis against the live app: every operation of /api/v1/openapi.json, over real HTTP
with a real API key, with every check schemathesis has, positive and negative data. Any 5xx,
any answer that does not match the document (status, content type, headers, body schema,
formats such as date-time), and any invalid input that is accepted fails the suite."""

from __future__ import annotations

import os

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks

from app.api.openapi import openapi_document

load_all_checks()
# All of them. object_level_authorization only acts with peer identities configured in
# schemathesis' own config; tests/security/test_company_isolation.py covers that ground.
ALL_CHECKS = CHECKS.get_all()
# Enough to find the classic crashes (huge ints, NULs, odd types) on every operation, few
# enough for a minute or two on two cores; SCHEMATHESIS_EXAMPLES=2000 for a longer hunt.
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "200"))
# The same examples every run in the suite (a failure reproduces); fresh ones on a hunt.
SAME_EXAMPLES = "SCHEMATHESIS_EXAMPLES" not in os.environ


@pytest.fixture(scope="module")
def api_key(app, live_url) -> str:  # type: ignore[no-untyped-def]
    """A company with a customer and an invoice, so fetches by source_id can find something."""
    import uuid

    from app.companies import create_company

    suffix = uuid.uuid4().hex[:8]
    with app.app_context():
        key = create_company(f"Schema {suffix}", f"schema-{suffix}@example.test",
                             f"pw-{suffix}-long-enough", "admin").api_key
    headers = {"Authorization": f"Bearer {key}"}
    for path, body in (
        ("customers", {"source_id": "ST-C", "name": "Schema Test"}),
        ("invoices", {"source_id": "ST-I", "number": "ST-1", "customer_source_id": "ST-C",
                      "date": "2026-03-01", "amounts_are": "exclusive",
                      "lines": [{"description": "Work", "quantity": 1, "unit_price": 10,
                                 "account": "sales", "tax_rate": "standard"}]}),
    ):
        answer = requests.post(f"{live_url}/api/v1/{path}", json=body, headers=headers,
                               timeout=30)
        assert answer.status_code in (200, 201), answer.text
    return key


# The document as the app builds it (the same function serves /api/v1/openapi.json, which
# test_openapi_and_runs.py compares); loading it here gives one test per operation.
schema = schemathesis.openapi.from_dict(openapi_document())
# A body the document allows can still be refused with a 422 for what the document does not
# say: its customer, account or invoice does not exist here, its lines do not add up to its
# total, a money amount has more than 2 decimal places. Every other status stays checked.
schema.config.checks.positive_data_acceptance.expected_statuses = [
    *schema.config.checks.positive_data_acceptance.expected_statuses, "422"]


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=SAME_EXAMPLES,
          suppress_health_check=list(HealthCheck))
def test_api_matches_its_openapi_document(case, api_key, live_url):  # type: ignore[no-untyped-def]
    case.call_and_validate(base_url=f"{live_url}/api/v1",
                           headers={"Authorization": f"Bearer {api_key}"}, checks=ALL_CHECKS)

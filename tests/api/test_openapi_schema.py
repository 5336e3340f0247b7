"""The HTTP service answers as its OpenAPI schema says: a bounded schemathesis run.

Requests generated from the live schema, valid and invalid ones, go to the application over
ASGI; every answer must be free of server errors, carry a documented status code and content
type, and have a body that matches the documented schema (problems included). The operations
are walked with schemathesis's Hypothesis strategies (its pytest plugin does not run on this
pytest).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.test_accounts_api import sign_in
from tests.support import World
from wallet_api.app import create_app

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,  # a request the schema forbids is refused (its limits are real)
    allow_header_conformance,  # a 405 names the methods the path takes
]
# Examples per operation and per mode: a bounded run. A longer hunt, or one operation only:
# set SOU_SCHEMA_EXAMPLES=200, SOU_SCHEMA_ONLY="POST /v1/transfers" (part of a label).
EXAMPLES = int(os.environ.get("SOU_SCHEMA_EXAMPLES", "10"))


def check_operation(
    operation: Any, mode: GenerationMode, headers: dict[str, str], examples: int
) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        case.call_and_validate(checks=CHECKS, headers=headers)

    check()


def leaves(error: BaseException) -> Iterator[BaseException]:
    if isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:
            yield from leaves(inner)
    else:
        yield error


PARTS = 3  # the operations in three parts, so that two test processes share the work


@pytest.mark.parametrize("part", range(PARTS))
@pytest.mark.parametrize("caller", ["anonymous", "treasurer", "merchant"])
def test_every_operation_answers_as_its_schema_says(world: World, caller: str, part: int) -> None:
    """Without a token most operations stop at 401; with the treasurer's, the association's
    operations take the generated bodies in; with a merchant's, the shop's."""
    alice, shop = world.resident(balance=20_00), world.merchant()
    world.pay(alice, shop, 5_00)
    app = create_app(world.ledger)
    headers: dict[str, str] = {}
    if caller != "anonymous":
        with TestClient(app) as client:
            headers = sign_in(client, world.treasurer if caller == "treasurer" else shop)
    examples = EXAMPLES if caller == "anonymous" else max(1, EXAMPLES // 2)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    rejection = schema.config.checks.negative_data_rejection  # a body too large is refused too
    rejection.expected_statuses = [*rejection.expected_statuses, "413"]
    operations = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):  # a part of the schema schemathesis cannot read
            raise result.err()
        operations.append(result.ok())
    only = os.environ.get("SOU_SCHEMA_ONLY")
    operations = [o for o in operations if not only or only in o.label]
    assert len(operations) >= (1 if only else 15)
    failures = []
    for operation in operations[part::PARTS]:
        # Without parameters or a body, an operation has no invalid request to make.
        takes_input = any(operation.iter_parameters()) or bool(operation.body)
        modes = [GenerationMode.POSITIVE] + ([GenerationMode.NEGATIVE] if takes_input else [])
        for mode in modes:
            try:
                check_operation(operation, mode, headers, examples)
            except (Exception, BaseExceptionGroup) as error:
                failures += [f"{operation.label} ({mode}): {e!r}" for e in leaves(error)]
    assert not failures, "\n\n".join(failures)

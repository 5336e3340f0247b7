"""The record types' registry: every type has its module's schema, body, references and rules."""

from __future__ import annotations

import dataclasses
import importlib

import pytest

from ledger.domain.enums import RecordType
from ledger.domain.kind import LedgerKind, Operation, OperationKind, Record
from ledger.domain.registry import KINDS, LEDGER_SIGNED
from ledger.domain.transfer import Transfer
from ledger.records import check_record, make_signed, prefix
from tests.vectors import load_vectors

VECTORS = load_vectors()


def test_the_registry_covers_every_record_type() -> None:
    assert set(KINDS) == set(RecordType)
    assert {"genesis", "ledger_key", "account", "key"} == LEDGER_SIGNED


@pytest.mark.parametrize("record_type", list(RecordType))
def test_each_type_is_found_in_its_own_module(record_type: RecordType) -> None:
    module = importlib.import_module(f"ledger.domain.{record_type.value}")
    kind = KINDS[record_type]
    assert kind is module.KIND and kind.type is record_type
    assert kind.schema is module.SCHEMA
    assert kind.references is getattr(module, "references", kind.references)
    assert kind.apply is module.apply
    assert prefix(record_type) == f"SOU-{record_type.upper().replace('_', '-')}-V1\n".encode()


@pytest.mark.parametrize("record_type", list(RecordType))
def test_each_schema_names_the_common_fields(record_type: RecordType) -> None:
    schema = KINDS[record_type].schema
    assert {"v", "type", "ledger", "kid"} <= schema.keys()
    body = KINDS[record_type].parse.__self__  # type: ignore[attr-defined]  # a classmethod's class
    assert isinstance(body, type) and dataclasses.is_dataclass(body) and issubclass(body, Record)
    # Operations (with a validity window) are idempotent by their nonce and signed by a key.
    if "expires" in schema:
        assert issubclass(body, Operation) and isinstance(KINDS[record_type], OperationKind)
    else:
        assert not issubclass(body, Operation)
    ledger_signed = isinstance(KINDS[record_type], LedgerKind)
    assert ledger_signed == (record_type in LEDGER_SIGNED)


def test_a_body_is_built_once_from_the_checked_record() -> None:
    vector = VECTORS["transfer"]
    record = make_signed(vector["record"], bytes(64))
    body = record.body
    assert isinstance(body, Transfer)
    assert (body.payer, body.payee) == (int(vector["record"]["from"]), int(vector["record"]["to"]))
    assert record.type is RecordType.TRANSFER
    assert str(record.type) == "transfer"
    assert check_record(dict(record.record)) == "transfer"


def test_enum_members_are_their_strings() -> None:
    # the signed bytes, the stored rows and the JSON bodies hold the same strings as before
    by_type: dict[str, int] = {RecordType.TRANSFER: 1}
    assert by_type["transfer"] == 1
    assert f"{RecordType.PAPER_ISSUE}" == "paper_issue"

"""The pain.001 payout file: valid against the official XSD, totals exact to the cent."""

from __future__ import annotations

import datetime as dt
import hashlib
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import get_args

import pytest
import xmlschema
from hypothesis import given, settings
from hypothesis import strategies as st

from merchants.errors import InvalidIban, SepaError
from merchants.sepa import (
    Debtor,
    Payout,
    Schema,
    batch_totals,
    credit_transfer_file,
    file_totals,
    schema_path,
    sepa_text,
    validate,
)

ASSOCIATION = Debtor(
    "Association de la Monnaie Locale d'Île-de-France",
    "FR76 3000 6000 0112 3456 7890 189",
    "agrifrpp",
)
CREATED = int(dt.datetime(2026, 6, 1, 9, 30, tzinfo=dt.UTC).timestamp())
EXECUTION = dt.date(2026, 6, 2)
SCHEMAS: tuple[Schema, ...] = get_args(Schema)
OFFICIAL_XSD = {schema: xmlschema.XMLSchema(schema_path(schema)) for schema in SCHEMAS}


def reconversion_id(n: int) -> str:
    return hashlib.sha256(f"reconversion {n}".encode()).hexdigest()


def payout(
    n: int, amount: int, *, name: str = "Boulangerie Dupré & Fils", bic: str | None = None
) -> Payout:
    return Payout(
        reconversion=reconversion_id(n),
        name=name,
        iban="DE89 3704 0044 0532 0130 00" if n % 2 else "FR7630006000011234567890189",
        amount=amount,
        remittance=f"Reconversion Sou n°{n} — juin 2026",
        bic=bic,
    )


def make_file(payouts: Sequence[Payout], schema: Schema = "pain.001.001.09") -> bytes:
    return credit_transfer_file(
        ASSOCIATION,
        payouts,
        message_id="SOU-PAYOUT-2026-06-01",
        created=CREATED,
        execution_date=EXECUTION,
        schema=schema,
    )


def transactions(xml: bytes, schema: Schema) -> list[dict[str, str]]:
    ns = {"p": f"urn:iso:std:iso:20022:tech:xsd:{schema}"}
    root = ET.fromstring(xml)
    return [
        {
            "e2e": tx.findtext("p:PmtId/p:EndToEndId", "", ns),
            "amount": tx.findtext("p:Amt/p:InstdAmt", "", ns),
            "name": tx.findtext("p:Cdtr/p:Nm", "", ns),
            "iban": tx.findtext("p:CdtrAcct/p:Id/p:IBAN", "", ns),
            "text": tx.findtext("p:RmtInf/p:Ustrd", "", ns),
        }
        for tx in root.iterfind(".//p:CdtTrfTxInf", ns)
    ]


def header(xml: bytes, schema: Schema, field: str) -> str:
    ns = {"p": f"urn:iso:std:iso:20022:tech:xsd:{schema}"}
    return ET.fromstring(xml).findtext(f"p:CstmrCdtTrfInitn/p:GrpHdr/p:{field}", "", ns)


@pytest.mark.parametrize("schema", SCHEMAS)
def test_the_payout_file_is_valid_against_the_official_xsd(schema: Schema) -> None:
    xml = make_file(
        [payout(1, 123_45), payout(2, 5), payout(3, 1_000_000_00, bic="cobadeff")], schema
    )
    OFFICIAL_XSD[schema].validate(xml.decode())
    assert f"urn:iso:std:iso:20022:tech:xsd:{schema}".encode() in xml


@pytest.mark.parametrize("schema", SCHEMAS)
def test_the_payout_file_states_the_count_and_the_sum_of_its_transfers(schema: Schema) -> None:
    xml = make_file([payout(1, 123_45), payout(2, 5), payout(3, 99_00)], schema)
    assert header(xml, schema, "NbOfTxs") == "3"
    assert header(xml, schema, "CtrlSum") == "222.50"
    assert [t["amount"] for t in transactions(xml, schema)] == ["123.45", "0.05", "99.00"]
    assert file_totals(xml, schema) == batch_totals(
        [payout(1, 123_45), payout(2, 5), payout(3, 99_00)]
    )


def test_each_transfer_names_its_reconversion_and_its_merchant_in_the_sepa_character_set() -> None:
    xml = make_file([payout(1, 10_00), payout(2, 20_00)])
    first, second = transactions(xml, "pain.001.001.09")
    assert first["e2e"] == reconversion_id(1)[:32]
    assert second["e2e"] == reconversion_id(2)[:32]
    assert first["name"] == "Boulangerie Dupre + Fils"
    assert first["iban"] == "DE89370400440532013000"
    assert second["iban"] == "FR7630006000011234567890189"
    assert first["text"] == "Reconversion Sou n 1 juin 2026"
    assert b"Association de la Monnaie Locale d'Ile-de-France" in xml


def test_the_same_batch_always_gives_the_same_file() -> None:
    batch = [payout(1, 10_00), payout(2, 20_00)]
    xml = make_file(batch)
    assert make_file(batch) == xml
    assert header(xml, "pain.001.001.09", "MsgId") == "SOU-PAYOUT-2026-06-01"
    assert header(xml, "pain.001.001.09", "CreDtTm") == "2026-06-01T11:30:00"  # Paris time


@settings(max_examples=25, deadline=None)
@given(amounts=st.lists(st.integers(1, 2**31 - 1), min_size=1, max_size=12))
def test_the_control_sum_is_the_exact_sum_of_any_batch(amounts: list[int]) -> None:
    xml = make_file([payout(n, amount) for n, amount in enumerate(amounts)])
    OFFICIAL_XSD["pain.001.001.09"].validate(xml.decode())
    units, _, cents = header(xml, "pain.001.001.09", "CtrlSum").partition(".")
    assert int(units) * 100 + int(cents) == sum(amounts)
    assert header(xml, "pain.001.001.09", "NbOfTxs") == str(len(amounts))


def test_a_payout_to_an_invalid_iban_is_refused_with_a_typed_error() -> None:
    bad = Payout(reconversion_id(1), "Café", "FR7630006000011234567890188", 10_00, "x")
    with pytest.raises(InvalidIban):
        make_file([bad])


def test_an_empty_batch_is_refused() -> None:
    with pytest.raises(SepaError):
        make_file([])


def test_a_reconversion_paid_twice_in_one_batch_is_refused() -> None:
    with pytest.raises(SepaError):
        make_file([payout(1, 10_00), payout(1, 10_00)])


@pytest.mark.parametrize("amount", [0, -1, 2**31, 10.5])
def test_a_payout_of_no_whole_positive_amount_is_refused(amount: object) -> None:
    with pytest.raises(SepaError):
        make_file([payout(1, amount)])  # type: ignore[arg-type]


@pytest.mark.parametrize("message_id", ["", "x" * 33, "with space", "é"])
def test_a_message_id_outside_the_sepa_rules_is_refused(message_id: str) -> None:
    with pytest.raises(SepaError):
        credit_transfer_file(
            ASSOCIATION,
            [payout(1, 1_00)],
            message_id=message_id,
            created=CREATED,
            execution_date=EXECUTION,
        )


def test_validation_catches_a_tampered_control_sum() -> None:
    xml = make_file([payout(1, 10_00), payout(2, 20_00)])
    tampered = xml.replace(b"<CtrlSum>30.00</CtrlSum>", b"<CtrlSum>30.01</CtrlSum>", 1)
    assert tampered != xml
    with pytest.raises(SepaError):
        validate(tampered)


def test_validation_catches_a_file_the_xsd_refuses() -> None:
    xml = make_file([payout(1, 10_00)])
    broken = xml.replace(b"<ChrgBr>SLEV</ChrgBr>", b"<ChrgBr>NONE</ChrgBr>")
    assert broken != xml
    with pytest.raises(SepaError):
        validate(broken)


def test_sepa_text_keeps_only_the_sepa_latin_character_set() -> None:
    assert sepa_text("Œuvre « Ça » & Cie_2026 ; €", 140) == "OEuvre Ca + Cie 2026"
    assert sepa_text("a" * 200, 70) == "a" * 70

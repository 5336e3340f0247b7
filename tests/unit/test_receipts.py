"""A receipt's bytes are filled into a template: they must be its canonical JSON, always."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ledger.receipts import receipt_bytes, receipt_record
from ledger.records import MAX_AMOUNT, canonical_json, prefix

hexes = st.text("0123456789abcdef", min_size=64, max_size=64)
accounts = st.integers(1, 9_999_999_999).map(str)


@given(
    host=st.from_regex(r"[a-z0-9]([a-z0-9.-]{0,30}[a-z0-9])?(:[0-9]{1,5})?", fullmatch=True),
    unit=st.from_regex(r"[A-Z][A-Z0-9]{2,9}", fullmatch=True),
    payer=accounts,
    payee=accounts,
    amount=st.integers(1, MAX_AMOUNT),
    payreq=st.none() | hexes,
    ref=st.none() | hexes,
    transfer=hexes,
    entry=st.integers(0, 2**53 - 1),
    accepted=st.integers(0, 253_402_300_799),  # up to 9999-12-31T23:59:59Z
)
def test_the_template_gives_the_canonical_json_of_the_receipt(
    host: str,
    unit: str,
    payer: str,
    payee: str,
    amount: int,
    payreq: str | None,
    ref: str | None,
    transfer: str,
    entry: int,
    accepted: int,
) -> None:
    record = {
        "ledger": host,
        "currency": unit,
        "from": payer,
        "to": payee,
        "amount": amount,
        "payreq": payreq,
        "ref": ref,
    }
    expected = prefix("receipt") + canonical_json(
        receipt_record(record, transfer_id=transfer, entry=entry, accepted=accepted)
    )
    assert receipt_bytes(record, transfer_id=transfer, entry=entry, accepted=accepted) == expected

"""Record shapes: canonical bytes, the vectors, and log leaves read back (FORMATS.md §4, §10)."""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable
from typing import Any

import pytest
import rfc8785
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.errors import FormatError, MalformedRecord, NotCanonical
from ledger.memos import commitment, new_memo
from ledger.receipts import make_receipt, verify_receipt
from ledger.records import (
    MAX_AMOUNT,
    MAX_SAFE_INT,
    SignedRecord,
    canonical_json,
    make_signed,
    parse_envelope,
    parse_leaf,
    parse_time,
    prefix,
    sign_record,
)
from ledger.signing import SigningKey, b64url_decode, b64url_encode, verify
from tests.vectors import load_vectors

VECTORS = load_vectors()
TRANSFER = VECTORS["transfer"]
RECEIPT = VECTORS["receipt"]
ACCEPTED = 1_773_483_331  # 2026-03-14T10:15:31Z, the receipt vector's `accepted`


def _key(name: str) -> SigningKey:
    return SigningKey.from_private_bytes(bytes.fromhex(VECTORS["keys"][name]["private_hex"]))


PAYER = _key("payer_phone")
LEDGER = _key("ledger")


def _vector_transfer() -> SignedRecord:
    return make_signed(TRANSFER["record"], b64url_decode(TRANSFER["sig"]))


def _transfer_json(**changes: object) -> dict[str, Any]:
    record: dict[str, Any] = load_vectors()["transfer"]["record"]
    record.update(changes)
    return record


# --- canonical JSON ---------------------------------------------------------------------------

record_values = st.one_of(
    st.text(),  # any unicode but lone surrogates: controls, quotes, backslashes, non-BMP
    st.text(alphabet=st.sampled_from('"\\/\b\f\n\r\t\x00\x1f\x7f\u2028\u2029é😀')),
    st.integers(min_value=-MAX_SAFE_INT, max_value=MAX_SAFE_INT),
    st.none(),
)
records = st.dictionaries(
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x7F), max_size=12),
    record_values,
    max_size=14,
)


# The first run in a fresh checkout builds Hypothesis's Unicode tables: slow, but once.
TEXT_SETTINGS = settings(suppress_health_check=[HealthCheck.too_slow])


@TEXT_SETTINGS
@given(records)
def test_canonical_json_is_rfc8785_for_every_record_of_strings_integers_and_null(
    record: dict[str, str | int | None],
) -> None:
    assert canonical_json(record) == rfc8785.dumps(record)


def test_canonical_json_sorts_keys_and_writes_text_unescaped() -> None:
    record: dict[str, str | int | None] = {
        "b": 1,
        "a": "é😀\u2028",
        "c": None,
        "A": -(2**53 - 1),
        "q": '"\\\n\x01',
    }
    expected = '{"A":-9007199254740991,"a":"é😀\u2028","b":1,"c":null,"q":"\\"\\\\\\n\\u0001"}'
    assert canonical_json(record) == expected.encode()
    assert canonical_json(record) == rfc8785.dumps(record)


# --- the transfer and receipt vectors ---------------------------------------------------------


def test_the_transfer_vector_is_reproduced_byte_for_byte() -> None:
    record = _vector_transfer()
    assert record.type == "transfer"
    assert record.signed == TRANSFER["signed_bytes_utf8"].encode()
    assert record.id == TRANSFER["id"]
    assert b64url_encode(record.sig) == TRANSFER["sig"]
    assert record.envelope() == TRANSFER["envelope"]
    verify(PAYER.public_bytes, record.signed, record.sig)


def test_signing_the_transfer_vector_with_the_payer_key_gives_its_signature() -> None:
    signed = sign_record(TRANSFER["record"], PAYER)
    assert signed.kid == VECTORS["keys"]["payer_phone"]["kid"]
    assert b64url_encode(signed.sig) == TRANSFER["sig"]
    assert signed.leaf == TRANSFER["signed_bytes_utf8"].encode() + b64url_decode(TRANSFER["sig"])


def test_the_transfer_vector_envelope_parses_to_the_same_record() -> None:
    parsed = parse_envelope(load_vectors()["transfer"]["envelope"])
    assert parsed == _vector_transfer()
    assert parsed.id == TRANSFER["id"]
    assert dict(parsed.record) == TRANSFER["record"]


def test_the_transfer_id_is_the_hash_of_the_signed_bytes_never_of_the_signature() -> None:
    record = _vector_transfer()
    other_sig = make_signed(TRANSFER["record"], bytes(64))
    assert other_sig.id == record.id
    assert other_sig.leaf != record.leaf


def test_the_receipt_vector_is_reproduced_byte_for_byte() -> None:
    assert parse_time(RECEIPT["record"]["accepted"]) == ACCEPTED
    receipt = make_receipt(
        TRANSFER["record"],
        transfer_id=TRANSFER["id"],
        entry=7,
        accepted=ACCEPTED,
        key=LEDGER,
    )
    assert receipt.record == RECEIPT["record"]
    assert receipt.signed == RECEIPT["signed_bytes_utf8"].encode()
    assert receipt.signed.startswith(prefix("receipt"))
    assert b64url_encode(receipt.sig) == RECEIPT["sig"]
    assert receipt.envelope() == RECEIPT["envelope"]
    verify_receipt(receipt, ledger_key=LEDGER.public_bytes)


def test_the_receipt_vector_id_is_the_hash_of_its_signed_bytes() -> None:
    assert hashlib.sha256(RECEIPT["signed_bytes_utf8"].encode()).hexdigest() == RECEIPT["id"]


# --- log leaves -------------------------------------------------------------------------------


def test_a_leaf_reads_back_as_the_record_it_was_made_from() -> None:
    record = _vector_transfer()
    parsed = parse_leaf(record.leaf)
    assert parsed == record
    assert parsed.id == TRANSFER["id"]


memos = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs", "Cc"), blacklist_characters="\x7f", min_codepoint=0
    ),
    max_size=140,
).filter(lambda s: unicodedata.is_normalized("NFC", s))


@TEXT_SETTINGS
@given(
    amount=st.integers(min_value=1, max_value=MAX_AMOUNT),
    memo=memos,
    ref=st.none() | st.text(alphabet="0123456789abcdef", min_size=64, max_size=64),
    sig=st.binary(min_size=64, max_size=64),
)
def test_every_transfer_leaf_round_trips(
    amount: int, memo: str, ref: str | None, sig: bytes
) -> None:
    text = new_memo(memo)
    record = make_signed(_transfer_json(amount=amount, memo=commitment(text), ref=ref), sig, text)
    parsed = parse_leaf(record.leaf)
    assert parsed.leaf == record.leaf and parsed.id == record.id
    assert dict(parsed.record) == dict(record.record)
    assert parsed.memo is None  # the text is not in the leaf: it travels beside it
    envelope = record.envelope()
    assert ("memo" in envelope) == bool(memo)
    assert parse_envelope(envelope) == record


def _genesis_json() -> str:
    """A genesis record's JSON: its `unit_name` is free text, signed in the log."""
    record = {
        "v": 1,
        "type": "genesis",
        "ledger": "pay.example.org",
        "currency": "RTZ",
        "unit_name": "é/x",
        "ledger_key": "00" * 32,
        "kid": "0badc0de",
        "created": "2026-03-14T10:15:30Z",
    }
    return canonical_json(record).decode()


def _leaf_of(json_text: str, *, head: bytes = prefix("transfer")) -> bytes:
    return head + json_text.encode() + bytes(64)


def _vector_json() -> str:
    text: str = TRANSFER["signed_bytes_utf8"].split("\n", 1)[1]
    return text


NON_CANONICAL: dict[str, Callable[[str], str]] = {
    "extra space": lambda s: s.replace('"amount":1250', '"amount": 1250'),
    "trailing newline": lambda s: s + "\n",
    "reordered keys": lambda s: '{"v":1,' + s[1:].replace(',"v":1}', "}"),
    "duplicate key": lambda s: s.replace('"amount":1250,', '"amount":1250,"amount":1250,'),
    "escaped letter": lambda s: s.replace('"currency":"RTZ"', '"currency":"\\u0052TZ"'),
}
NON_CANONICAL_TEXT: dict[str, Callable[[str], str]] = {
    "escaped slash": lambda s: s.replace("é/x", "é\\/x"),
    "escaped letter": lambda s: s.replace("é/x", "\\u00e9/\\u0078"),
    "escaped non-ASCII": lambda s: s.replace("é/x", "\\u00e9/x"),
}


@pytest.mark.parametrize("change", NON_CANONICAL.values(), ids=NON_CANONICAL.keys())
def test_a_leaf_that_is_not_canonical_json_is_refused(change: Callable[[str], str]) -> None:
    text = change(_vector_json())
    assert text != _vector_json()
    with pytest.raises(NotCanonical):
        parse_leaf(_leaf_of(text))


def test_the_genesis_leaf_of_the_text_tests_is_canonical() -> None:
    assert parse_leaf(_leaf_of(_genesis_json(), head=prefix("genesis"))).type == "genesis"


@pytest.mark.parametrize("change", NON_CANONICAL_TEXT.values(), ids=NON_CANONICAL_TEXT.keys())
def test_a_leaf_whose_free_text_is_not_canonical_is_refused(change: Callable[[str], str]) -> None:
    text = change(_genesis_json())
    assert text != _genesis_json()
    with pytest.raises(NotCanonical):
        parse_leaf(_leaf_of(text, head=prefix("genesis")))


def test_a_leaf_with_an_unknown_prefix_is_refused() -> None:
    for head in (b"SOU-PAYMENT-V1\n", b"SOU-TRANSFER-V2\n", b"sou-transfer-v1\n", b"\n", b""):
        with pytest.raises(MalformedRecord, match="prefix"):
            parse_leaf(_leaf_of(_vector_json(), head=head))


def test_a_leaf_with_the_receipt_prefix_is_refused_since_receipts_are_not_log_entries() -> None:
    with pytest.raises(MalformedRecord, match="prefix"):
        parse_leaf(_leaf_of(_vector_json(), head=prefix("receipt")))


def test_a_leaf_whose_type_does_not_match_its_prefix_is_refused() -> None:
    with pytest.raises(MalformedRecord, match="does not match"):
        parse_leaf(_leaf_of(_vector_json(), head=prefix("conversion")))


def test_a_leaf_too_short_to_hold_a_signature_is_refused() -> None:
    with pytest.raises(MalformedRecord):
        parse_leaf(bytes(64))


def test_a_leaf_that_is_not_json_is_refused() -> None:
    for text in ("{", "[]", '"x"', "{}"):
        with pytest.raises(MalformedRecord):
            parse_leaf(_leaf_of(text))
    with pytest.raises(MalformedRecord):
        parse_leaf(prefix("transfer") + b"\xff\xfe" + bytes(64))


def test_a_leaf_with_a_float_amount_is_refused() -> None:
    with pytest.raises(MalformedRecord, match="amount"):
        parse_leaf(_leaf_of(_vector_json().replace('"amount":1250', '"amount":1250.0')))


def test_a_leaf_with_a_lone_surrogate_in_its_text_is_refused_as_malformed() -> None:
    # "\ud800" is valid JSON syntax but no Unicode text: there are no canonical bytes for it
    # (RFC 8785 requires I-JSON), so the leaf must be refused, not crash the reader.
    text = _genesis_json().replace("é/x", "\\ud800")
    with pytest.raises(FormatError):
        parse_leaf(_leaf_of(text, head=prefix("genesis")))


def test_an_envelope_with_a_lone_surrogate_in_its_memo_is_refused_as_malformed() -> None:
    envelope = load_vectors()["transfer"]["envelope"]
    envelope["memo"] = {"text": "\ud800", "salt": b64url_encode(bytes(16))}
    with pytest.raises(MalformedRecord):
        parse_envelope(envelope)


@pytest.mark.parametrize(
    "digits",
    ["٠١٢٣٤٥٦٧٨٩", "０１２３４５６７８９", "߀߁߂߃߄߅߆߇߈߉"],
    ids=["arabic-indic", "fullwidth", "nko"],
)
def test_a_time_written_with_other_digits_than_ascii_is_malformed(digits: str) -> None:
    # RFC 3339 times are ASCII: "٢٠٢٦-٠٣-١٤T…" must not be read as 2026-03-14, or two
    # verifiers (this one, a browser's) disagree on which records are well formed.
    created = "".join(digits[int(c)] if c.isdigit() else c for c in TRANSFER["record"]["created"])
    with pytest.raises(MalformedRecord):
        make_signed(_transfer_json(created=created), bytes(64))

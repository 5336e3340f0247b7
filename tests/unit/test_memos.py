"""Memos beside the log (ledger.memos): the record signs a salted commitment, never the text."""

from __future__ import annotations

from typing import Any

import pytest

from ledger.errors import MalformedRecord
from ledger.memos import Memo, new_memo, parse_memo
from ledger.records import operation, parse_envelope, parse_leaf
from ledger.signing import SigningKey, b64url_encode
from tests.vectors import load_vectors

# The example of docs/FORMATS.md §4 (the browser gives the same: tests/e2e/test_formats.py)
SALT = bytes(range(16))
TEXT = "Pain et fromage, merci !"
COMMITMENT = "792f06ab9378e8d43cbb86c7fab4401c9e8a497c21156ce10f64840ffdf2cecd"


def test_the_commitment_is_the_sha256_of_prefix_salt_and_text() -> None:
    assert Memo(TEXT, SALT).commitment == COMMITMENT
    assert Memo(TEXT, SALT).envelope() == {"text": TEXT, "salt": b64url_encode(SALT)}


def test_two_memos_of_the_same_text_have_different_commitments() -> None:
    first, second = new_memo("Loyer"), new_memo("Loyer")
    assert first is not None and second is not None
    assert first.commitment != second.commitment
    assert new_memo("") is None


def _signed_with_memo(text: str = TEXT) -> dict[str, Any]:
    key = SigningKey.generate()
    record = operation(
        "transfer",
        key=key,
        host="pay.example.org",
        currency="RTZ",
        now=1_773_483_330,
        memo=text,
        from_="1001",
        to="1042",
        amount=1250,
        payreq=None,
        ref=None,
    )
    envelope: dict[str, Any] = record.envelope()
    return envelope


def test_the_text_travels_beside_the_record_and_never_inside_its_leaf() -> None:
    envelope = _signed_with_memo()
    record = parse_envelope(envelope)
    assert record.memo is not None and record.memo.text == TEXT
    assert record.record["memo"] == record.memo.commitment
    assert TEXT.encode() not in record.leaf
    assert parse_leaf(record.leaf).memo is None


BROKEN: dict[str, Any] = {
    "another text": lambda e: e["memo"].update(text="Pain et fromage, merci"),
    "another salt": lambda e: e["memo"].update(salt=b64url_encode(bytes(16))),
    "no memo beside a commitment": lambda e: e.pop("memo"),
    "an empty text": lambda e: e["memo"].update(text=""),
    "a short salt": lambda e: e["memo"].update(salt=b64url_encode(bytes(15))),
    "a salt that is not base64url": lambda e: e["memo"].update(salt="!" * 22),
    "a salt that is a number": lambda e: e["memo"].update(salt=16),
    "an extra field": lambda e: e["memo"].update(author="x"),
    "a text of 141 characters": lambda e: e["memo"].update(text="x" * 141),
    "a control character": lambda e: e["memo"].update(text="a\nb"),
    "a memo that is a string": lambda e: e.update(memo=TEXT),
    "another field beside the envelope": lambda e: e.update(note=TEXT),
}


@pytest.mark.parametrize("change", BROKEN.values(), ids=BROKEN.keys())
def test_a_memo_that_does_not_match_its_commitment_is_refused(change: Any) -> None:
    envelope = _signed_with_memo()
    change(envelope)
    with pytest.raises(MalformedRecord):
        parse_envelope(envelope)


def test_a_memo_beside_a_record_that_commits_to_none_is_refused() -> None:
    envelope = load_vectors()["transfer"]["envelope"]
    envelope["memo"] = Memo(TEXT, SALT).envelope()
    with pytest.raises(MalformedRecord, match="commitment"):
        parse_envelope(envelope)


@pytest.mark.parametrize("text", ["Pain", "x" * 64, "0" * 64])
def test_a_record_holding_a_memo_as_text_is_refused(text: str) -> None:
    envelope = load_vectors()["transfer"]["envelope"]
    envelope["record"]["memo"] = text
    with pytest.raises(MalformedRecord, match="memo"):
        parse_envelope(envelope)


def test_parse_memo_gives_none_for_no_memo_and_no_commitment() -> None:
    assert parse_memo(None, "") is None

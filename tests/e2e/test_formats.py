"""The pages' own formats, run in Chromium against the specification's vectors and the ledger.

The wallet and the till sign in JavaScript; these tests hold that code to the bytes the
Python ledger makes: the transfer record and its id, the payment request and its QR URL, the
receipt check, and the French amounts typed on a phone.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page

from ledger.errors import InvalidAmount
from ledger.memos import Memo
from ledger.money import format_fr, parse_fr
from ledger.records import parse_envelope
from tests.e2e.conftest import Service
from tests.unit.test_memos import COMMITMENT, SALT, TEXT
from tests.vectors import load_vectors

NewPage = Callable[[], Page]
MAX_AMOUNT = 2**31 - 1

SIGN_VECTORS = """async (v) => {
  const enc = await import("/static/encoding.js");
  const rec = await import("/static/records.js");
  const prs = await import("/static/payment-requests.js");
  const key = (hex) => crypto.subtle.importKey(
    "pkcs8", enc.fromHex("302e020100300506032b657004220420" + hex), { name: "Ed25519" }, false,
    ["sign"]);
  const t = v.transfer.record;
  const record = rec.transferRecord({
    host: t.ledger.toUpperCase(), currency: t.currency, from: t.from, to: t.to, amount: t.amount,
    kid: t.kid, now: Date.parse(t.created) / 1000, memo: t.memo, payreq: t.payreq,
    nonce: t.nonce });
  const phone = await key(v.keys.payer_phone.private_hex);
  const transfer = await rec.signRecord("transfer", record, phone);
  const f = v.payment_request.fields;
  const pr = await prs.signRequest({
    host: v.host.toUpperCase(), merchant: String(f.merchant), amount: f.amount,
    expires: f.expires, kid: f.kid, ref: f.ref, nonce: enc.fromHex(f.nonce_hex),
    privateKey: await key(v.keys.merchant_till.private_hex) });
  const parsed = await prs.parseRequest(v.payment_request.url.split("/R/")[1].toLowerCase());
  const till = { kid: f.kid, account: String(f.merchant), role: "cashier", status: "active",
                 public_key: v.keys.merchant_till.public_hex };
  const receipt = v.receipt.envelope;
  const forged = { ...receipt, record: { ...receipt.record, amount: 125000 } };
  const ledgerKey = v.keys.ledger.public_hex;
  return {
    signed: new TextDecoder().decode(rec.signedBytes("transfer", record)),
    envelope: transfer.envelope,
    id: transfer.id,
    pr: enc.toHex(pr.bytes),
    url: `HTTPS://${v.host.toUpperCase()}/R/${pr.base32}`,
    payreq: pr.payreq,
    parsed: { merchant: parsed.merchant, amount: parsed.amount, expires: parsed.expires,
              kid: parsed.kid, ref: parsed.ref, payreq: parsed.payreq },
    tillSigned: await prs.requestIsSigned(parsed, { host: v.host, key: till }),
    otherHost: await prs.requestIsSigned(parsed, { host: "evil.example.org", key: till }),
    receipt: await rec.receiptIsValid(receipt, ledgerKey, { transfer: v.transfer.id, to: "1042" }),
    forgedReceipt: await rec.receiptIsValid(forged, ledgerKey, {}),
    otherTransfer: await rec.receiptIsValid(receipt, ledgerKey, { transfer: "00".repeat(32) }),
  };
}"""


def test_the_pages_sign_the_specification_vectors_byte_for_byte(
    service: Service, new_page: NewPage
) -> None:
    vectors = load_vectors()
    page = new_page()
    page.goto(service.url + "/till")
    got: dict[str, Any] = page.evaluate(SIGN_VECTORS, vectors)
    assert got["signed"] == vectors["transfer"]["signed_bytes_utf8"]
    assert got["envelope"] == vectors["transfer"]["envelope"]
    assert got["id"] == vectors["transfer"]["id"]
    request = vectors["payment_request"]
    assert (got["pr"], got["url"], got["payreq"]) == (
        request["pr_hex"],
        request["url"],
        request["payreq"],
    )
    fields = request["fields"]
    assert got["parsed"] == {
        "merchant": str(fields["merchant"]),
        "amount": fields["amount"],
        "expires": fields["expires"],
        "kid": fields["kid"],
        "ref": fields["ref"],
        "payreq": request["payreq"],
    }
    assert (got["tillSigned"], got["otherHost"]) == (True, False)
    assert (got["receipt"], got["forgedReceipt"], got["otherTransfer"]) == (True, False, False)


MEMO = """async ({ text, salt }) => {
  const rec = await import("/static/records.js");
  const enc = await import("/static/encoding.js");
  const memo = await rec.memoFor(text, enc.fromHex(salt));
  const record = rec.transferRecord({ host: "pay.example.org", currency: "RTZ", from: "1001",
    to: "1042", amount: 100, kid: "0badc0de", now: 1773483330, memo });
  const key = await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
  const signed = await rec.signRecord("transfer", record, key.privateKey, memo);
  return { memo, envelope: signed.envelope, none: await rec.memoFor("") };
}"""


def test_the_pages_commit_to_a_memo_as_the_ledger_does(service: Service, new_page: NewPage) -> None:
    page = new_page()
    page.goto(service.url + "/till")
    got: dict[str, Any] = page.evaluate(MEMO, {"text": TEXT, "salt": SALT.hex()})
    assert got["memo"]["commitment"] == COMMITMENT
    assert got["envelope"]["record"]["memo"] == COMMITMENT
    assert got["envelope"]["memo"] == Memo(TEXT, SALT).envelope()
    assert TEXT not in json.dumps(got["envelope"]["record"])
    assert got["none"] is None
    parsed = parse_envelope(got["envelope"])  # the service reads it back
    assert parsed.memo == Memo(TEXT, SALT)


TYPED = [
    "12,50",
    "12,5",
    "12",
    "0,01",
    "0,00",
    "0",
    "12.50",
    "12.5",
    " 7,05 ",
    "1 234,56",
    "1\u00a0234,56",
    "1\u202f234",
    "12 345 678,90",
    "21474836,47",
    "21474836,48",
    "1,234",
    "1 234.56",
    "12,345",
    "-3,00",
    "+3",
    "3,",
    ",5",
    "1 23,00",
    "1  234",
    "abc",
    "",
    "١٢",
    "00000000000012,50",
    "99999999999",
    "12,50 RTZ",
    "1e3",
    "0x10",
    "12,5\u00a0",
    "１２",
]


def _payable(text: str) -> int | None:
    try:
        cents = parse_fr(text)
    except InvalidAmount:
        return None
    return cents if 1 <= cents <= MAX_AMOUNT else None


def test_typed_amounts_are_read_as_the_ledger_reads_them(
    service: Service, new_page: NewPage
) -> None:
    page = new_page()
    page.goto(service.url + "/")
    cents = [0, 1, 5, 10, 99, 100, 1250, 123456, 100000000, MAX_AMOUNT]
    got = page.evaluate(
        """async ([typed, cents]) => {
          const money = await import("/static/money.js");
          return [typed.map(money.parseAmount), cents.map((c) => money.formatAmount(c, "RTZ"))];
        }""",
        [TYPED, cents],
    )
    assert got[0] == [_payable(text) for text in TYPED]
    assert got[1] == [f"{format_fr(c)}\u00a0RTZ" for c in cents]

"""The SEPA credit-transfer file (ISO 20022 pain.001) that pays out a batch of reconversions.

The treasurer approves reconversions in batches and uploads this file to the association's bank:
one payment information block debiting the association's reserve account, one credit transfer
per payout, with the merchant's name, IBAN (and BIC if known), the net amount in cents, the
end-to-end id (the first 32 hex digits of the reconversion's record id, so the bank statement
line can be matched back) and a remittance text. The XML is made by `sepaxml`, in
pain.001.001.09 (the version of the EPC rulebook in force) unless pain.001.001.03 is asked for;
the message id, creation time and payment-information id are then set from the batch, so the
same batch always gives the same bytes, and the result is validated against the official XSD
`sepaxml` ships before it is returned. Texts are folded to the SEPA Latin character set
(accents dropped, anything else a space). Amounts are whole cents throughout and the file's
`NbOfTxs` and `CtrlSum` are checked against the payouts before the file is returned.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Literal

from sepaxml import SepaTransfer

from merchants.business_day import PARIS, local_time
from merchants.errors import SepaError
from merchants.iban import bank_details, normalize_bic

if TYPE_CHECKING:
    from xmlschema import XMLSchema10

Schema = Literal["pain.001.001.09", "pain.001.001.03"]
DEFAULT_SCHEMA: Schema = "pain.001.001.09"
MAX_AMOUNT = 2**31 - 1
END_TO_END_LENGTH = 32
MAX_ID = 35  # Max35Text: MsgId, PmtInfId, EndToEndId

# The SEPA Latin character set (EPC 217-08): what every bank accepts in names and texts.
_NOT_SEPA = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]")
_ID = re.compile(r"[A-Za-z0-9/\-?:().,'+]{1,32}")
_HEX64 = re.compile(r"[0-9a-f]{64}")


def sepa_text(text: str, limit: int) -> str:
    """`text` folded to the SEPA character set, whitespace collapsed, cut to `limit`."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    ascii_only = ascii_only.replace("ß", "ss").replace("Æ", "AE").replace("æ", "ae")
    ascii_only = ascii_only.replace("Œ", "OE").replace("œ", "oe").replace("&", "+")
    return " ".join(_NOT_SEPA.sub(" ", ascii_only).split())[:limit].strip()


@dataclass(frozen=True, slots=True)
class Debtor:
    """The association: its name and the reserve bank account the payouts are taken from."""

    name: str
    iban: str
    bic: str


@dataclass(frozen=True, slots=True)
class Payout:
    """One approved reconversion to pay: `amount` is the net in cents."""

    reconversion: str  # the reconversion record's id (64 hex digits)
    name: str
    iban: str
    amount: int
    remittance: str
    bic: str | None = None

    @property
    def end_to_end_id(self) -> str:
        return self.reconversion[:END_TO_END_LENGTH]


@dataclass(frozen=True, slots=True)
class BatchTotals:
    count: int
    total: int


def batch_totals(payouts: Sequence[Payout]) -> BatchTotals:
    return BatchTotals(len(payouts), sum(p.amount for p in payouts))


def _check(debtor: Debtor, payouts: Sequence[Payout], message_id: str) -> None:
    if _ID.fullmatch(message_id) is None:
        raise SepaError("the message id is 1 to 32 characters of the SEPA set, without spaces")
    if not sepa_text(debtor.name, 70):
        raise SepaError("the debtor needs a name")
    if not payouts:
        raise SepaError("a batch needs at least one payout")
    seen: set[str] = set()
    for payout in payouts:
        if _HEX64.fullmatch(payout.reconversion) is None:
            raise SepaError("a payout names its reconversion by its 64-hex-digit id")
        if payout.end_to_end_id in seen:
            raise SepaError(
                f"reconversion {payout.reconversion} is paid twice in the batch",
                reconversion=payout.reconversion,
            )
        seen.add(payout.end_to_end_id)
        if type(payout.amount) is not int or not 1 <= payout.amount <= MAX_AMOUNT:
            raise SepaError("a payout is 1 to 2**31-1 cents", reconversion=payout.reconversion)
        if not sepa_text(payout.name, 70):
            raise SepaError("a payout needs the merchant's name", reconversion=payout.reconversion)


def _cents(text: str | None) -> int:
    units, _, decimals = (text or "").partition(".")
    if not units.isdigit() or (decimals and not decimals.isdigit()) or len(decimals) > 2:
        raise SepaError(f"not an amount: {text!r}")
    return int(units) * 100 + int(decimals.ljust(2, "0"))


def _namespace(schema: Schema) -> str:
    return f"urn:iso:std:iso:20022:tech:xsd:{schema}"


def schema_path(schema: Schema) -> str:
    """The path of the official XSD of `schema`, as shipped by `sepaxml`."""
    return str(resources.files("sepaxml") / "schemas" / f"{schema}.xsd")


def file_totals(xml: bytes, schema: Schema = DEFAULT_SCHEMA) -> BatchTotals:
    """The count and sum of a pain.001 file's transactions, after checking that its group
    header and every payment block state them right (`NbOfTxs`, `CtrlSum`)."""
    ns = {"p": _namespace(schema)}
    root = ET.fromstring(xml)
    path = "p:CdtTrfTxInf/p:Amt/p:InstdAmt"
    amounts = [_cents(a.text) for a in root.iterfind(f"p:CstmrCdtTrfInitn/p:PmtInf/{path}", ns)]
    header = root.find("p:CstmrCdtTrfInitn/p:GrpHdr", ns)
    blocks = root.findall("p:CstmrCdtTrfInitn/p:PmtInf", ns)
    for node, inner in [(header, amounts)] + [
        (b, [_cents(a.text) for a in b.iterfind(path, ns)]) for b in blocks
    ]:
        if node is None or node.findtext("p:NbOfTxs", None, ns) != str(len(inner)):
            raise SepaError("NbOfTxs does not match the transactions")
        if _cents(node.findtext("p:CtrlSum", None, ns)) != sum(inner):
            raise SepaError("CtrlSum does not match the transactions")
    return BatchTotals(len(amounts), sum(amounts))


@functools.lru_cache(maxsize=4)
def _xsd(schema: Schema) -> XMLSchema10:
    import xmlschema  # imported here: it patches ElementTree when imported (as sepaxml notes)

    return xmlschema.XMLSchema(schema_path(schema))


def validate(xml: bytes, schema: Schema = DEFAULT_SCHEMA) -> BatchTotals:
    """Checks a pain.001 file against its official XSD and its totals; returns the totals."""
    import xmlschema

    try:
        _xsd(schema).validate(xml.decode())
    except xmlschema.XMLSchemaValidationError as error:
        raise SepaError(f"the file does not conform to {schema}: {error.reason}") from None
    return file_totals(xml, schema)


def credit_transfer_file(
    debtor: Debtor,
    payouts: Sequence[Payout],
    *,
    message_id: str,
    created: int,
    execution_date: dt.date,
    schema: Schema = DEFAULT_SCHEMA,
    tz: str = PARIS,
) -> bytes:
    """The pain.001 file (UTF-8 XML bytes) paying `payouts` from `debtor`'s account.

    `message_id` identifies the batch (1–32 characters, also the payment information id with
    "-1" appended); `created` (Unix seconds) is written as local time in `tz`; the bank executes
    the transfers on `execution_date`. Raises `SepaError`, `InvalidIban` or `InvalidBic`.
    """
    _check(debtor, payouts, message_id)
    debtor_account = bank_details(debtor.iban, debtor.bic)
    config = {
        "name": sepa_text(debtor.name, 70),
        "IBAN": debtor_account.iban,
        "BIC": normalize_bic(debtor.bic),
        "batch": True,
        "currency": "EUR",
    }
    transfer = SepaTransfer(config, schema=schema, clean=False)
    for payout in payouts:
        creditor = bank_details(payout.iban, payout.bic)
        payment: dict[str, object] = {
            "name": sepa_text(payout.name, 70),
            "IBAN": creditor.iban,
            "amount": payout.amount,
            "execution_date": execution_date,
            "description": sepa_text(payout.remittance, 140) or payout.end_to_end_id,
            "endtoend_id": payout.end_to_end_id,
        }
        if payout.bic is not None:
            payment["BIC"] = creditor.bic
        transfer.add_payment(payment)
    draft: bytes = transfer.export(validate=False)
    xml = _set_identifiers(draft, schema, message_id, local_time(created, tz))
    if validate(xml, schema) != batch_totals(payouts):
        raise SepaError("the file's totals are not the batch's")
    return xml


def _set_identifiers(draft: bytes, schema: Schema, message_id: str, created: dt.datetime) -> bytes:
    """Replaces `sepaxml`'s random ids and clock reading with the batch's own."""
    namespace = _namespace(schema)
    ET.register_namespace("", namespace)
    root = ET.fromstring(draft)
    ns = {"p": namespace}
    header = root.find("p:CstmrCdtTrfInitn/p:GrpHdr", ns)
    blocks = root.findall("p:CstmrCdtTrfInitn/p:PmtInf", ns)
    if header is None or len(blocks) != 1:
        raise SepaError("sepaxml made an unexpected document")
    for path, text in (
        ("p:MsgId", message_id),
        ("p:CreDtTm", created.strftime("%Y-%m-%dT%H:%M:%S")),
    ):
        node = header.find(path, ns)
        if node is None:
            raise SepaError(f"sepaxml left out {path}")
        node.text = text
    block_id = blocks[0].find("p:PmtInfId", ns)
    if block_id is None:
        raise SepaError("sepaxml left out PmtInfId")
    block_id.text = f"{message_id}-1"
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body

"""Imports from another platform (Cyclos 4, generic CSV): the files, the plan with its
unsigned opening balances and reconciliation, the import, and an account's archived history."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from wallet_api.schemas.common import In, Out

FileName = Literal["users", "accounts", "transfers", "history"]


class ImportFilesIn(In):
    source: Literal["cyclos", "generic"]
    files: dict[FileName, str] = Field(
        description="each file's bytes in base64: cyclos `users`, `accounts`, `transfers`"
        " (optional); generic `accounts`, `history` (optional)"
    )


class ImportIn(ImportFilesIn):
    records: list[dict[str, Any]] = Field(
        max_length=20_000,
        description="the plan's opening balances, each a `conversion` envelope the treasurer"
        " signed (method `import`)",
    )


class OpeningOut(Out):
    number: str = Field(description="the account the import opens")
    login: str = Field(description="the user's login on the old platform")
    name: str
    kind: str
    balance: int = Field(description="cents")


class PlanOut(Out):
    source: str
    sha256: str = Field(description="the files' identity: a second import of them is refused")
    memo: str = Field(description="the memo of every opening balance")
    accounts: list[OpeningOut]
    records: list[dict[str, Any]] = Field(
        description="the unsigned opening balances: the fields of one `conversion` each"
    )
    transfers: int = Field(description="transfers of the history, to archive")
    reconciliation: dict[str, Any]


class ImportedOut(Out):
    id: int
    sha256: str
    accounts: list[str]
    records: int = Field(description="opening balances posted")
    transfers: int = Field(description="archive rows written (one per member a transfer concerns)")
    reconciliation: dict[str, Any]


class ImportSummaryOut(Out):
    id: int
    source: str
    sha256: str
    at: int
    by: str
    accounts: int
    total: int = Field(description="cents brought")
    transfers: int
    reconciliation: dict[str, Any]


class ImportsOut(Out):
    imports: list[ImportSummaryOut]


class ArchivedLineOut(Out):
    date: str = Field(description="as the old platform dated it, YYYY-MM-DDTHH:MM:SS")
    amount: int = Field(description="cents: + received, − paid")
    counterparty: str
    description: str
    reference: str = Field(description="the old platform's transaction number")
    import_id: int


class ArchiveOut(Out):
    account: str
    total: int = Field(description="archived transfers of the account, over every page")
    lines: list[ArchivedLineOut]

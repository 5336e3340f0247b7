"""The members' register as the office and the console see it: found members, a correction,
a closing, and a spreadsheet's import previewed line by line."""

from __future__ import annotations

from pydantic import Field

from wallet_api.schemas.common import In, Out


class MemberOut(Out):
    number: str
    kind: str
    status: str
    balance: int = Field(description="cents")
    name: str | None = Field(description="None once erased")
    contact: str | None


class MembersOut(Out):
    total: int = Field(description="how many members match, over every page")
    members: list[MemberOut]


class MemberEditIn(In):
    name: str | None = Field(default=None, max_length=200, description="unchanged if absent")
    contact: str | None = Field(
        default=None, max_length=300, description="an email or phone; empty removes it"
    )


class ClosedOut(Out):
    number: str
    status: str
    devices_revoked: int


class ImportLineOut(Out):
    line: int = Field(description="in the file, the header row being line 1")
    name: str
    contact: str | None
    errors: list[str] = Field(
        description="name-missing, name-invalid, contact-invalid, consent-missing,"
        " duplicate-in-file, already-member"
    )


class ImportPreviewOut(Out):
    sha256: str
    lines: list[ImportLineOut]
    errors: int = Field(description="lines in error: the import is refused unless 0")
    ignored_columns: list[str]


class ImportedMembersOut(Out):
    sha256: str
    accounts: list[str]

"""Administration of the ledger: its genesis, accounts, enrolment codes and device keys.

Each change is a record signed by the ledger key and appended to the log like any other,
so an auditor sees from the log alone which accounts exist and which key may act for which
account. Enrolment codes are secrets given in person: only their hash is stored, outside
the log, and they are used once.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field

from sqlalchemy import func, insert, select, update

from ledger.accounts import (
    FIRST_HOLDER,
    FIRST_OFFICE,
    KIND_OF_SYSTEM_NAME,
    SYSTEM_ACCOUNTS,
    office_name,
)
from ledger.acts import record_act
from ledger.auth import CHALLENGE_TTL
from ledger.context import LedgerUnitOfWork
from ledger.domain.ledger_key import rotation_message
from ledger.errors import (
    AccountNotOpen,
    AccountQuarantined,
    ConsentRequired,
    EnrolmentError,
    InvalidTransfer,
    NotAuthorized,
    UnknownAccount,
)
from ledger.integrity import seal_key
from ledger.numbering import next_number
from ledger.persistence.tables import (
    ACCOUNTS,
    AUTH_CHALLENGES,
    ENROLMENT_CODES,
    ENTRIES,
    HOLDERS,
    KEYS,
)
from ledger.posting import Posted, post_record
from ledger.records import format_time, new_nonce, sign_record
from ledger.signing import SigningKey, b64url_encode, check_public_key, kid_of
from ledger.transparency import latest_checkpoint

A = ACCOUNTS
CODES = ENROLMENT_CODES
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at a counter
CODE_TTL = 7 * 24 * 3600
# a code shown as a QR code on the office's tablet is scanned there and then: a quarter of an
# hour is enough, and a photo of the screen is worth nothing afterwards
QR_CODE_TTL = 15 * 60
# a printed recovery code is kept with the member's papers: it lasts until used or replaced
RECOVERY = "recovery"
RECOVERY_TTL = 10 * 365 * 24 * 3600
# the version (date) of the privacy notice (docs/PRIVACY.md) a member accepts at opening
PRIVACY_NOTICE = "2026-12-07"
IDENTITY_DOCUMENTS = ("identity-card", "passport", "residence-permit", "other")


def _sign_ledger_record(uow: LedgerUnitOfWork, fields: dict[str, object], now: int) -> Posted:
    ledger = uow.ledger
    record = {"v": 1, "ledger": ledger.host, **fields, "kid": ledger.key.kid}
    if fields["type"] != "genesis":
        record["nonce"] = new_nonce()
    record["created"] = format_time(now)
    return post_record(uow, record=sign_record(record, ledger.key), now=now)


def rotate_ledger_key(uow: LedgerUnitOfWork, *, new_key: SigningKey, now: int) -> Posted:
    """Hands the ledger over from its key (this unit of work's) to `new_key`: a `ledger_key`
    record signed by the old key, with the new key's proof that it is held, between a
    checkpoint the old key signs (sealing its entries) and one the new key signs (covering the
    rotation). From then on the ledger's records, checkpoints and receipts are signed by the
    new key, and a process still holding the old one signs nothing more. The caller commits."""
    ledger = uow.ledger
    latest_checkpoint(uow, now=now)
    message = rotation_message(ledger.host, ledger.key.kid, new_key.public_bytes)
    posted = _sign_ledger_record(
        uow,
        {
            "type": "ledger_key",
            "ledger_key": new_key.public_bytes.hex(),
            "proof": b64url_encode(new_key.sign(message)),
        },
        now,
    )
    uow.store.set_ledger_kid(new_key.kid)
    bad = uow.store.reseal(ledger.seal_key, seal_key(new_key))
    if bad:
        number, why = next(iter(sorted(bad.items())))
        raise AccountQuarantined(
            f"{len(bad)} accounts fail their seals (account {number}: {why}); nothing was"
            " rotated: run `sou audit db`",
            account=str(number),
        )
    latest_checkpoint(uow, now=now, key=new_key)
    return posted


def create_ledger(uow: LedgerUnitOfWork, *, now: int) -> None:
    """Entry 0 (genesis) and the system accounts, in an empty database."""
    ledger = uow.ledger
    _sign_ledger_record(
        uow,
        {
            "type": "genesis",
            "currency": ledger.currency,
            "unit_name": ledger.unit_name,
            "ledger_key": ledger.key.public_bytes.hex(),
        },
        now,
    )
    for number, name, unit, no_overdraft in SYSTEM_ACCOUNTS:
        _open(
            uow,
            number,
            kind=KIND_OF_SYSTEM_NAME[name],
            unit=unit or ledger.currency,
            no_overdraft=no_overdraft,
            name=name,
            now=now,
        )


def _open(
    uow: LedgerUnitOfWork,
    number: int,
    *,
    kind: str,
    unit: str,
    no_overdraft: bool,
    name: str | None,
    now: int,
) -> None:
    _sign_ledger_record(
        uow,
        {
            "type": "account",
            "number": str(number),
            "status": "open",
            "kind": kind,
            "unit": unit,
            "flags": "no_overdraft" if no_overdraft else "",
            "name": name,
        },
        now,
    )


def open_account(
    uow: LedgerUnitOfWork, *, kind: str, now: int, holder_name: str | None = None
) -> int:
    """Opens a holder account (resident, merchant, association) or an office's cash account."""
    conn = uow.connection
    if kind in ("resident", "merchant", "association"):
        number = next_number(conn, A.c.number, first=FIRST_HOLDER)
        _open(
            uow, number, kind=kind, unit=uow.ledger.currency, no_overdraft=True, name=None, now=now
        )
    elif kind == "office":
        number = next_number(conn, A.c.number, first=FIRST_OFFICE, last=FIRST_HOLDER - 1)
        _open(
            uow,
            number,
            kind="office_cash",
            unit="EUR",
            no_overdraft=True,
            name=office_name(number - FIRST_OFFICE + 1),
            now=now,
        )
    else:
        raise InvalidTransfer(f"cannot open an account of kind {kind!r}")
    if holder_name:
        conn.execute(insert(HOLDERS).values(account=number, name=holder_name))
    record_act(uow, "account.open", number, {"kind": kind})
    return number


def set_account_status(uow: LedgerUnitOfWork, *, number: int, status: str, now: int) -> None:
    row = uow.connection.execute(select(A).where(A.c.number == number)).first()
    if row is None:
        raise UnknownAccount(f"no account {number}")
    _sign_ledger_record(
        uow,
        {
            "type": "account",
            "number": str(number),
            "status": status,
            "kind": row.kind,
            "unit": row.unit,
            "flags": "no_overdraft" if row.no_overdraft else "",
            "name": row.name,
        },
        now,
    )
    record_act(uow, "account.status", number, {"status": status, "was": row.status})


def _code_hash(code: str) -> str:
    normal = code.upper().replace("-", "").replace(" ", "")
    return hashlib.sha256(normal.encode()).hexdigest()


def issue_enrolment_code(
    uow: LedgerUnitOfWork,
    *,
    account: int,
    role: str,
    now: int,
    refund_limit: int | None = None,
    issued_by: str | None = None,
    ttl: int = CODE_TTL,
) -> str:
    """A one-time code that lets one device enrol a key for `account` with `role`."""
    if uow.store.account(account) is None:
        raise UnknownAccount(f"no account {account}")
    code = _store_code(
        uow,
        12,
        account=account,
        role=role,
        expires=now + ttl,
        issued_by=issued_by,
        refund_limit=refund_limit,
    )
    record_act(uow, "key.code", account, {"role": role, "refund_limit": refund_limit})
    return code


def _store_code(
    uow: LedgerUnitOfWork,
    length: int,
    *,
    account: int,
    role: str,
    expires: int,
    issued_by: str | None,
    refund_limit: int | None = None,
) -> str:
    """A new code of `length` characters of the alphabet, in groups of four; only its hash is
    kept."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))
    code = "-".join(raw[i : i + 4] for i in range(0, length, 4))
    uow.connection.execute(
        insert(CODES).values(
            code_hash=_code_hash(code),
            account=account,
            role=role,
            refund_limit=refund_limit,
            issued_by=issued_by,
            expires=expires,
        )
    )
    return code


@dataclass(frozen=True, slots=True)
class Enrolled:
    kid: str
    account: int
    role: str
    revoked: list[str] = field(default_factory=list)  # the keys a recovery code revoked


def enrol_device(
    uow: LedgerUnitOfWork, *, code: str, public_key: bytes, now: int, label: str | None = None
) -> Enrolled:
    """Uses an enrolment code once to enrol a device's public key."""
    check_public_key(public_key)
    row = uow.connection.execute(select(CODES).where(CODES.c.code_hash == _code_hash(code))).first()
    if row is None or row.used_by is not None or row.expires < now:
        raise EnrolmentError("this enrolment code is unknown, used or expired")
    kid = kid_of(public_key)
    role, revoked = row.role, []
    if role == RECOVERY:  # a printed recovery code: every other key goes, a resident's comes
        _resident_account(uow, row.account)
        revoked = _revoke_all(uow, account=row.account, now=now, by=None)
        role = "resident"
    claimed = uow.connection.execute(
        update(CODES)
        .where(CODES.c.code_hash == row.code_hash, CODES.c.used_by.is_(None))
        .values(used_by=kid)
    )
    if claimed.rowcount != 1:
        raise EnrolmentError("this enrolment code was just used")
    _sign_ledger_record(
        uow,
        {
            "type": "key",
            "action": "enrol",
            "subject": kid,
            "public_key": public_key.hex(),
            "account": str(row.account),
            "role": role,
            "refund_limit": row.refund_limit,
            "issued_by": row.issued_by,
        },
        now,
    )
    if label:
        uow.connection.execute(update(KEYS).where(KEYS.c.kid == kid).values(label=label[:80]))
    if row.role == RECOVERY:
        record_act(uow, "account.recovery-used", row.account, {"kid": kid, "revoked": revoked})
    return Enrolled(kid, row.account, role, revoked)


def revoke_key(uow: LedgerUnitOfWork, *, kid: str, now: int, by: str | None = None) -> None:
    """Revokes a device key at once (a lost phone); records it signed stay valid."""
    _sign_ledger_record(
        uow,
        {
            "type": "key",
            "action": "revoke",
            "subject": kid,
            "public_key": None,
            "account": None,
            "role": None,
            "refund_limit": None,
            "issued_by": by,
        },
        now,
    )
    record_act(uow, "key.revoke", kid)


@dataclass(frozen=True, slots=True)
class Device:
    """An account's key as its holder and the office see it."""

    kid: str
    role: str
    label: str | None
    status: str
    enrolled: int  # Unix seconds: when its enrolment was accepted into the log
    last_used: int | None  # Unix seconds: its latest sign-in, None if it never signed in


def account_devices(uow: LedgerUnitOfWork, *, account: int) -> list[Device]:
    """The keys of `account`, newest enrolment first, each with its latest sign-in.

    A sign-in is a challenge the key signed and exchanged for a token (`ledger.auth`): the
    latest one used is the key's last use, to within the challenge's two minutes (it is
    issued at `expires - CHALLENGE_TTL`). Nothing is written for it, and nothing on the
    payment path: the used challenges are already there."""
    if uow.store.account(account) is None:
        raise UnknownAccount(f"no account {account}", account=str(account))
    C = AUTH_CHALLENGES
    signed_in = (
        select(C.c.kid, func.max(C.c.expires).label("expires"))
        .where(C.c.used.is_(True), C.c.kid.in_(select(KEYS.c.kid).where(KEYS.c.account == account)))
        .group_by(C.c.kid)
        .subquery()
    )
    rows = uow.connection.execute(
        select(
            KEYS.c.kid,
            KEYS.c.role,
            KEYS.c.label,
            KEYS.c.status,
            ENTRIES.c.accepted,
            signed_in.c.expires,
        )
        .join(ENTRIES, ENTRIES.c.idx == KEYS.c.enrolled_idx)
        .outerjoin(signed_in, signed_in.c.kid == KEYS.c.kid)
        .where(KEYS.c.account == account)
        .order_by(KEYS.c.enrolled_idx.desc())
    )
    return [
        Device(
            r.kid,
            r.role,
            r.label,
            r.status,
            r.accepted,
            None if r.expires is None else r.expires - CHALLENGE_TTL,
        )
        for r in rows
    ]


@dataclass(frozen=True, slots=True)
class LostPhone:
    revoked: list[str]  # the kids revoked, oldest enrolment first
    code: str  # the one-time enrolment code of the new phone
    expires: int  # Unix seconds


def lost_phone(
    uow: LedgerUnitOfWork,
    *,
    account: int,
    now: int,
    issued_by: str | None = None,
    ttl: int = CODE_TTL,
) -> LostPhone:
    """A resident lost their phone: every active key of their account is revoked (signed
    records stay valid, the balance and history stay the account's) and a one-time code
    enrols the new phone, as a resident's key of the same account. The caller commits."""
    _resident_account(uow, account, "no lost phone there")
    active = _revoke_all(uow, account=account, now=now, by=issued_by)
    code = issue_enrolment_code(
        uow, account=account, role="resident", now=now, issued_by=issued_by, ttl=ttl
    )
    record_act(uow, "key.lost-phone", account, {"revoked": active})
    return LostPhone(active, code, now + ttl)


def _revoke_all(uow: LedgerUnitOfWork, *, account: int, now: int, by: str | None) -> list[str]:
    """Revokes every active key of `account`, oldest enrolment first; their kids."""
    active = [
        d.kid for d in reversed(account_devices(uow, account=account)) if d.status == "active"
    ]
    for kid in active:
        revoke_key(uow, kid=kid, now=now, by=by)
    return active


def _resident_account(
    uow: LedgerUnitOfWork, account: int, refusal: str = "no recovery code there"
) -> None:
    """`account` is an open resident's account, else the error that says why."""
    row = uow.connection.execute(select(A.c.kind, A.c.status).where(A.c.number == account)).first()
    if row is None:
        raise UnknownAccount(f"no account {account}", account=str(account))
    if row.kind != "resident":
        raise NotAuthorized(f"account {account} is not a resident's: {refusal}")
    if row.status != "open":
        raise AccountNotOpen(f"account {account} is {row.status}", account=str(account))


def issue_recovery_code(
    uow: LedgerUnitOfWork, *, account: int, now: int, issued_by: str | None = None
) -> str:
    """A resident's printed recovery code (docs/SECURITY.md): 20 characters of the codes'
    alphabet, of which only the hash is kept, that enrols a new phone once after revoking
    every key of the account, with no office. A new one replaces the previous one. The
    caller commits."""
    _resident_account(uow, account)
    replaced = _expire_recovery_code(uow, account=account, now=now)
    code = _store_code(
        uow, 20, account=account, role=RECOVERY, expires=now + RECOVERY_TTL, issued_by=issued_by
    )
    record_act(uow, "account.recovery-code", account, {"replaced": replaced})
    return code


def revoke_recovery_code(
    uow: LedgerUnitOfWork, *, account: int, now: int, by: str | None = None
) -> bool:
    """Cancels the account's recovery code (a member who lost the paper); whether there was
    one. The caller commits."""
    if uow.store.account(account) is None:
        raise UnknownAccount(f"no account {account}", account=str(account))
    revoked = _expire_recovery_code(uow, account=account, now=now)
    if revoked:
        record_act(uow, "account.recovery-revoke", account, {"by": by})
    return revoked


def recovery_code_issued(uow: LedgerUnitOfWork, *, account: int, now: int) -> int | None:
    """When the account's usable recovery code was issued (Unix seconds), None if none."""
    expires = uow.connection.execute(
        select(func.max(CODES.c.expires)).where(
            CODES.c.account == account,
            CODES.c.role == RECOVERY,
            CODES.c.used_by.is_(None),
            CODES.c.expires >= now,
        )
    ).scalar()
    return None if expires is None else int(expires) - RECOVERY_TTL


def _expire_recovery_code(uow: LedgerUnitOfWork, *, account: int, now: int) -> bool:
    done = uow.connection.execute(
        update(CODES)
        .where(
            CODES.c.account == account,
            CODES.c.role == RECOVERY,
            CODES.c.used_by.is_(None),
            CODES.c.expires >= now,
        )
        .values(expires=now - 1)
    )
    return done.rowcount > 0


@dataclass(frozen=True, slots=True)
class Opened:
    number: int
    code: str  # the one-time enrolment code of the member's phone
    expires: int  # Unix seconds
    recovery_code: str  # printed and handed over with the account (docs/SECURITY.md)


def open_member_account(
    uow: LedgerUnitOfWork,
    *,
    name: str,
    contact: str | None,
    consent: bool,
    now: int,
    issued_by: str | None = None,
) -> Opened:
    """A resident's account opened at the office: the holder's name and contact (beside the
    log, erasable), their acceptance of the privacy notice (an act naming its version), and a
    short-lived code that enrols their phone from the tablet's QR code, and the printed
    recovery code. Without consent nothing is written. The caller commits."""
    if consent is not True:
        raise ConsentRequired("the member must accept the privacy notice first")
    number = open_account(uow, kind="resident", now=now, holder_name=name)
    if contact:
        detail = json.dumps({"contact": contact}, ensure_ascii=False, sort_keys=True)
        uow.connection.execute(
            update(HOLDERS).where(HOLDERS.c.account == number).values(detail=detail)
        )
    record_act(uow, "account.consent", number, {"privacy_notice": PRIVACY_NOTICE})
    code = issue_enrolment_code(
        uow, account=number, role="resident", now=now, issued_by=issued_by, ttl=QR_CODE_TTL
    )
    recovery = issue_recovery_code(uow, account=number, now=now, issued_by=issued_by)
    return Opened(number, code, now + QR_CODE_TTL, recovery)


def recover_account(
    uow: LedgerUnitOfWork,
    *,
    account: int,
    identity_check: str,
    now: int,
    note: str | None = None,
    issued_by: str | None = None,
) -> LostPhone:
    """A member who lost every device, recovered at the office once the volunteer has seen an
    identity document (its kind is recorded, never its number): the lost phone's flow, with a
    short-lived code for the tablet's QR code. The caller commits."""
    if identity_check not in IDENTITY_DOCUMENTS:
        raise ValueError(f"unknown identity document kind {identity_check!r}")
    done = lost_phone(uow, account=account, now=now, issued_by=issued_by, ttl=QR_CODE_TTL)
    detail: dict[str, object] = {"identity_check": identity_check, "revoked": done.revoked}
    if note:
        detail["note"] = note
    record_act(uow, "account.recover", account, detail)
    return done

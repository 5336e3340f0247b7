"""The pilot's cast: the association, its offices, the CAE and its entrepreneurs, the
residents, each with the device keys it signs with (see `sou.pilot`)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from association.iban import iban_from_rib
from ledger.admin import enrol_device, issue_enrolment_code, open_account
from ledger.context import Ledger
from ledger.errors import SouError
from ledger.posting import Posted, post_records
from ledger.records import SignedRecord, operation
from ledger.signing import SigningKey
from merchants.profiles import Application, apply_merchant, approve_merchant, record_membership
from merchants.sepa import Debtor

FIRST_NAMES = [
    "Camille",
    "Léa",
    "Manon",
    "Chloé",
    "Inès",
    "Jade",
    "Louise",
    "Alice",
    "Lina",
    "Emma",
    "Hugo",
    "Louis",
    "Jules",
    "Gabriel",
    "Arthur",
    "Lucas",
    "Nathan",
    "Raphaël",
    "Théo",
    "Paul",
    "Maël",
    "Yanis",
    "Sacha",
    "Nina",
    "Rose",
    "Zoé",
    "Élise",
    "Maëlle",
    "Anaïs",
    "Mathis",
]
LAST_NAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Etxeberria",
]
ENTREPRENEURS = (
    "Boulangerie du Port",
    "Les Paniers de Nive",
    "Atelier Vélo Solidaire",
    "Librairie La Pléiade",
    "Épicerie Vrac & Co",
    "Céramiques Argila",
    "Graphisme Itsasoa",
    "Traiteur Saveurs d'Ici",
    "Couture Fil Rouge",
    "Menuiserie Zura",
)
PRICES = {  # typical basket, in cents, per merchant
    "Boulangerie du Port": (180, 1_500),
    "Les Paniers de Nive": (1_200, 4_500),
    "Atelier Vélo Solidaire": (800, 9_000),
    "Librairie La Pléiade": (700, 4_000),
    "Épicerie Vrac & Co": (500, 6_000),
    "Céramiques Argila": (1_500, 8_000),
    "Graphisme Itsasoa": (5_000, 30_000),
    "Traiteur Saveurs d'Ici": (900, 5_000),
    "Couture Fil Rouge": (1_000, 12_000),
    "Menuiserie Zura": (3_000, 40_000),
    "CAE Hemen Lan": (2_000, 20_000),
}


# The association's reserve account at its bank, and demo IBANs of the entrepreneurs (valid
# check digits, fictitious accounts).
ASSOCIATION_BANK = Debtor("Association Hemen Txanpona", "FR7630004000031234567890143", "BNPAFRPP")
CAE = "CAE Hemen Lan"


def _demo_iban(n: int) -> str:
    """A French IBAN with valid RIB key and check digits: bank 30006, branch 00001."""
    return iban_from_rib("30006", "00001", f"{n:011d}")


@dataclass
class Person:
    number: int
    key: SigningKey
    name: str
    balance: int = 0
    till: SigningKey | None = None  # a merchant's till (cashier key)


@dataclass
class Pilot:
    ledger: Ledger
    rng: random.Random
    now: int
    treasurer: Person | None = None
    offices: list[Person] = field(default_factory=list)  # number = office account, key = agent
    merchants: list[Person] = field(default_factory=list)
    residents: list[Person] = field(default_factory=list)
    payments: list[tuple[SignedRecord, Person, Person]] = field(default_factory=list)
    reconversions: list[tuple[str, int]] = field(default_factory=list)  # (id, net)
    batches: list[int] = field(default_factory=list)
    office_cash: dict[int, int] = field(default_factory=dict)
    paper_cash: dict[int, int] = field(default_factory=dict)
    note_stock: dict[int, int] = field(default_factory=dict)  # notes in each office's drawer
    paper_back: int = 0  # notes exchanged for units since the last bank statement, in cents
    counts: dict[str, int] = field(default_factory=dict)

    def record(self, record_type: str, key: SigningKey, **fields: Any) -> SignedRecord:
        return operation(
            record_type,
            key=key,
            host=self.ledger.host,
            currency=self.ledger.currency,
            now=self.now,
            **fields,
        )

    def post(self, records: list[SignedRecord]) -> list[Posted]:
        with self.ledger.unit_of_work() as uow:
            outcomes = post_records(uow, records=records, now=self.now)
            uow.commit()
        posted = []
        for outcome in outcomes:
            if isinstance(outcome, SouError):
                raise outcome  # the pilot tracks balances: a refusal is a bug
            posted.append(outcome)
            self.counts[outcome.record.type] = self.counts.get(outcome.record.type, 0) + 1
        return posted


def _enrol(pilot: Pilot, kind: str, role: str, name: str) -> Person:
    key = SigningKey.generate()
    with pilot.ledger.unit_of_work() as uow:
        number = open_account(uow, kind=kind, now=pilot.now, holder_name=name)
        code = issue_enrolment_code(uow, account=number, role=role, now=pilot.now)
        enrol_device(uow, code=code, public_key=key.public_bytes, now=pilot.now, label=name)
        uow.commit()
    return Person(number, key, name)


def people(pilot: Pilot, residents: int) -> None:
    rng = pilot.rng
    pilot.treasurer = _enrol(pilot, "association", "treasurer", "Association Hemen Txanpona")
    for name in ("Comptoir du Port", "Comptoir des Halles"):
        office = _enrol(pilot, "office", "agent", name)
        pilot.offices.append(office)
        pilot.office_cash[office.number] = 0
        pilot.paper_cash[office.number] = 0
    cae = _merchant(pilot, CAE, parent=None, n=0)
    pilot.merchants.append(cae)
    for n, name in enumerate(ENTREPRENEURS, start=1):
        pilot.merchants.append(_merchant(pilot, name, parent=cae.number, n=n))
    for _ in range(residents):
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        pilot.residents.append(_enrol(pilot, "resident", "resident", name))


def _merchant(pilot: Pilot, name: str, *, parent: int | None, n: int) -> Person:
    """An approved merchant of the CAE (the CAE itself when `parent` is None), its merchant
    key, and a till whose cashier may refund up to 50,00."""
    key, till = SigningKey.generate(), SigningKey.generate()
    application = Application(
        kind="cae",
        legal_name=name,
        address=f"{n + 1} rue des Artisans, 64100 Bayonne",
        activity="coopérative d'activité et d'emploi" if parent is None else name,
        iban=_demo_iban(1000 + n),
        parent=parent,
        analytic_code=None if parent is None else f"ENT{n:02d}",
    )
    with pilot.ledger.unit_of_work() as uow:
        number = apply_merchant(uow, application=application, now=pilot.now)
        approve_merchant(uow, account=number, now=pilot.now)
        paid_until = dt.datetime.fromtimestamp(pilot.now, dt.UTC).date() + dt.timedelta(days=800)
        record_membership(uow, account=number, paid_until=paid_until)
        for device, role, label in ((key, "merchant", name), (till, "cashier", "Caisse 1")):
            code = issue_enrolment_code(
                uow,
                account=number,
                role=role,
                now=pilot.now,
                refund_limit=50_00 if role == "cashier" else None,
            )
            enrol_device(uow, code=code, public_key=device.public_bytes, now=pilot.now, label=label)
        uow.commit()
    return Person(number, key, name, till=till)

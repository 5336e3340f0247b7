"""Writes a realistic Cyclos 4 export (users, accounts, transfers CSV) for the import's tests.

    python scripts/make_cyclos_export.py OUT_DIR [--users 1500] [--transfers 5000] [--seed 20]

Deterministic for a seed. The files are what a Cyclos 4 administrator exports from a French
installation: `;`-separated, UTF-8, French headers, amounts `1 234,56`, dates `JJ/MM/AAAA
HH:MM`. Every member's units came from the system debit account (`Compte de débit`, whose
balance is minus the members' total) and moved between members; the transfers' sums give the
accounts' balances exactly, and no balance ever goes below zero.
"""

from __future__ import annotations

import argparse
import random
from datetime import datetime, timedelta
from pathlib import Path

FIRST = ["Élodie", "Jean", "Marie", "Luc", "Chloé", "Noël", "Inès", "Paul", "Zoé", "Hugo"]
LAST = ["Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Girard", "Roux", "Faure", "Blanc"]
SHOPS = ["Boulangerie", "Épicerie", "Librairie", "Café", "Fromagerie", "Atelier", "Primeur"]
WHAT = ["Courses", "Pain", "Livre", "Repas", "Réparation", "Légumes", "Cotisation", "Cadeau"]


def fr_amount(cents: int) -> str:
    """`123456` → `1 234,56` (a no-break space between thousands, as Cyclos writes them)."""
    units, rest = divmod(abs(cents), 100)
    grouped = f"{units:,}".replace(",", "\u00a0")
    return f"{'-' if cents < 0 else ''}{grouped},{rest:02d}"


def make(users: int, transfers: int, seed: int) -> dict[str, str]:
    """The three files' texts, by name (users, accounts, transfers)."""
    rng = random.Random(seed)
    people = []
    for i in range(1, users + 1):
        pro = rng.random() < 0.15
        if pro:
            name = f"{rng.choice(SHOPS)} {rng.choice(LAST)} n°{i}"
        else:
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        login = f"{'pro' if pro else 'membre'}{i:05d}"
        people.append((login, name, f"{login}@exemple.fr", pro))
    balance = {login: 0 for login, *_ in people}
    lines = []
    start = datetime(2023, 1, 2, 9, 0)
    # the first transfers: every member's first conversion, from the debit account
    for n in range(transfers):
        when = start + timedelta(minutes=n * 157 + rng.randrange(0, 120))
        number = f"{when:%Y%m%d}-{n + 1:06d}"
        if n < min(users, transfers // 3) or rng.random() < 0.1:
            login = people[n % users][0] if n < users else rng.choice(people)[0]
            amount = rng.randrange(10, 200) * 100 + rng.choice((0, 50))
            lines.append((when, "Système", login, amount, "Conversion d'euros", number))
            balance[login] += amount
            continue
        payer = rng.choice([p for p in people[: min(users, n + 1)] if balance[p[0]] > 0] or people)
        payee = rng.choice(people)
        if payee[0] == payer[0] or balance[payer[0]] <= 0:
            login = payer[0]
            amount = rng.randrange(5, 50) * 100
            lines.append((when, "Système", login, amount, "Conversion d'euros", number))
            balance[login] += amount
            continue
        amount = rng.randrange(1, max(2, min(balance[payer[0]], 15_000)))
        kind = "Paiement" if payee[3] else rng.choice(WHAT)
        lines.append((when, payer[0], payee[0], amount, kind, number))
        balance[payer[0]] -= amount
        balance[payee[0]] += amount
    out_users = ["Identifiant;Nom;E-mail;Groupe;Date d'inscription"]
    for login, name, email, pro in people:
        group = "Professionnels" if pro else "Particuliers"
        out_users.append(f"{login};{name};{email};{group};02/01/2023")
    out_accounts = ["Propriétaire;Type de compte;Numéro;Solde"]
    for i, (login, _name, _email, pro) in enumerate(people, start=1):
        kind = "Compte professionnel" if pro else "Compte membre"
        out_accounts.append(f"{login};{kind};{100000 + i};{fr_amount(balance[login])}")
    total = sum(balance.values())
    out_accounts.append(f"Système;Compte de débit;1;{fr_amount(-total)}")
    out_transfers = ["Date;De;À;Montant;Description;Numéro de transaction"]
    for when, source, target, amount, what, number in lines:
        out_transfers.append(
            f"{when:%d/%m/%Y %H:%M};{source};{target};{fr_amount(amount)};{what};{number}"
        )
    return {
        "users": "\n".join(out_users) + "\n",
        "accounts": "\n".join(out_accounts) + "\n",
        "transfers": "\n".join(out_transfers) + "\n",
    }


def write(directory: Path, users: int = 1500, transfers: int = 5000, seed: int = 20) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in make(users, transfers, seed).items():
        (directory / f"{name}.csv").write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--users", type=int, default=1500)
    parser.add_argument("--transfers", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=20)
    args = parser.parse_args()
    write(args.out, args.users, args.transfers, args.seed)


if __name__ == "__main__":
    main()

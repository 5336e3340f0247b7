"""The other packages reach the ledger's storage only through its ports (ledger/ports.py):
import-linter forbids them `ledger.persistence`; this forbids them the store that a unit of
work carries (`uow.store`), so that every read goes through `uow.reads`."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_no_package_outside_the_ledger_uses_the_store() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for package in ("merchants", "association", "wallet_api", "sou")
        for path in sorted((ROOT / package).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\.store\b", line) and not line.lstrip().startswith("#")
    ]
    assert found == []

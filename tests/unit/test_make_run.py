"""`make run` serves the pilot with its association's reserve account configured, so that a
newcomer's "top up by bank transfer" shows a transfer to make, not a missing setting."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from association.iban import is_iban

ROOT = Path(__file__).resolve().parents[2]


def test_make_run_configures_the_pilots_reserve_account() -> None:
    # what `make run` exports to `sou serve`, read by make itself (-p prints its database)
    done = subprocess.run(
        ["make", "-p", "-n", "-f", "Makefile", "run"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin"},
    )
    exported = dict(re.findall(r"^run: (SOU_[A-Z_]+) = (.+)$", done.stdout, re.M))
    assert set(exported) >= {"SOU_RESERVE_IBAN", "SOU_RESERVE_BIC", "SOU_ASSOCIATION_NAME"}
    assert is_iban(exported["SOU_RESERVE_IBAN"])
    assert re.fullmatch(r"[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?", exported["SOU_RESERVE_BIC"])

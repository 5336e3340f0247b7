"""The service's self-check of its stored ledger (ledger.selfcheck): at start, then in the
background every `SOU_SELFCHECK_EVERY` seconds. What it finds raises the process's alarm
(ledger.integrity): /readyz not ready, `sou_integrity_failures` in /metrics, a critical log
line; a damaged log stops the process's writes."""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy.exc import DBAPIError

from ledger.ports import Ledger
from ledger.selfcheck import seal_unsealed, self_check

SELF_CHECK_EVERY = 3600.0  # seconds
log = logging.getLogger("sou.selfcheck")


class SelfChecker:
    def __init__(self, ledger: Ledger, *, every: float = SELF_CHECK_EVERY) -> None:
        self.ledger = ledger
        self.every = every
        self.runs = 0  # completed, for tests and curious operators
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def at_start(self) -> None:
        """Seals the accounts of a database from before seals, then checks everything."""
        sealed, left = seal_unsealed(self.ledger)
        if sealed:
            log.info("sealed %d accounts from before seals", sealed, extra={"event": "sealed"})
        for finding in left:
            assert finding.account is not None
            self.ledger.integrity.account_failed(finding.account, finding.why)
        self._run_once()

    def start(self) -> None:
        if self.every <= 0 or self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="sou-selfcheck", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            self._stop.set()
            thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self._run_once()

    def _run_once(self) -> None:
        started = time.monotonic()
        try:
            report = self_check(self.ledger)
        except DBAPIError as error:  # the database away: /readyz says so already
            log.warning("self-check not run: %s", type(error).__name__)
            return
        self.runs += 1
        log.info(
            "self-check: %d entries, %d accounts, %d findings in %.1f s",
            report.entries, report.accounts, len(report.findings), time.monotonic() - started,
            extra={"event": "selfcheck", "findings": len(report.findings)},
        )  # fmt: skip

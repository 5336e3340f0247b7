"""The real service under uvicorn on a fresh SQLite ledger, and Debian's Chromium to drive it.

No browser is downloaded: Playwright drives `/usr/bin/chromium` (CI installs the `chromium`
package). Without it these tests fail, on purpose, with a message saying so.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, sync_playwright
from sqlalchemy import text

from ledger.admin import create_ledger, enrol_device, issue_enrolment_code, open_account
from ledger.context import Ledger
from ledger.persistence.database import make_engine
from ledger.signing import SigningKey, create_key_file, load_key_file
from sou.pilot import load_pilot
from tests.databases import Templates
from tests.servers import running_service
from tests.support import HOST, UNIT, World

CHROMIUM = Path("/usr/bin/chromium")


@dataclass
class Service:
    """The service at `url`, and the same ledger seen from the office (the test's side)."""

    url: str
    world: World

    def open_account(self, kind: str, name: str, *, balance: int = 0) -> int:
        """An account with its holder's name, credited by a cash conversion at the office."""
        self.world.now = int(time.time())
        with self.world.ledger.unit_of_work() as uow:
            number = open_account(uow, kind=kind, now=self.world.now, holder_name=name)
            uow.commit()
        if balance:
            office = self.world.office
            self.world.post(
                self.world.record(
                    "conversion",
                    office.key,
                    method="cash",
                    office=office.account,
                    to=str(number),
                    amount=balance,
                )
            )
        return number

    def enrolment_code(self, number: int, role: str) -> str:
        self.world.now = int(time.time())
        with self.world.ledger.unit_of_work() as uow:
            code = issue_enrolment_code(uow, account=number, role=role, now=self.world.now)
            uow.commit()
        return code

    def enrol_key(self, number: int, role: str) -> SigningKey:
        """A device key enrolled on the test's side (a till whose requests the test signs)."""
        key = SigningKey.generate()
        with self.world.ledger.unit_of_work() as uow:
            code = issue_enrolment_code(uow, account=number, role=role, now=self.world.now)
            enrol_device(uow, code=code, public_key=key.public_bytes, now=self.world.now)
            uow.commit()
        return key

    def balance(self, number: int) -> int:
        return self.world.balance(number)

    def get(self, path: str) -> tuple[int, bytes, str]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as response:
                return response.status, response.read(), response.headers["content-type"]
        except urllib.error.HTTPError as error:
            return error.code, error.read(), error.headers["content-type"]

    def get_json(self, path: str) -> Any:
        status, body, _ = self.get(path)
        assert status == 200, body
        return json.loads(body)


@contextmanager
def serving(templates: Templates, tmp_path: Path) -> Iterator[Service]:
    """The service on a fresh SQLite ledger in `tmp_path`, until the block ends."""
    key_file = tmp_path / "ledger.key"
    with templates.database("sqlite", tmp_path) as url:
        world = World(url, ledger_key=create_key_file(key_file))
        world.now = int(time.time())  # the service checks records against its real clock
        try:
            # every page of every test signs in from 127.0.0.1
            many = {"SOU_AUTH_PER_CLIENT": "10000"}
            with running_service(world, key_file, settings=many) as base:
                yield Service(base, world)
        finally:
            world.close()


@pytest.fixture(scope="session")
def service(templates: Templates, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """One service for all the browser tests (each test opens its own accounts)."""
    with serving(templates, tmp_path_factory.mktemp("e2e")) as running:
        yield running


@pytest.fixture
def own_service(templates: Templates, tmp_path: Path) -> Iterator[Service]:
    """A service of the test's own, for what would change every test's books (the reserve's
    bank statements)."""
    with serving(templates, tmp_path) as running:
        yield running


PILOT_MONTHS = 12
# what `make run` sets for the pilot, so that its screens show what a person would see
PILOT_SETTINGS = {
    "SOU_AUTH_PER_CLIENT": "10000",
    "SOU_ASSOCIATION_NAME": "Association Hemen Txanpona",
    "SOU_RESERVE_IBAN": "FR7630004000031234567890143",
    "SOU_RESERVE_BIC": "BNPAFRPP",
}


def _pilot_files(templates: Templates, root: Path) -> tuple[Path, Path]:
    """The pilot's twelve months in a SQLite file and its ledger key, loaded once in `root`
    for every test process of the session (the others wait for the first)."""
    database, key_file = root / "pilot.db", root / "pilot.key"
    with open(root / "pilot.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not database.exists():
            loading = root / "pilot.loading.db"
            shutil.copy(templates.sqlite_template(), loading)
            key = create_key_file(key_file)
            engine = make_engine(f"sqlite:///{loading}")
            ledger = Ledger(engine, HOST, UNIT, key, "Rétzi", lambda: int(time.time()))
            with ledger.unit_of_work() as uow:
                create_ledger(uow, now=ledger.clock())
                uow.commit()
            load_pilot(ledger, months=PILOT_MONTHS)
            with engine.connect() as connection:
                connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            engine.dispose()
            loading.rename(database)
    return database, key_file


@dataclass
class Pilot(Service):
    """The pilot's service: its own accounts, as `sou pilot load` opened them."""

    treasurer: int = 0
    office: int = 0
    merchant: int = 0
    resident: int = 0


@pytest.fixture(scope="session")
def pilot(templates: Templates, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pilot]:
    """The service over the pilot loaded for twelve months, as `make run` serves it."""
    with serving_pilot(templates, tmp_path_factory) as running:
        yield running


@pytest.fixture
def own_pilot(templates: Templates, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pilot]:
    """The pilot's service of the test's own, for a test that changes its books (a day of
    the pilot: statements imported, batches paid, the reserve's statement published)."""
    with serving_pilot(templates, tmp_path_factory) as running:
        yield running


@contextmanager
def serving_pilot(
    templates: Templates, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Pilot]:
    """The service over a copy of the pilot's twelve months, until the block ends."""
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    database, key_file = _pilot_files(templates, root)
    mine = tmp_path_factory.mktemp("pilot") / "pilot.db"
    shutil.copy(database, mine)
    world = World(f"sqlite:///{mine}", ledger_key=load_key_file(key_file), genesis=False)
    world.now = int(time.time())
    with world.engine.connect() as connection:

        def first(query: str) -> int:
            return int(connection.execute(text(query)).scalar_one())

        numbers = {
            "treasurer": first("SELECT min(account) FROM keys WHERE role = 'treasurer'"),
            "office": first("SELECT min(account) FROM keys WHERE role = 'agent'"),
            "merchant": first("SELECT min(account) FROM keys WHERE role = 'cashier'"),
            "resident": first("SELECT min(account) FROM keys WHERE role = 'resident'"),
        }
    try:
        with running_service(world, key_file, settings=PILOT_SETTINGS) as url:
            yield Pilot(url, world, **numbers)
    finally:
        world.close()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """One Playwright per test process (it allows no second one beside it)."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests drive Debian's Chromium; "
            "install it with `apt-get install -y chromium` (.ci/run does)",
            pytrace=False,
        )
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
    yield browser
    browser.close()


@dataclass
class Troubles:
    """What a page must never show: uncaught script errors and Content-Security-Policy refusals."""

    seen: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> Page:
        page.on("pageerror", lambda error: self.seen.append(f"uncaught: {error}"))
        page.on("console", self._console)
        return page

    def _console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.seen.append(f"CSP: {message.text}")


@pytest.fixture
def troubles() -> Iterator[Troubles]:
    troubles = Troubles()
    yield troubles
    assert troubles.seen == []


@pytest.fixture
def new_page(browser: Browser, troubles: Troubles) -> Iterator[Any]:
    """Opens pages in separate browser contexts: separate devices, each with its own key."""
    contexts = []

    def open_page() -> Page:
        context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
        context.set_default_timeout(10_000)
        contexts.append(context)
        return troubles.watch(context.new_page())

    yield open_page
    for context in contexts:
        context.close()

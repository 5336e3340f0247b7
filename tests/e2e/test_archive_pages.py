"""The history kept from the previous platform, on screen: a small Cyclos export is imported
(from the test's side), a phone is enrolled on an imported account and its wallet lists the
archive, newest first, a page at a time, amounts signed; an account with no archive shows no
such section; the treasurer opens a member's archive from the console. FR and EN, by touch,
and axe-core finds no serious or critical violation."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from association import platform_import as pi
from tests.databases import Templates
from tests.e2e.conftest import Service, Troubles, serving
from tests.e2e.test_pilot_pages import sweep, violations
from tests.integration.test_platform_import import cyclos_files, do_import
from tests.support import UNIT

PAGE = 20  # the lines a page of the archive shows (wallet_api/static/archive.js)
NBSP = "\u00a0"


@pytest.fixture(scope="module")
def imported(
    templates: Templates, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Service, int]]:
    """A service of the module's own (an import changes its books) with a small Cyclos export
    imported, and the imported resident account with the longest archive."""
    with serving(templates, tmp_path_factory.mktemp("archive")) as service:
        service.world.now = int(time.time())
        done = do_import(service.world, "cyclos", cyclos_files(users=4, transfers=70, seed=3))
        parsed = pi.parse("cyclos", cyclos_files(users=4, transfers=70, seed=3))
        residents = [
            number
            for number, holder in zip(done.accounts, parsed.holders, strict=True)
            if holder.kind == "resident"
        ]
        with service.world.ledger.unit_of_work(write=False) as uow:
            number = max(residents, key=lambda n: pi.archive(uow, account=n, limit=1)[0])
        yield service, number


def archived(service: Service, number: int) -> list[pi.ArchivedLine]:
    with service.world.ledger.unit_of_work(write=False) as uow:
        total, lines = pi.archive(uow, account=number, limit=10**6)
    assert total == len(lines)
    return lines


def money(cents: int) -> str:
    """As money.js formatAmount writes it, signed as the wallet signs it."""
    units, rest = divmod(abs(cents), 100)
    grouped = f"{units:,}".replace(",", NBSP)
    return f"{'+' if cents >= 0 else '−'}{grouped},{rest:02d}{NBSP}{UNIT}"


def french_date(line: pi.ArchivedLine) -> str:
    """ "2023-01-02T09:05:00" as fr-FR's short date and time: "02/01/2023 09:05"."""
    day, clock = line.date.split("T")
    year, month, date = day.split("-")
    return f"{date}/{month}/{year} {clock[:5]}"


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def phone(browser: Browser, contexts: list[BrowserContext], troubles: Troubles) -> Page:
    """A touch phone of its own (its own key store), 390 px wide."""
    context = browser.new_context(
        locale="fr-FR",
        timezone_id="Europe/Paris",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(15_000)
    contexts.append(context)
    return troubles.watch(context.new_page())


def no_violations(page: Page, screen: str) -> None:
    """axe in French and in English (switched by touch), then back in French."""
    found = []
    for lang, button in (("fr", "English"), ("en", "Français")):
        expect(page.locator("html")).to_have_attribute("lang", lang)
        found += [f"{screen} {lang}: {v}" for v in violations(page)]
        page.get_by_role("button", name=button, exact=True).tap()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert found == []


def enrol_wallet(page: Page, service: Service, number: int) -> None:
    page.goto(service.url + "/")
    page.get_by_label("Code d’enrôlement").fill(service.enrolment_code(number, "resident"))
    page.get_by_role("button", name="Enrôler").tap()
    expect(page.locator("#balance")).to_contain_text(UNIT)


def test_the_wallet_shows_the_previous_platforms_history_page_by_page(
    imported: tuple[Service, int],
    browser: Browser,
    contexts: list[BrowserContext],
    troubles: Troubles,
) -> None:
    service, number = imported
    lines = archived(service, number)
    assert len(lines) > PAGE  # paged: at least two pages
    page = phone(browser, contexts, troubles)
    enrol_wallet(page, service, number)
    section = page.locator("#archive")
    expect(section).to_be_visible()
    summary = section.locator("summary")
    expect(summary).to_have_text("Historique de l’ancienne plateforme")
    items = page.locator("#archive-lines li")
    expect(items.first).to_be_hidden()  # collapsed until touched
    no_violations(page, "wallet, archive closed")
    summary.tap()
    expect(section).to_contain_text("relevés de l’ancienne plateforme, conservés pour mémoire")
    expect(section).to_contain_text("pas des opérations de ce registre")
    expect(items).to_have_count(PAGE)
    expect(page.locator("#archive-count")).to_have_text(
        f"{PAGE} ligne(s) affichée(s) sur {len(lines)}."
    )
    # newest first: date, counterparty as archived, signed amount, description
    for index in (0, 1, PAGE - 1):
        line = lines[index]
        item = items.nth(index)
        expect(item.locator("time")).to_have_text(french_date(line))
        expect(item.locator("time")).to_have_attribute("datetime", line.date)
        expect(item).to_contain_text(line.counterparty)
        expect(item).to_contain_text(line.description)
        expect(item.locator(".amount")).to_have_text(money(line.amount))
        expect(item.locator(".amount")).to_have_class(
            "amount in" if line.amount >= 0 else "amount out"
        )
    assert any(line.amount < 0 for line in lines) and any(line.amount > 0 for line in lines)
    no_violations(page, "wallet, archive open")
    older = page.get_by_role("button", name="Plus ancien")
    shown = PAGE
    while shown < len(lines):
        older.tap()
        shown = min(shown + PAGE, len(lines))
        expect(items).to_have_count(shown)
    expect(older).to_be_hidden()
    oldest = items.last
    expect(oldest.locator(".amount")).to_have_text(money(lines[-1].amount))
    expect(oldest).to_contain_text(lines[-1].counterparty)
    # the archived lines sum to the opening balance: the ledger's balance, not changed by them
    assert sum(line.amount for line in lines) == service.balance(number)
    # English
    page.get_by_role("button", name="English", exact=True).tap()
    expect(summary).to_have_text("History from the previous platform")
    expect(section).to_contain_text("previous platform’s records, kept for reference")
    expect(section).to_contain_text("not entries of this ledger")
    expect(page.locator("#archive-count")).to_have_text(
        f"{len(lines)} of {len(lines)} line(s) shown."
    )
    expect(items.first.locator(".amount")).to_have_text(money(lines[0].amount))
    page.get_by_role("button", name="Français", exact=True).tap()
    expect(summary).to_have_text("Historique de l’ancienne plateforme")


def test_english_pages_the_archive_with_older(
    imported: tuple[Service, int],
    browser: Browser,
    contexts: list[BrowserContext],
    troubles: Troubles,
) -> None:
    service, number = imported
    lines = archived(service, number)
    page = phone(browser, contexts, troubles)
    enrol_wallet(page, service, number)
    page.get_by_role("button", name="English", exact=True).tap()
    page.locator("#archive summary").tap()
    items = page.locator("#archive-lines li")
    expect(items).to_have_count(PAGE)
    page.get_by_role("button", name="Older").tap()
    expect(items).to_have_count(min(2 * PAGE, len(lines)))
    expect(items.nth(PAGE).locator(".amount")).to_have_text(money(lines[PAGE].amount))
    page.get_by_role("button", name="Français", exact=True).tap()


def test_an_account_without_archive_shows_no_section(
    imported: tuple[Service, int],
    browser: Browser,
    contexts: list[BrowserContext],
    troubles: Troubles,
) -> None:
    service, _ = imported
    number = service.open_account("resident", "Sans Ancienne Plateforme", balance=1500)
    page = phone(browser, contexts, troubles)
    enrol_wallet(page, service, number)
    expect(page.locator("#balance")).to_have_text(f"15,00{NBSP}{UNIT}")
    # the archive was read (and found empty): the section stays hidden
    expect(page.locator("#archive-count")).to_contain_text("Aucun historique")
    expect(page.locator("#archive")).to_be_hidden()
    expect(page.get_by_text("Historique de l’ancienne plateforme", exact=True)).to_be_hidden()
    page.get_by_role("button", name="English", exact=True).tap()
    expect(page.locator("#archive")).to_be_hidden()
    page.get_by_role("button", name="Français", exact=True).tap()


def test_the_treasurer_opens_a_members_archive_in_the_console(
    imported: tuple[Service, int],
    browser: Browser,
    contexts: list[BrowserContext],
    troubles: Troubles,
) -> None:
    service, number = imported
    lines = archived(service, number)
    context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris", has_touch=True)
    context.set_default_timeout(15_000)
    contexts.append(context)
    page = troubles.watch(context.new_page())
    page.goto(service.url + "/association")
    treasurer = service.world.treasurer.number
    page.get_by_label("Code d’enrôlement").fill(service.enrolment_code(treasurer, "treasurer"))
    page.get_by_role("button", name="Enrôler").tap()
    expect(page.locator("#platform-import")).to_be_visible()
    expect(page.locator("#chart")).to_have_attribute("aria-label", re.compile("."))
    view = page.locator("#imp-archive")
    expect(view).to_be_hidden()
    page.get_by_label("N° de compte de l’adhérent").fill(str(number))
    page.get_by_role("button", name="Afficher son historique").tap()
    items = page.locator("#imp-archive-lines li")
    expect(items).to_have_count(PAGE)
    expect(view).to_contain_text("conservés pour mémoire")
    expect(page.locator("#imp-archive-count")).to_have_text(
        f"{PAGE} ligne(s) affichée(s) sur {len(lines)}."
    )
    first = items.first
    expect(first.locator("time")).to_have_text(french_date(lines[0]))
    expect(first).to_contain_text(lines[0].counterparty)
    expect(first.locator(".amount")).to_have_text(money(lines[0].amount))
    page.locator("#imp-archive-older").tap()
    expect(items).to_have_count(min(2 * PAGE, len(lines)))
    sweep(page, "console, member archive")
    page.get_by_role("button", name="English", exact=True).tap()
    expect(page.locator("#imp-archive-older")).to_have_text("Older")
    expect(view).to_contain_text("kept for reference")
    page.get_by_role("button", name="Français", exact=True).tap()
    # a member without archive: said so, no line
    other = service.open_account("resident", "Nouvelle Adhérente")
    page.get_by_label("N° de compte de l’adhérent").fill(str(other))
    page.get_by_role("button", name="Afficher son historique").tap()
    expect(page.locator("#imp-archive-count")).to_have_text(
        f"Aucun historique de l’ancienne plateforme pour le compte n° {other}."
    )
    expect(items).to_have_count(0)
    expect(page.locator("#imp-archive-older")).to_be_hidden()

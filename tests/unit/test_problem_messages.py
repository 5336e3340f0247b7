"""Every problem type the service can answer has a sentence for people, in French and in
English (wallet_api/static/problems.js), so that no page shows the server's technical detail."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import association
import ledger
import merchants
import sou
import wallet_api
from ledger.errors import SouError

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "wallet_api" / "static"


def _domain_codes() -> set[str]:
    for package in (ledger, merchants, association, wallet_api, sou):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if ".migrations" not in module.name:
                importlib.import_module(module.name)
    codes: set[str] = set()
    todo: list[type[SouError]] = [SouError]
    while todo:
        cls = todo.pop()
        codes.add(cls.code)
        todo.extend(cls.__subclasses__())
    return codes


def _http_codes() -> set[str]:
    """The problem types the web layer answers with by name (not from a domain error)."""
    codes: set[str] = set()
    for path in (ROOT / "wallet_api").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        codes.update(re.findall(r"problem\(\s*\d+,\s*\"([a-z-]+)\"", text))
        if path.name == "errors.py":  # the HTTP errors' table
            codes.update(re.findall(r"\d{3}: \"([a-z-]+)\"", text))
        codes.update(re.findall(r"\"(http-error|invalid-request)\"", text))
    return codes | {"network"}  # api.js: the request did not reach the service


def _messages(language: str) -> dict[str, str]:
    text = (STATIC / "problems.js").read_text(encoding="utf-8")
    block = re.search(rf"\n  {language}: \{{(.*?)\n  \}},", text, re.S)
    assert block, f"no {language} block in problems.js"
    pairs = re.findall(r"\"problem\.([a-z-]+)\":\s*\"((?:[^\"\\]|\\.)*)\"", block[1])
    return dict(pairs)


def test_every_problem_type_has_a_sentence_in_french_and_in_english() -> None:
    codes = _domain_codes() | _http_codes()
    assert {"insufficient-funds", "not-found", "too-large", "not-ready"} <= codes
    for language in ("fr", "en"):
        messages = _messages(language)
        missing = sorted(codes - messages.keys())
        assert not missing, f"problems.js ({language}) has no sentence for {missing}"
        assert "other" in messages  # for a type this page does not know yet


def test_the_sentences_carry_no_cents_and_no_settings_names() -> None:
    for language in ("fr", "en"):
        for code, sentence in _messages(language).items():
            assert "cent" not in sentence.lower(), (language, code)
            assert "SOU_" not in sentence, (language, code)


def test_french_and_english_name_the_same_figures() -> None:
    fr, en = _messages("fr"), _messages("en")
    assert fr.keys() == en.keys()
    for code in fr:
        assert re.findall(r"\{\w+\}", fr[code]) == re.findall(r"\{\w+\}", en[code]), code


def test_every_domain_error_names_its_own_code_and_title() -> None:
    """A problem's title is the class's `title`, set by the class itself (not inherited, not a
    docstring), one line that fits a problem+json `title`."""
    _domain_codes()  # imports every module, so that every subclass exists
    todo: list[type[SouError]] = list(SouError.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        assert "code" in vars(cls) and "title" in vars(cls), cls
        assert "\n" not in cls.title and 0 < len(cls.title) <= 100, cls

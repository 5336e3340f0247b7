"""The project stands alone: a stranger's clone holds everything its code, tests, CI and docs
read, and names no folder outside itself. Its documents link only to files that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SKIPPED_DIRS = {".git", ".venv", "node_modules", "__pycache__", ".mypy_cache", ".pytest_cache"}
SKIPPED_DIRS |= {".ruff_cache", "build", "dist"}
TEXT_SUFFIXES = {".py", ".md", ".toml", ".js", ".mjs", ".html", ".css", ".yml", ".yaml", ".ini"}
TEXT_SUFFIXES |= {".cfg", ".json", ".txt", ".mako", ".webmanifest", ".sh"}
TEXT_NAMES = {"Makefile", "Dockerfile", "run", ".dockerignore", ".gitignore", "LICENSE"}
# Written in pieces so that this file does not find itself.
OUTSIDE = [
    re.compile(re.escape(".." + "/shared")),
    re.compile(re.escape("share" + "d/spec")),
    re.compile(r"(?<![\w.])/" + "work/"),
    re.compile(r"\bSPEC" + r"(\.md|\s*§)"),
]


def _project_files() -> list[Path]:
    files = []
    for path in ROOT.rglob("*"):
        relative = path.relative_to(ROOT)
        if any(part in SKIPPED_DIRS or part.endswith(".egg-info") for part in relative.parts):
            continue
        if path.is_file() and (path.suffix in TEXT_SUFFIXES or path.name in TEXT_NAMES):
            files.append(path)
    return files


def test_no_file_names_a_path_outside_the_project() -> None:
    found = []
    for path in _project_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            if any(pattern.search(line) for pattern in OUTSIDE):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []


def test_the_walk_reads_the_files_that_matter() -> None:
    names = {path.relative_to(ROOT).as_posix() for path in _project_files()}
    assert {"README.md", "Makefile", ".ci/run", "tests/vectors.py", "ledger/log.py"} <= names


MARKDOWN_LINK = re.compile(r"\]\(([^)\s#]+)(#[^)]*)?\)")


@pytest.mark.parametrize(
    "document", ["README.md", *sorted(p.name for p in (ROOT / "docs").glob("*.md"))]
)
def test_every_relative_link_of_the_documentation_reaches_a_file(document: str) -> None:
    path = ROOT / document if document == "README.md" else ROOT / "docs" / document
    broken = []
    for target, _ in MARKDOWN_LINK.findall(path.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target):
            continue  # an absolute URL, not a file of the project
        if not (path.parent / target).exists():
            broken.append(target)
    assert broken == []

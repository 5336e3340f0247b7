"""The format test vectors (docs/FORMATS.md §10), for every test to reuse.

`tests/data/vectors.json` is the project's own copy of the worked examples: made with the
public RFC 8032 §7.1 test keys, reproduced byte for byte by the tests.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

VECTORS_PATH = Path(__file__).resolve().parent / "data" / "vectors.json"


def load_vectors() -> dict[str, Any]:
    """A fresh copy of tests/data/vectors.json (callers may mutate it)."""
    data: dict[str, Any] = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))
    return data

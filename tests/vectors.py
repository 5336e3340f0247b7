"""The shared test vectors of the specification (SPEC.md §10), for every test to reuse."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# <work>/main/tests/vectors.py -> <work>/shared/spec/vectors.json
VECTORS_PATH = Path(__file__).resolve().parents[2] / "shared" / "spec" / "vectors.json"


def load_vectors() -> dict[str, Any]:
    """A fresh copy of spec/vectors.json (callers may mutate it)."""
    data: dict[str, Any] = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))
    return data

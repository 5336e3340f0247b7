"""Reading RFC 9457 problems in the API tests."""

from __future__ import annotations

from typing import Any


def problem(response: Any) -> str:
    """The stable problem type of an error response, without its `urn:sou:problem:` prefix."""
    assert response.headers["content-type"] == "application/problem+json"
    kind: str = response.json()["type"]
    return kind.removeprefix("urn:sou:problem:")

"""Strict JSON request bodies: size-limited, no duplicate keys, no floats, no NaN.

Signed records are judged byte for byte, so a body is parsed by rules stricter than JSON's:
an amount written `12.5` or `1e3`, or a key given twice, is refused rather than guessed at.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Depends, Request

from ledger.errors import FormatError

MAX_BODY = 16 * 1024


class MalformedJSON(FormatError):
    """The request body is not strict JSON (size, syntax, duplicate keys, floats)."""

    code = "malformed-json"


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise MalformedJSON(f"the key {key!r} appears twice")
        result[key] = value
    return result


def _no_float(text: str) -> Any:
    raise MalformedJSON(f"numbers are whole (cents): {text} is not")


def _no_constant(text: str) -> Any:
    raise MalformedJSON(f"{text} is not JSON")


def parse_strict(body: bytes) -> Any:
    if len(body) > MAX_BODY:
        raise MalformedJSON(f"the body is larger than {MAX_BODY} bytes")
    try:
        return json.loads(
            body.decode("utf-8"),
            object_pairs_hook=_no_duplicates,
            parse_float=_no_float,
            parse_constant=_no_constant,
        )
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise MalformedJSON(f"the body is not JSON: {error}") from None


async def strict_json(request: Request) -> Any:
    """The request's body, parsed strictly (a dependency: routes that use it can stay sync,
    so that their database waits never block the event loop)."""
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_BODY:
        raise MalformedJSON(f"the body is larger than {MAX_BODY} bytes")
    return parse_strict(await request.body())


StrictJSON = Annotated[Any, Depends(strict_json)]

"""Strict JSON request bodies: size-limited, no duplicate keys, no floats, no NaN.

Signed records are judged byte for byte, so a body is parsed by rules stricter than JSON's:
an amount written `12.5` or `1e3`, or a key given twice, is refused rather than guessed at.

Every JSON body, strict or not, is measured before any parser sees it (`check_shape`): a
body nested deeper than `MAX_DEPTH`, a number longer than `MAX_DIGITS` or a string longer
than `MAX_STRING` is a `malformed-json` problem, not the parser's recursion or integer-size
error. `LimitedRoute` does it for every route whose body FastAPI parses.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.routing import APIRoute

from wallet_api.errors import MalformedJSON

MAX_BODY = 16 * 1024
MAX_DEPTH = 32  # a signed envelope nests 3 deep
MAX_DIGITS = 19  # 9223372036854775807, the largest amount a database column holds
MAX_STRING = 4096  # characters (an escape counts as one); fields have their own, smaller limits

# A JSON string, possessively (no backtracking): what is left outside strings is structure
_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_LONG_NUMBER = re.compile(rb"[0-9]{%d,}" % (MAX_DIGITS + 1))
_BRACKET = re.compile(rb"[\[\]{}]")
_ESCAPE = re.compile(rb"\\u[0-9a-fA-F]{4}|\\.")


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


def check_shape(body: bytes) -> None:
    """Refuses a body too deep, or with too long a number or string, before it is parsed."""
    for match in _STRING.finditer(body):
        if match.end() - match.start() - 2 > MAX_STRING and _characters(match.group()) > MAX_STRING:
            raise MalformedJSON(f"a string is longer than {MAX_STRING} characters")
    bare = _STRING.sub(b'""', body)
    if _LONG_NUMBER.search(bare):
        raise MalformedJSON(f"a number has more than {MAX_DIGITS} digits")
    if bare.count(b"[") + bare.count(b"{") > MAX_DEPTH:
        depth = 0
        for bracket in _BRACKET.findall(bare):
            depth += 1 if bracket in (b"[", b"{") else -1
            if depth > MAX_DEPTH:
                raise MalformedJSON(f"the body is nested more than {MAX_DEPTH} deep")


def _characters(string: bytes) -> int:
    """A JSON string's length in characters, its quotes left out and an escape counted as one."""
    return len(_ESCAPE.sub(b".", string[1:-1]).decode("utf-8", "replace"))


def parse_strict(body: bytes) -> Any:
    if len(body) > MAX_BODY:
        raise MalformedJSON(f"the body is larger than {MAX_BODY} bytes")
    check_shape(body)
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


def signed_body(record: str) -> dict[str, Any]:
    """The OpenAPI request body of a route that takes a signed envelope (`openapi_extra`)."""
    schema = {
        "type": "object",
        "required": ["alg", "record", "sig"],
        "additionalProperties": False,
        "properties": {
            "alg": {"const": "Ed25519"},
            "record": {"type": "object", "description": record},
            "sig": {"type": "string", "description": "base64url Ed25519 signature"},
        },
    }
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


class LimitedRoute(APIRoute):
    """A route whose JSON body, if it takes one, passes `check_shape` before FastAPI parses it
    (the body is read once: Starlette keeps it on the request for the parser)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if self.body_field is None:
            return handler

        async def checked(request: Request) -> Response:
            check_shape(await request.body())
            return await handler(request)

        return checked

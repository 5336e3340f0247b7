"""A batch's columns sent to PostgreSQL as binary arrays, each encoded in one go.

The append statement (`PostgresFastPath.write_batch`) sends a batch as one array per
column. psycopg dumps a Python list element by element, in Python (finding each element's
dumper, packing its length and its value): about a quarter of the Python the batch runs under
the write lock. A `Column` carries the values with their element type, and its dumper
writes PostgreSQL's binary array format (`array_send`) directly: a header, then each element
as its length and its bytes (-1 for NULL), integers packed by one `struct` call.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Any, ClassVar

import psycopg
from psycopg.adapt import Dumper
from psycopg.pq import Format

_NULL = struct.pack(">i", -1)


class Column:
    """One column of a batch, for a binary parameter (`%b`) cast to the matching `type[]`."""

    __slots__ = ("values",)
    element_oid: ClassVar[int]
    array_oid: ClassVar[int]
    code: ClassVar[str] = ""  # the `struct` code of a fixed-size integer
    holds: ClassVar[type] = int  # what each value must be (integers: `struct` checks them)

    def __init__(self, values: Sequence[object]) -> None:
        self.values = values


class Int2s(Column):
    __slots__ = ()
    element_oid, array_oid, code = 21, 1005, "h"


class Int8s(Column):
    __slots__ = ()
    element_oid, array_oid, code = 20, 1016, "q"


class Texts(Column):
    __slots__ = ()
    element_oid, array_oid, holds = 1043, 1015, str


class Blobs(Column):
    __slots__ = ()
    element_oid, array_oid, holds = 17, 1001, bytes


BY_TYPE: dict[str, type[Column]] = {"int2": Int2s, "int8": Int8s, "varchar": Texts, "bytea": Blobs}


def encode(column: Column) -> bytes:
    """PostgreSQL's binary form of a one-dimensional array (lower bound 1)."""
    values, code = column.values, column.code
    if not values:
        return struct.pack(">iiI", 0, 0, column.element_oid)
    has_null = any(v is None for v in values)
    head = struct.pack(">iiIii", 1, int(has_null), column.element_oid, len(values), 1)
    if code and not has_null:
        size = struct.calcsize(">" + code)
        pairs = [x for v in values for x in (size, v)]
        return head + struct.pack(">" + ("i" + code) * len(values), *pairs)
    blobs = [v for v in values if type(v) is bytes] if column.holds is bytes else []
    if len(blobs) == len(values) and len({len(b) for b in blobs}) == 1:
        prefix = struct.pack(">i", len(blobs[0]))  # the seals of a batch: all 72 bytes
        return head + prefix + prefix.join(blobs)
    parts = [head]
    for value in values:
        if value is None:
            parts.append(_NULL)
            continue
        if code:
            data = struct.pack(">" + code, value)
        elif isinstance(value, str) and column.holds is str:
            data = value.encode()
        elif isinstance(value, bytes) and column.holds is bytes:
            data = value
        else:
            raise TypeError(f"a {type(column).__name__} column cannot hold {type(value).__name__}")
        parts.append(struct.pack(">i", len(data)))
        parts.append(data)
    return b"".join(parts)


class _ColumnDumper(Dumper):
    format = Format.BINARY

    def dump(self, obj: Any) -> bytes:
        return encode(obj)


for _cls in (Int2s, Int8s, Texts, Blobs):
    _dumper = type(f"{_cls.__name__}Dumper", (_ColumnDumper,), {"oid": _cls.array_oid})
    psycopg.adapters.register_dumper(_cls, _dumper)

"""`frozen`: the dataclasses made per record on the payments' hot path, frozen where it is free.

A frozen dataclass's `__init__` sets each field with `object.__setattr__`, which costs a
transfer's body (12 fields) about 3 µs, some 14 % of parsing and judging it (measured with
time.process_time). These classes are frozen to the type checker instead: mypy refuses any
assignment to their fields (`dataclass_transform(frozen_default=True)`); at run time they are
slotted dataclasses, hashed and compared by their fields as frozen ones are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar, dataclass_transform

T = TypeVar("T")


@dataclass_transform(frozen_default=True)
def frozen(cls: type[T]) -> type[T]:
    return dataclass(slots=True, unsafe_hash=True)(cls)

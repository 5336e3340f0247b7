"""PostgreSQL's side of the batch write path: the columns `ledger.persistence.pgarrays` encodes
reach it unchanged, and a batch's turn sets how its statements are planned."""

from __future__ import annotations

import struct
from typing import Any, cast

import psycopg
import pytest
from sqlalchemy.pool import NullPool

from ledger.persistence.database import make_engine
from ledger.persistence.pgarrays import Blobs, Column, Int2s, Int8s, Texts, encode
from tests.support import World

CASES: list[tuple[Column, str]] = [
    (Int8s([1, -2, 2**63 - 1, -(2**63)]), "int8"),
    (Int8s([5, None, 7]), "int8"),
    (Int2s([0, 1, -3, 32767]), "int2"),
    (Int2s([None]), "int2"),
    (Texts(["a", "é€ 🌳", None, "", "x" * 300]), "varchar"),
    (Blobs([b"\x00\xff", b"", None, bytes(range(256))]), "bytea"),
    (Int8s([]), "int8"),
    (Texts([]), "varchar"),
]


def test_each_column_type_round_trips_through_postgresql(postgres_url: str) -> None:
    engine = make_engine(postgres_url, poolclass=NullPool)
    with engine.connect() as connection:
        raw = cast(psycopg.Connection[Any], connection.connection.driver_connection)
        for column, pg_type in CASES:
            row = raw.execute(
                f"SELECT %b::{pg_type}[], cardinality(%b::{pg_type}[])", [column, column]
            ).fetchone()
            assert row is not None
            assert row[0] == list(column.values), pg_type
            assert row[1] == len(column.values)
    engine.dispose()


@pytest.mark.parametrize(
    ("column", "error"),
    [
        (Texts(["a", b"bytes"]), TypeError),
        (Blobs([b"a", "text"]), TypeError),
        (Int8s(["1"]), struct.error),
        (Int8s([1, None, "1"]), struct.error),
        (Int2s([40_000]), struct.error),
    ],
    ids=["bytes-as-text", "text-as-bytes", "text-as-int8", "text-as-int8-with-null", "int2-range"],
)
def test_a_value_of_another_type_is_refused_not_sent(column: Column, error: type) -> None:
    with pytest.raises(error):
        encode(column)


def test_a_batch_turn_keeps_plans_for_its_own_transaction_only(postgres_url: str) -> None:
    """The batch's statements may reuse PostgreSQL's kept plans; the engine's setting (plan
    each statement anew) is back once the batch ends, on the same pooled connection."""
    world = World(postgres_url)
    try:
        with world.engine.connect() as connection:
            mode = "SHOW plan_cache_mode"
            assert connection.exec_driver_sql(mode).scalar() == "force_custom_plan"
            connection.rollback()
            with world.ledger.unit_of_work(connection=connection) as uow:
                uow.store.wait_for_batch_turn()
                assert connection.exec_driver_sql(mode).scalar() == "auto"
                uow.commit()
            assert connection.exec_driver_sql(mode).scalar() == "force_custom_plan"
    finally:
        world.close()

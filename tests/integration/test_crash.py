"""A ledger process killed with SIGKILL while it posts: nothing acknowledged is lost, nothing
is half written, and the ledger carries on.

The child (`python -m tests.workers post-until-killed`) posts one payment per unit of work
and acknowledges each in a file only once its commit returned, as a server answers its
client. The test kills it at a random moment, three times per database, and each time
reopens the database as a restarted server would and checks it from scratch.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from ledger.persistence import tables
from tests import workers
from tests.support import Holder, World

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
KILLS = 3


def start_poster(
    url: str, world: World, holders: list[Holder], acks: Path
) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "tests.workers",
        "post-until-killed",
        f"--url={url}",
        f"--ledger-seed={world.ledger.key.private_bytes.hex()}",
        *(f"--holder={h.number}:{h.key.private_bytes.hex()}" for h in holders),
        f"--acks={acks}",
    ]
    with acks.with_suffix(".stderr").open("wb") as errors:
        return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=errors)


def acknowledged(acks: Path) -> list[tuple[str, int]]:
    """The (record id, entry index) pairs the child acknowledged: whole lines only."""
    if not acks.exists():
        return []
    lines = acks.read_text(encoding="ascii").split("\n")[:-1]
    return [(record_id, int(index)) for record_id, index in (line.split() for line in lines)]


def kill_while_posting(process: subprocess.Popen[bytes], acks: Path, after: float) -> None:
    """Lets the child post for `after` seconds once it has acknowledged a payment, then kills it."""
    deadline = time.monotonic() + 60
    while not acknowledged(acks):
        assert process.poll() is None, acks.with_suffix(".stderr").read_text()
        assert time.monotonic() < deadline, "the child acknowledged nothing in 60 s"
        time.sleep(0.02)
    time.sleep(after)
    assert process.poll() is None, acks.with_suffix(".stderr").read_text()
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL


def log_size(world: World) -> int:
    with world.ledger.unit_of_work(write=False) as uow:
        return uow.store.size()


@pytest.fixture
def holders(world: World) -> list[Holder]:
    return [world.resident(balance=1_000_00) for _ in range(3)]


def test_a_ledger_killed_while_posting_keeps_every_acknowledged_payment_and_nothing_half_written(
    db_url: str, world: World, holders: list[Holder], tmp_path: Path
) -> None:
    E = tables.ENTRIES
    moments = random.Random()
    for kill in range(KILLS):
        acks = tmp_path / f"acks-{kill}.txt"
        started_at = log_size(world)
        process = start_poster(db_url, world, holders, acks)
        try:
            kill_while_posting(process, acks, after=moments.uniform(0.3, 1.5))
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()

        restarted = workers.open_ledger(db_url, world.ledger.key.private_bytes)
        try:
            with restarted.engine.connect() as conn:
                problems = workers.ledger_problems(conn)
                entered = dict(conn.execute(select(E.c.record_id, E.c.idx)).all())
                size = len(entered)
            acked = acknowledged(acks)
            assert acked
            assert {rid: entered.get(rid) for rid, _ in acked} == dict(acked)
            # One payment at a time: at most the last one committed without its acknowledgement.
            assert size - started_at - len(acked) in (0, 1)
            assert problems == []

            payer, payee = holders[kill], holders[(kill + 1) % len(holders)]
            record = workers.payment((payer.number, payer.key), payee.number, 1_00)
            landed = workers.post_until_landed(restarted, record)
            assert (landed.index, landed.retry) == (size, False)
            with restarted.engine.connect() as conn:
                assert workers.ledger_problems(conn) == []
        finally:
            restarted.engine.dispose()

    assert workers.checkpoint_problems(world.ledger) == []
    assert workers.exported_log_problems(world.ledger, tmp_path / "log.sou") == []

"""`sou serve`'s worker count: one per CPU in production, one in development, never zero."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from sou import cli


def test_production_serves_one_worker_per_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 6)
    assert cli.default_workers(production=True) == 6
    assert cli.default_workers(production=False) == 1


def test_an_unknown_cpu_count_still_gives_one_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: None)
    assert cli.default_workers(production=True) == 1


@pytest.mark.parametrize("workers", ["0", "-2", "many"])
def test_a_worker_count_below_one_is_a_usage_error(workers: str) -> None:
    result = CliRunner().invoke(cli.main, ["serve", "--workers", workers])
    assert result.exit_code == 2
    assert "--workers" in result.output

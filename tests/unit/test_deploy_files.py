"""The deployment recipe, checked without a Docker engine (none runs on the CI machines): the
image holds every package the service imports, runs as a user of its own and says when it is
healthy; compose starts PostgreSQL, Sou and Caddy with secrets from files; Caddy's files parse."""

from __future__ import annotations

import fnmatch
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from ledger.config import Settings
from ledger.errors import BadSetting

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def _packages() -> list[str]:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    return [pattern.rstrip("*") for pattern in patterns]


def _ignored(path: str) -> bool:
    """Whether .dockerignore keeps `path` (relative, with slashes) out of the build context."""
    ignored = False
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate, pattern = line.startswith("!"), line.lstrip("!")
        parts = path.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        matched = any(
            fnmatch.fnmatch(prefix, pattern) or fnmatch.fnmatch(prefix, pattern.removeprefix("**/"))
            for prefix in prefixes
        ) or any(fnmatch.fnmatch(part, pattern.removeprefix("**/")) for part in parts)
        if matched:
            ignored = not negate
    return ignored


def _instructions(name: str) -> list[str]:
    return [line for line in DOCKERFILE.splitlines() if line.split(" ", 1)[0] == name]


def test_the_image_holds_every_package_the_service_imports() -> None:
    copies = _instructions("COPY")
    whole = any(line.split()[1:] == [".", "."] for line in copies)
    for package in _packages():
        assert (ROOT / package / "__init__.py").is_file(), package
        if whole:
            assert not _ignored(f"{package}/__init__.py"), f"{package} is in .dockerignore"
        else:
            assert any(line.split()[1] == package for line in copies), f"{package} not copied"
    for needed in ("pyproject.toml", "README.md", "LICENSE"):
        assert not _ignored(needed), needed


def test_the_build_context_leaves_out_environments_databases_and_keys() -> None:
    for path in (".venv/bin/python", ".git/HEAD", "sou.db", "sou.db-wal", "sou-ledger.key"):
        assert _ignored(path), path
    assert _ignored("ledger/__pycache__/log.cpython-311.pyc")


def test_the_image_runs_as_a_user_of_its_own_and_has_a_healthcheck() -> None:
    users = _instructions("USER")
    assert users and users[-1].split()[1] not in ("root", "0")
    assert (
        _instructions("HEALTHCHECK") and "/healthz" in _instructions("HEALTHCHECK")[0] + DOCKERFILE
    )


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    result = subprocess.run(
        [hadolint, "--no-color", str(ROOT / "Dockerfile")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _compose() -> dict[str, Any]:
    compose: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return compose


def test_compose_starts_postgresql_sou_and_caddy_with_secrets_from_files() -> None:
    compose = _compose()
    services = compose["services"]
    assert set(services) == {"db", "sou", "caddy"}
    assert services["db"]["environment"]["POSTGRES_PASSWORD_FILE"].startswith("/run/secrets/")
    assert services["sou"]["environment"]["SOU_DATABASE_URL_FILE"].startswith("/run/secrets/")
    for secret in compose["secrets"].values():
        assert set(secret) == {"file"}
    for name, service in services.items():
        environment = service.get("environment", {})
        for key, value in environment.items():
            assert not (key.endswith("PASSWORD") or key == "SOU_DATABASE_URL"), (name, key)
            assert "@" not in str(value), (name, key)  # no credentials in a URL
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"caddy"}
    assert "healthcheck" in services["db"]
    # Sou believes forwarded headers from Caddy's fixed address, and from nobody else
    caddy = services["caddy"]["networks"]["default"]["ipv4_address"]
    assert services["sou"]["environment"]["SOU_TRUSTED_PROXIES"] == caddy
    assert "FORWARDED_ALLOW_IPS" not in services["sou"]["environment"]


CADDY = shutil.which("caddy")


@pytest.mark.parametrize("caddyfile", ["deploy/Caddyfile", "deploy/Caddyfile.local"])
def test_the_caddy_files_are_valid(caddyfile: str, tmp_path: Path) -> None:
    assert CADDY, "caddy is not installed (Debian package `caddy`; .ci/run installs it)"
    env = {**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path)}
    env |= {"XDG_CONFIG_HOME": str(tmp_path), "SOU_DOMAIN": "pay.example.org"}
    command = [CADDY, "validate", "--config", str(ROOT / caddyfile), "--adapter", "caddyfile"]
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "flush_interval -1" in (ROOT / caddyfile).read_text()


def test_the_database_url_can_come_from_a_secret_file(tmp_path: Path) -> None:
    secret = tmp_path / "database_url"
    secret.write_text("postgresql+psycopg://sou:s3cret@db:5432/sou\n")
    settings = Settings.from_env({"SOU_DATABASE_URL_FILE": str(secret)})
    assert settings.database_url == "postgresql+psycopg://sou:s3cret@db:5432/sou"


@pytest.mark.parametrize("case", ["both", "missing", "empty"])
def test_a_database_url_file_that_cannot_be_used_is_refused(tmp_path: Path, case: str) -> None:
    secret = tmp_path / "database_url"
    env = {"SOU_DATABASE_URL_FILE": str(secret)}
    if case == "both":
        secret.write_text("sqlite:///x.db\n")
        env["SOU_DATABASE_URL"] = "sqlite:///y.db"
    elif case == "empty":
        secret.write_text("\n")
    with pytest.raises(BadSetting):
        Settings.from_env(env)

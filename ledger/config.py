"""Deployment settings, read from `SOU_*` environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ledger.errors import BadSetting, SouError
from ledger.witness import parse_witness_vkey

DEFAULT_DATABASE_URL = "sqlite:///sou.db"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    host: str = "localhost:8000"  # the origin: appears in records, QR codes and checkpoints
    currency: str = "RTZ"
    unit_name: str = "Rétzi"
    ledger_key: Path = Path("sou-ledger.key")
    # the association and the reserve's bank account, which pays reconversions (SEPA)
    association_name: str = "Association de la monnaie locale"
    reserve_iban: str | None = None
    reserve_bic: str | None = None
    pilot_end: str | None = None  # YYYY-MM-DD: the pilot's last day, for its evaluation
    auth_per_client: int = 30  # sign-ins a minute from one client address (an office's NAT…)
    source_url: str = "/source.tar.gz"  # the running version's source (AGPL section 13)
    # Prometheus metrics at /metrics: off, or on for the client addresses of `metrics_allow`
    metrics: bool = False
    metrics_allow: str = "127.0.0.1/32,::1/128"
    # the reverse proxies whose X-Forwarded-For/-Proto are believed (uvicorn's forwarded_allow_ips)
    trusted_proxies: str = "127.0.0.1"
    log_format: str = "json"  # or "text"
    # seconds between two background self-checks of the stored ledger (one runs at start)
    selfcheck_every: float = 3600.0
    # the verifier keys (name+hash+base64) of the witnesses whose cosignatures are kept
    witnesses: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls(
            database_url=_database_url(env),
            host=env.get("SOU_HOST", cls.host).lower(),
            currency=env.get("SOU_CURRENCY", cls.currency),
            unit_name=env.get("SOU_UNIT_NAME", cls.unit_name),
            ledger_key=Path(env.get("SOU_LEDGER_KEY", str(cls.ledger_key))),
            association_name=env.get("SOU_ASSOCIATION_NAME", cls.association_name),
            reserve_iban=env.get("SOU_RESERVE_IBAN") or None,
            reserve_bic=env.get("SOU_RESERVE_BIC") or None,
            pilot_end=env.get("SOU_PILOT_END") or None,
            auth_per_client=int(env.get("SOU_AUTH_PER_CLIENT", cls.auth_per_client)),
            source_url=env.get("SOU_SOURCE_URL") or cls.source_url,
            metrics=_flag(env, "SOU_METRICS"),
            metrics_allow=env.get("SOU_METRICS_ALLOW") or cls.metrics_allow,
            trusted_proxies=env.get("SOU_TRUSTED_PROXIES") or cls.trusted_proxies,
            log_format=_choice(env, "SOU_LOG_FORMAT", ("json", "text"), cls.log_format),
            selfcheck_every=_seconds(env, "SOU_SELFCHECK_EVERY", cls.selfcheck_every),
            witnesses=_witnesses(env.get("SOU_WITNESSES", "")),
        )


def _witnesses(value: str) -> tuple[str, ...]:
    keys = tuple(v.strip() for v in value.split(",") if v.strip())
    for vkey in keys:
        try:
            parse_witness_vkey(vkey)
        except SouError as error:
            raise BadSetting(f"SOU_WITNESSES: {error.message}") from None
    return keys


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    value = env.get(name, "").strip()
    try:
        seconds = float(value) if value else default
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < 10**9:
        raise BadSetting(f"{name}: {value!r} is not a number of seconds (0: never)")
    return seconds


def _flag(env: Mapping[str, str], name: str) -> bool:
    value = env.get(name, "").strip().lower()
    if value in ("", "0", "off", "false", "no"):
        return False
    if value in ("1", "on", "true", "yes"):
        return True
    raise BadSetting(f"{name}: {value!r} is neither on (1) nor off (0)")


def _choice(env: Mapping[str, str], name: str, options: tuple[str, ...], default: str) -> str:
    value = env.get(name) or default
    if value not in options:
        raise BadSetting(f"{name}: {value!r} is not one of {', '.join(options)}")
    return value


def _database_url(env: Mapping[str, str]) -> str:
    """`SOU_DATABASE_URL`, or the first line of the file `SOU_DATABASE_URL_FILE` names (a
    container secret: the password stays out of the environment and the compose file)."""
    url_file = env.get("SOU_DATABASE_URL_FILE")
    if not url_file:
        return env.get("SOU_DATABASE_URL", DEFAULT_DATABASE_URL)
    if env.get("SOU_DATABASE_URL"):
        raise BadSetting("set SOU_DATABASE_URL or SOU_DATABASE_URL_FILE, not both")
    try:
        lines = Path(url_file).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        why = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
        raise BadSetting(f"SOU_DATABASE_URL_FILE: cannot read {url_file}: {why}") from None
    if not lines or not lines[0].strip():
        raise BadSetting(f"SOU_DATABASE_URL_FILE: {url_file} is empty")
    return lines[0].strip()

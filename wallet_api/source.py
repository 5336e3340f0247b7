"""The source of the running version, for the AGPL's section 13.

Every page links to `SOU_SOURCE_URL`. By default that is `/source.tar.gz`, which this module
makes from the very files the service runs (its five packages as installed, with the licence
and the project file), so what a user downloads is what answered them, whatever was changed
on the server. An association that publishes its version elsewhere (a tag on a forge) sets
`SOU_SOURCE_URL` to it instead.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import io
import tarfile
from functools import cache
from pathlib import Path

DEFAULT_SOURCE_URL = "/source.tar.gz"
PACKAGES = ("ledger", "merchants", "association", "wallet_api", "sou")
PROJECT_FILES = ("LICENSE", "README.md", "pyproject.toml")
TOP = "sou-source"


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)  # by name: the web layer imports no shell module
    if spec is None or spec.origin is None:
        raise LookupError(f"package {name} is not installed")
    return Path(spec.origin).parent


def _project_files(packages: list[Path]) -> dict[str, bytes]:
    """The licence and project file: beside the packages in a checkout, else the
    distribution's metadata (where pip put the licence of an installed copy)."""
    root = packages[0].parent
    if (root / "pyproject.toml").is_file():
        files = [root / name for name in PROJECT_FILES]
        return {file.name: file.read_bytes() for file in files if file.is_file()}
    found: dict[str, bytes] = {}
    try:
        distribution = importlib.metadata.distribution("sou")
    except importlib.metadata.PackageNotFoundError:
        return found
    for file in distribution.files or []:
        if file.name.upper().startswith(("LICENSE", "LICENCE")):
            found[file.name] = Path(str(file.locate())).read_bytes()
    return found


@cache
def source_archive() -> bytes:
    """A gzipped tar of the running code: made once per process, on first request."""
    packages = [_package_dir(name) for name in PACKAGES]
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in sorted(_project_files(packages).items()):
            _add(archive, f"{TOP}/{name}", data)
        for package in packages:
            for path in sorted(package.rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts:
                    relative = path.relative_to(package.parent).as_posix()
                    _add(archive, f"{TOP}/{relative}", path.read_bytes())
    return buffer.getvalue()


def _add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    archive.addfile(info, io.BytesIO(data))

"""The web pages: the resident wallet and the merchant till, as static HTML and ES modules.

The pages hold no server-side logic: the browser makes and keeps its own key, signs its own
records and checks the ledger's signatures, talking to the `/v1` API like any other client.
QR codes open `/M/<account>` and `/R/<base32>`; a camera app may hand them over in upper or
lower case, so both are routed to the wallet, which reads its own address. Each page's footer
links to the source of the running version (`SOU_SOURCE_URL`, see wallet_api/source.py).
"""

from __future__ import annotations

import html
from functools import cache
from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from wallet_api.guard import MAP_CSP
from wallet_api.source import source_archive

STATIC = Path(__file__).parent / "static"
HEADERS = {"Cache-Control": "no-cache"}

router = APIRouter(include_in_schema=False)
static_files = StaticFiles(directory=STATIC)
# Swagger UI's files, as packaged by fastapi-offline (pinned in pyproject.toml).
SWAGGER_UI = Path(fastapi_offline.__file__).parent / "static"
swagger_ui_files = StaticFiles(directory=SWAGGER_UI)


# The five pages share one <head> (static/shell.html); each page's file is its <body>. The
# title is the French one the page opens with (its script writes it in the reader's language).
# The wallet, the one installable app, also links its manifest and home-screen icon.
TITLES = {
    "wallet": "Porte-monnaie",
    "till": "Caisse",
    "office": "Comptoir de change",
    "association": "Association",
    "evaluation": "Évaluation du pilote",
    "directory": "Annuaire des commerçants",
    "transparence": "Transparence",
}
INSTALL = (
    '  <link rel="manifest" href="/manifest.webmanifest">\n'
    '  <link rel="apple-touch-icon" href="/static/icon-192.png">\n'
)


@cache
def _html(name: str) -> str:
    """The page `name` ("wallet", …) in the shell; the API's documentation is a page of its own."""
    if name not in TITLES:
        return (STATIC / f"{name}.html").read_text(encoding="utf-8")
    shell = (STATIC / "shell.html").read_text(encoding="utf-8")
    head = (
        shell.replace("{{TITLE}}", TITLES[name])
        .replace("{{INSTALL}}", INSTALL if name == "wallet" else "")
        .replace("{{SCRIPT}}", f"{name}.js")
    )
    return head.replace("{{BODY}}", (STATIC / f"{name}.html").read_text(encoding="utf-8"))


# The pages with a map also take its tiles from OpenStreetMap (wallet_api/guard.py's MAP_CSP).
MAP_PAGES = {"directory", "association"}


def _page(name: str, request: Request) -> HTMLResponse:
    source = html.escape(request.app.state.source_url, quote=True)
    body = _html(name).replace("{{SOU_SOURCE_URL}}", source)
    if name in MAP_PAGES:
        return HTMLResponse(body, headers={**HEADERS, "Content-Security-Policy": MAP_CSP})
    return HTMLResponse(body, headers=HEADERS)


@router.get("/")
@router.get("/M/{number}")
@router.get("/m/{number}")
@router.get("/R/{code}")
@router.get("/r/{code}")
@router.get("/E/{code}")
@router.get("/e/{code}")
def wallet(request: Request) -> HTMLResponse:
    """The wallet; on a QR code's address it opens the payment screen, or (`/E/<code>`, the
    office tablet's) enrols this phone with the one-time code."""
    return _page("wallet", request)


@router.get("/till")
def till(request: Request) -> HTMLResponse:
    return _page("till", request)


@router.get("/association")
def association(request: Request) -> HTMLResponse:
    """The treasurer's console: reserve dashboard, compliance, reserve statements."""
    return _page("association", request)


@router.get("/office")
def office(request: Request) -> HTMLResponse:
    """The exchange office's tablet: an agent records conversions, paper notes, deposits."""
    return _page("office", request)


@router.get("/evaluation")
def evaluation(request: Request) -> HTMLResponse:
    """The pilot's evaluation report, with its charts (treasurer and auditors)."""
    return _page("evaluation", request)


@router.get("/transparence")
def transparence(request: Request) -> HTMLResponse:
    """The public transparency page: circulation, backing, coverage, twelve months' charts."""
    return _page("transparence", request)


@router.get("/annuaire")
def directory(request: Request) -> HTMLResponse:
    """The public directory of the merchants where one pays, with their map."""
    return _page("directory", request)


@router.get("/docs")
def api_docs(request: Request) -> HTMLResponse:
    """The HTTP API's documentation (Swagger UI over /openapi.json), with no third-party host."""
    return _page("docs", request)


@router.get("/manifest.webmanifest")
def manifest() -> FileResponse:
    return FileResponse(
        STATIC / "manifest.webmanifest", media_type="application/manifest+json", headers=HEADERS
    )


@router.get("/source.tar.gz")
def source() -> Response:
    """The running version's source code (AGPL-3.0-or-later, section 13)."""
    headers = {"Content-Disposition": 'attachment; filename="sou-source.tar.gz"', **HEADERS}
    return Response(source_archive(), media_type="application/gzip", headers=headers)

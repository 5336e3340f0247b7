"""The web pages: the resident wallet and the merchant till, as static HTML and ES modules.

The pages hold no server-side logic: the browser makes and keeps its own key, signs its own
records and checks the ledger's signatures, talking to the `/v1` API like any other client.
QR codes open `/M/<account>` and `/R/<base32>`; a camera app may hand them over in upper or
lower case, so both are routed to the wallet, which reads its own address.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"
HEADERS = {"Cache-Control": "no-cache"}

router = APIRouter(include_in_schema=False)
static_files = StaticFiles(directory=STATIC)


def _page(name: str) -> FileResponse:
    return FileResponse(STATIC / name, media_type="text/html; charset=utf-8", headers=HEADERS)


@router.get("/")
@router.get("/M/{number}")
@router.get("/m/{number}")
@router.get("/R/{code}")
@router.get("/r/{code}")
def wallet() -> FileResponse:
    """The wallet; on a QR code's address it opens the payment screen."""
    return _page("wallet.html")


@router.get("/till")
def till() -> FileResponse:
    return _page("till.html")


@router.get("/association")
def association() -> FileResponse:
    """The treasurer's console: reserve dashboard, compliance, reserve statements."""
    return _page("association.html")


@router.get("/office")
def office() -> FileResponse:
    """The exchange office's tablet: an agent records conversions, paper notes, deposits."""
    return _page("office.html")


@router.get("/evaluation")
def evaluation() -> FileResponse:
    """The pilot's evaluation report, with its charts (treasurer and auditors)."""
    return _page("evaluation.html")


@router.get("/manifest.webmanifest")
def manifest() -> FileResponse:
    return FileResponse(
        STATIC / "manifest.webmanifest", media_type="application/manifest+json", headers=HEADERS
    )

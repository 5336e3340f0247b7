"""Responses several routes answer with: a file to save, a QR code image."""

from __future__ import annotations

from fastapi.responses import Response

from merchants.qr import qr_png, qr_svg
from wallet_api.schemas.common import ImageFormat

MEDIA = {"png": "image/png", "svg": "image/svg+xml"}


def download(content: bytes | str, media_type: str, name: str) -> Response:
    """A file the browser saves as `name` (Content-Disposition: attachment)."""
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def qr_image(payload: str, image_format: ImageFormat) -> Response:
    """The QR code of `payload` (a URL), as a PNG or SVG image."""
    body = qr_png(payload) if image_format == "png" else qr_svg(payload)
    return Response(body, media_type=MEDIA[image_format])

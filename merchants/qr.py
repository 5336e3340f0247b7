"""QR codes of payment requests and merchant stickers, as PNG and SVG images.

The payloads are upper-case HTTPS URLs (alphanumeric mode), error correction M and a quiet zone
of four modules, as SPEC §6 says; tests decode every image back with a real decoder.
"""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M

QUIET_ZONE = 4


def _code(payload: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE, box_size=8)
    code.add_data(payload, optimize=0)
    code.make(fit=True)
    return code


def qr_version(payload: str) -> int:
    version: int = _code(payload).version
    return version


def qr_png(payload: str) -> bytes:
    out = io.BytesIO()
    _code(payload).make_image().save(out)
    return out.getvalue()


def qr_svg(payload: str) -> bytes:
    out = io.BytesIO()
    _code(payload).make_image(image_factory=qrcode.image.svg.SvgPathFillImage).save(out)
    return out.getvalue()

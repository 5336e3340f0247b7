"""QR codes of payment requests and merchant stickers, as PNG and SVG images.

The payloads are upper-case HTTPS URLs (alphanumeric mode), error correction M and a quiet zone
of four modules, as FORMATS.md §6 says; tests decode every image back with a real decoder.
"""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from PIL import Image, ImageDraw, ImageFont
from qrcode.constants import ERROR_CORRECT_M

QUIET_ZONE = 4


def _code(payload: str | bytes) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE, box_size=8)
    code.add_data(payload, optimize=0)
    code.make(fit=True)
    return code


def qr_version(payload: str) -> int:
    version: int = _code(payload).version
    return version


def qr_png(payload: str | bytes) -> bytes:
    out = io.BytesIO()
    _code(payload).make_image().save(out)
    return out.getvalue()


def qr_svg(payload: str | bytes) -> bytes:
    out = io.BytesIO()
    _code(payload).make_image(image_factory=qrcode.image.svg.SvgPathFillImage).save(out)
    return out.getvalue()


STICKER_SIZE = (1240, 1748)  # A6 at 300 dpi, portrait


def sticker_pdf(payload: str, *, title: str, subtitle: str) -> bytes:
    """A printable A6 sticker: the QR code, the merchant's name and a line under it."""
    page = Image.new("RGB", STICKER_SIZE, "white")
    code = _code(payload).make_image().get_image().convert("RGB")
    side = 1000
    code = code.resize((side, side), Image.Resampling.NEAREST)
    page.paste(code, ((STICKER_SIZE[0] - side) // 2, 260))
    draw = ImageDraw.Draw(page)
    for text, size, top in ((title, 72, 110), (subtitle, 48, 1330)):
        font = ImageFont.load_default(size=size)
        width = draw.textlength(text, font=font)
        draw.text(((STICKER_SIZE[0] - width) / 2, top), text, fill="black", font=font)
    out = io.BytesIO()
    page.save(out, format="PDF", resolution=300.0, title=title)
    return out.getvalue()

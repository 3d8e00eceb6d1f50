"""QR images with the ``qrcode`` package: PNG and SVG that any standard reader decodes."""
from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M


def _code(text: str) -> qrcode.QRCode:
    # Level M: survives a scratched or dusty plate by the door, still small enough for a label.
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=8, border=4)
    code.add_data(text)
    code.make(fit=True)
    return code


def png(text: str) -> bytes:
    out = io.BytesIO()
    _code(text).make_image(fill_color="black", back_color="white").save(out, format="PNG")
    return out.getvalue()


def svg(text: str) -> bytes:
    out = io.BytesIO()
    _code(text).make_image(image_factory=qrcode.image.svg.SvgPathImage).save(out)
    return out.getvalue()


def pil_image(text: str, box_size: int = 8):
    code = _code(text)
    code.box_size = box_size
    return code.make_image(fill_color="black", back_color="white").get_image()

"""Printable sheets of household plates: a PDF of labels, each code with the household's name and
address under it, for a team leader to print and stick by the doors."""
from __future__ import annotations

import io
from pathlib import Path

from flask import current_app
from fpdf import FPDF

from fieldapp.qr import images

#: A4 in millimetres, 3 × 4 labels.
COLUMNS, ROWS = 3, 4
PAGE_W, PAGE_H, MARGIN = 210, 297, 10
FONT_CANDIDATES = ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                   "/usr/share/fonts/TTF/DejaVuSans.ttf"]


def _font_path() -> str:
    configured = current_app.config.get("PDF_FONT_PATH")
    for candidate in [configured, *FONT_CANDIDATES]:
        if candidate and Path(candidate).exists():
            return candidate
    raise RuntimeError("no Unicode font for PDF labels: install fonts-dejavu-core or set PDF_FONT_PATH")


def plates_pdf(labels: list[dict]) -> bytes:
    """``labels``: dicts with ``payload``, ``title`` (head of household) and ``address``."""
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_font("DejaVu", "", _font_path())
    cell_w = (PAGE_W - 2 * MARGIN) / COLUMNS
    cell_h = (PAGE_H - 2 * MARGIN) / ROWS
    code_size = min(cell_w, cell_h - 18) - 6
    for index, label in enumerate(labels):
        slot = index % (COLUMNS * ROWS)
        if slot == 0:
            pdf.add_page()
        x = MARGIN + (slot % COLUMNS) * cell_w
        y = MARGIN + (slot // COLUMNS) * cell_h
        pdf.set_draw_color(200, 200, 200)
        pdf.rect(x, y, cell_w, cell_h)
        buffer = io.BytesIO()
        images.pil_image(label["payload"], box_size=10).save(buffer, format="PNG")
        buffer.seek(0)
        pdf.image(buffer, x=x + (cell_w - code_size) / 2, y=y + 3, w=code_size, h=code_size)
        pdf.set_font("DejaVu", size=9)
        pdf.set_xy(x + 2, y + code_size + 4)
        pdf.multi_cell(cell_w - 4, 4, label["title"], align="C")
        pdf.set_font("DejaVu", size=7)
        pdf.set_x(x + 2)
        pdf.multi_cell(cell_w - 4, 3.5, label["address"], align="C")
    return bytes(pdf.output())

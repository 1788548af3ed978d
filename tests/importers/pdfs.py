"""Chinese PDFs for the importer's tests, written with reportlab's built-in CJK font (no font
file): paragraphs the way official documents set them (first line indented two characters,
titles centred) and ruled tables that run over pages."""
import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
BODY = ParagraphStyle("body", fontName=FONT, fontSize=12, leading=20, firstLineIndent=24,
                      wordWrap="CJK")
TITLE = ParagraphStyle("title", parent=BODY, fontSize=18, leading=28, alignment=1,
                       firstLineIndent=0)
CELL = ParagraphStyle("cell", fontName=FONT, fontSize=10, leading=13, wordWrap="CJK")


def paragraph(text: str, style=BODY) -> Paragraph:
    return Paragraph(escape(text), style)


def build(story) -> bytes:
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, leftMargin=72, rightMargin=72, topMargin=64,
                      bottomMargin=64).build(story)
    return buffer.getvalue()


def text_pdf(lines: list[str], title_lines: int = 2) -> bytes:
    """A document's lines as a PDF: its first lines a centred title, every other line a
    paragraph."""
    kept = [line.strip() for line in lines if line.strip()]
    story = [paragraph(line, TITLE) for line in kept[:title_lines]]
    story += [paragraph(line) for line in kept[title_lines:]]
    return build(story)


def table(rows, widths, spans=(), repeat=1) -> Table:
    """A ruled table; spans: ((col, row), (col, row)) pairs merged into one cell."""
    cells = [[paragraph(text, CELL) if text else "" for text in row] for row in rows]
    styles = [("GRID", (0, 0), (-1, -1), 0.5, colors.black),
              ("VALIGN", (0, 0), (-1, -1), "TOP")]
    styles += [("SPAN", start, end) for start, end in spans]
    result = Table(cells, colWidths=widths, repeatRows=repeat)
    result.setStyle(TableStyle(styles))
    return result


def spacer(height: int = 12) -> Spacer:
    return Spacer(1, height)


def scanned_pdf(pages: int = 1) -> bytes:
    """Pages with only drawings on them: what a scan looks like to a text extractor."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    for _ in range(pages):
        page.rect(72, 400, 300, 200, fill=1)
        page.showPage()
    page.save()
    return buffer.getvalue()

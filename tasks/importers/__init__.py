"""Reading plan files. read_plan_file picks the reader by content, not only by name."""
from __future__ import annotations

import io
import zipfile
from pathlib import PurePath

from django.utils.translation import gettext as _

from .reading import PlanImportError, PlanReading

__all__ = ["PlanImportError", "PlanReading", "read_plan_file", "SUPPORTED_EXTENSIONS"]

SUPPORTED_EXTENSIONS = (".txt", ".text", ".xlsx", ".docx", ".html", ".htm")


def sniff_format(data: bytes, source_name: str) -> str:
    """'xlsx', 'docx', 'html' or 'text', from the bytes; the name only breaks ties."""
    suffix = PurePath(source_name).suffix.lower()
    if data[:4] == b"PK\x03\x04":
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except zipfile.BadZipFile:
            kind = {".xlsx": "xlsx", ".docx": "docx"}.get(suffix, "zip")
            raise PlanImportError(
                _("%(file)s: not a readable .%(kind)s file (the zip archive is truncated or "
                  "corrupt)") % {"file": source_name, "kind": kind}
            ) from None
        if any(n.startswith("xl/") for n in names):
            return "xlsx"
        if any(n.startswith("word/") for n in names):
            return "docx"
        raise PlanImportError(
            _("%(file)s: a zip archive that is neither .xlsx nor .docx") % {"file": source_name}
        )
    if suffix in (".xlsx", ".docx"):
        raise PlanImportError(
            _("%(file)s: not a readable %(kind)s file (not a zip archive)")
            % {"file": source_name, "kind": suffix}
        )
    if data[:5] == b"%PDF-" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise PlanImportError(
            _("%(file)s: unknown format (PDF and old .doc/.xls are not read; save the plan as "
              ".docx, .xlsx, .html or text)") % {"file": source_name}
        )
    head = data[:2048].lower()
    if suffix in (".html", ".htm") or b"<html" in head or b"<table" in head:
        return "html"
    if suffix not in ("", ".txt", ".text"):
        raise PlanImportError(
            _("%(file)s: unknown format %(suffix)s; duban reads %(formats)s") % {
                "file": source_name, "suffix": suffix, "formats": ", ".join(SUPPORTED_EXTENSIONS)
            }
        )
    return "text"


def read_plan_file(data: bytes, source_name: str) -> PlanReading:
    if not data:
        raise PlanImportError(_("%(file)s: the file is empty") % {"file": source_name})
    kind = sniff_format(data, source_name)
    if kind == "text":
        from .text import read_text

        return read_text(data, source_name)
    from . import tabular

    reader = {"xlsx": tabular.read_xlsx, "docx": tabular.read_docx, "html": tabular.read_html}
    return reader[kind](data, source_name)

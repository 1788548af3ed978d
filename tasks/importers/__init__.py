"""Reading plan files: sniff by content → lay out as a Document → one set of grammars (plan.py).

read_plan_file picks the reader by the bytes, not only by the name, checks the file's limits
(limits.py) before anything parses it, and returns a PlanReading; nothing here writes.
"""
from __future__ import annotations

import io
import zipfile
from pathlib import PurePath

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from . import limits, ooxml
from .reading import PlanImportError, PlanReading

__all__ = ["PlanImportError", "PlanReading", "read_plan_file", "SUPPORTED_EXTENSIONS"]

SUPPORTED_EXTENSIONS = (".txt", ".text", ".xlsx", ".docx", ".html", ".htm", ".pdf")
_OLD_OFFICE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc, .xls, .wps: OLE compound files


def max_bytes() -> int:
    return settings.PLAN_UPLOAD_MAX_BYTES


def sniff_format(data: bytes, source_name: str) -> str:
    """'xlsx', 'docx', 'html', 'pdf' or 'text', from the bytes; the name only breaks ties."""
    suffix = PurePath(source_name).suffix.lower()
    if data[:4] == b"PK\x03\x04":
        return _zip_kind(data, source_name, suffix)
    if suffix in (".xlsx", ".docx"):
        raise PlanImportError(
            _("%(file)s: not a readable %(kind)s file (not a zip archive)")
            % {"file": source_name, "kind": suffix}
        )
    if data[:5] == b"%PDF-":
        return "pdf"
    head = data[:2048].lower()
    old_office = suffix in (".doc", ".xls", ".wps", ".et", ".rtf")
    if data[:8] == _OLD_OFFICE or (old_office and b"<html" not in head):
        raise PlanImportError(
            _("%(file)s: an old Word, Excel or WPS file (.doc, .xls, .wps), which duban cannot "
              "read; open it and save it as .docx (or .xlsx), or as PDF, then upload that")
            % {"file": source_name}
        )
    if suffix == ".pdf":
        raise PlanImportError(_("%(file)s: not a readable PDF file (it does not start with "
                                "%%PDF)") % {"file": source_name})
    if suffix in (".html", ".htm") or b"<html" in head or b"<table" in head:
        return "html"  # also a page saved with a .doc name, as some sites serve them
    if suffix not in ("", ".txt", ".text"):
        raise PlanImportError(
            _("%(file)s: unknown format %(suffix)s; duban reads %(formats)s") % {
                "file": source_name, "suffix": suffix, "formats": ", ".join(SUPPORTED_EXTENSIONS)
            }
        )
    return "text"


def _zip_kind(data: bytes, source_name: str, suffix: str) -> str:
    try:
        entries = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except zipfile.BadZipFile:
        kind = {".xlsx": "xlsx", ".docx": "docx"}.get(suffix, "zip")
        raise PlanImportError(
            _("%(file)s: not a readable .%(kind)s file (the zip archive is truncated or "
              "corrupt)") % {"file": source_name, "kind": kind}
        ) from None
    ooxml.check_entries(entries)
    names = {entry.filename for entry in entries}
    if any(n.startswith("xl/") for n in names):
        return "xlsx"
    if any(n.startswith("word/") for n in names):
        return "docx"
    raise PlanImportError(
        _("%(file)s: a zip archive that is neither .xlsx nor .docx") % {"file": source_name}
    )


def read_plan_file(data: bytes, source_name: str) -> PlanReading:
    if not data:
        raise PlanImportError(_("%(file)s: the file is empty") % {"file": source_name})
    if len(data) > max_bytes():
        raise PlanImportError(
            _("%(file)s is %(size)s; the largest plan file accepted is %(limit)s") % {
                "file": source_name, "size": filesizeformat(len(data)),
                "limit": filesizeformat(max_bytes())})
    if not limits.limit("READ_ISOLATED"):
        return _read_within_limits(data, source_name)
    from lib.sandbox import LimitedRunFailed, run_limited

    try:
        return run_limited(
            _read_within_limits, data, source_name,
            cpu_seconds=limits.limit("READ_MAX_CPU_SECONDS"),
            memory_bytes=limits.limit("READ_MAX_MEMORY_BYTES"),
            wall_seconds=limits.limit("READ_MAX_SECONDS"))
    except LimitedRunFailed as failed:
        if failed.reason == "memory":
            reason = _("reading it needed more than %(size)s of memory") % {
                "size": filesizeformat(limits.limit("READ_MAX_MEMORY_BYTES"))}
        elif failed.reason == "time":
            reason = _("reading it took more than %(seconds)d seconds") % {
                "seconds": limits.limit("READ_MAX_CPU_SECONDS")}
        else:
            reason = _("the reader stopped unexpectedly")
        raise PlanImportError(_("%(file)s: %(reason)s; the file was not read") % {
            "file": source_name, "reason": reason}) from None


def _read_within_limits(data: bytes, source_name: str) -> PlanReading:
    with limits.refusing(source_name):
        kind = sniff_format(data, source_name)
        if kind in ("xlsx", "docx"):
            _check_zip_parts(data, source_name, kind)
        return _read(data, source_name, kind)


def _check_zip_parts(data: bytes, source_name: str, kind: str) -> None:
    check = ooxml.check_xlsx if kind == "xlsx" else ooxml.check_docx
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            check(archive)
    except ooxml.DeclaresDTD as exc:
        raise PlanImportError(
            _("%(file)s: its part %(part)s declares a DTD, which no .xlsx or .docx file does; "
              "the file was not read") % {"file": source_name, "part": exc.part}) from None
    except (zipfile.BadZipFile, ooxml.expat.ExpatError, NotImplementedError, EOFError,
            OSError, RuntimeError) as exc:  # corrupt, truncated, encrypted or odd compression
        raise PlanImportError(
            _("%(file)s: not a readable .%(kind)s file (%(reason)s)") % {
                "file": source_name, "kind": kind,
                "reason": f"{type(exc).__name__}: {exc}"[:200]}) from None


def _read(data: bytes, source_name: str, kind: str) -> PlanReading:
    if kind == "text":
        from .text import read_text

        return read_text(data, source_name)
    if kind == "pdf":
        from .pdf import pdf_document
        from .plan import read_document, require_plan

        return require_plan(read_document(pdf_document(data, source_name)))
    from . import tabular

    reader = {"xlsx": tabular.read_xlsx, "docx": tabular.read_docx, "html": tabular.read_html}
    return reader[kind](data, source_name)

"""Files as they are, not as they are named: the kind read from the first bytes, and a name
safe to store and to send back. Knows nothing of duban."""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import PurePath

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old binary .doc / .xls / .wps


def sniff(data: bytes) -> str | None:
    """The kind of file the bytes are, or None when it is none we accept."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(OLE2):
        return "ole2"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            return None
        if any(n.startswith("word/") for n in names):
            return "docx"
        if any(n.startswith("xl/") for n in names):
            return "xlsx"
        return "zip"
    return None


def safe_name(name: str) -> str:
    """A base name without path parts or control characters, at most 100 characters."""
    base = PurePath(name.replace("\\", "/")).name
    base = re.sub(r"[\x00-\x1f<>:\"|?*/]", "_", base).strip(" .") or "file"
    stem, dot, ext = base.rpartition(".")
    if not dot:
        return base[:100]
    return f"{stem[:90]}.{ext[:9]}"

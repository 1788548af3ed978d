"""Plan files uploaded for preview and waiting for the office to confirm the import.

They live in the default storage (private, never served by URL) under uploads/pending/, named by
their sha256, so the confirm step finds them from the session and never from a client path.
"""
import re
from pathlib import PurePath

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from .importers import SUPPORTED_EXTENSIONS
from .services import sha256_of

PENDING_DIR = "uploads/pending"
_SHA256 = re.compile(r"[0-9a-f]{64}")


class PendingUploadMissing(Exception):
    """The pending file is gone (confirmed already, or cleaned up) or does not match."""


def _pending_name(sha256: str, source_name: str) -> str:
    suffix = PurePath(source_name).suffix.lower()
    if not _SHA256.fullmatch(sha256) or suffix not in SUPPORTED_EXTENSIONS:
        raise PendingUploadMissing(source_name)
    return f"{PENDING_DIR}/{sha256}{suffix}"


def pending_upload_save(*, data: bytes, source_name: str) -> str:
    """Keep the bytes until the import is confirmed; returns their sha256."""
    sha256 = sha256_of(data)
    name = _pending_name(sha256, source_name)
    if not default_storage.exists(name):  # the same bytes uploaded twice are one file
        default_storage.save(name, ContentFile(data))
    return sha256


def pending_upload_read(*, sha256: str, source_name: str) -> bytes:
    name = _pending_name(sha256, source_name)
    try:
        with default_storage.open(name, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise PendingUploadMissing(source_name) from None
    if sha256_of(data) != sha256:
        raise PendingUploadMissing(source_name)
    return data


def pending_upload_delete(*, sha256: str, source_name: str) -> None:
    try:
        default_storage.delete(_pending_name(sha256, source_name))
    except PendingUploadMissing:
        pass

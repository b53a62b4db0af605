"""Which reader an input needs, decided by its content with the file name as a hint.

People save web pages as `.txt`, mail Word files without an extension and name
JSON Lines `.json`: the first bytes say more than the suffix. Formats that are
recognisably not documents are refused here with their name, so the message
tells the user what they gave (an image, an archive, an old `.doc`).
"""

from __future__ import annotations

import json
import re

from solieu.pipeline.readers.base import Unreadable

PDF_MAGIC = b"%PDF-"
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Formats that are never documents, by their first bytes.
BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"RIFF", "RIFF media file"),
    (b"\x1f\x8b", "gzip archive"),
    (b"BZh", "bzip2 archive"),
    (b"\xfd7zXZ\x00", "xz archive"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (b"Rar!\x1a\x07", "RAR archive"),
    (b"\x7fELF", "executable"),
    (b"MZ", "Windows executable"),
    (b"{\\rtf", "RTF document (save it as .docx or PDF)"),
)
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml", ".shtml"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
DOCUMENT_SUFFIXES = frozenset({".txt", ".text", ".json", ".pdf", ".docx"}) | HTML_SUFFIXES | JSONL_SUFFIXES
_HTML_START = re.compile(r"\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)[\s>]", re.IGNORECASE | re.DOTALL)
_PDF_SEARCH = 1024  # some writers put junk before the %PDF- header; readers tolerate up to 1 KB


def binary_kind(data: bytes) -> str:
    """`pdf`, `docx` or `text` (text still to be decoded); Unreadable for known non-documents."""
    if PDF_MAGIC in data[:_PDF_SEARCH]:
        return "pdf"
    if data.startswith(ZIP_MAGIC):
        return "docx"
    if data.startswith(OLE_MAGIC):
        raise Unreadable(
            "old Office 97-2003 file (.doc/.xls) or a password-protected Office file: "
            "save it as .docx or PDF"
        )
    for magic, name in BINARY_MAGIC:
        if data.startswith(magic):
            raise Unreadable(f"{name}, not a document")
    return "text"


def text_kind(text: str, suffix: str) -> str:
    """`html` or `text` for decoded text: markup at the start makes a page whatever its name."""
    if _HTML_START.match(text[:4096].lstrip("\ufeff")):
        return "html"
    if suffix in HTML_SUFFIXES and text.lstrip("\ufeff \t\r\n").startswith("<"):
        return "html"
    return "text"


def is_jsonl(first_line: bytes, suffix: str) -> bool:
    """JSON Lines by name, or by a first line that is a JSON object carrying a `text`."""
    if suffix in JSONL_SUFFIXES:
        return True
    line = first_line.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not line.startswith(b"{"):
        return False
    try:
        record = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return False
    return isinstance(record, dict) and "text" in record

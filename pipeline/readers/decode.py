"""Bytes to text: UTF-8 with or without BOM, UTF-16/32, and legacy code pages.

Provincial files still come as Windows-1258 (tone marks stored as separate
combining characters) or other Windows code pages, and some were saved twice
(UTF-8 read as Windows-1252 and written again as UTF-8: `Ã¡`, `Ä‘`, `á»‡`).
Unicode forms are left as they are: the normalise stage composes them and keeps
the map back, so offsets point into the text exactly as decoded here.
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer

from solieu.pipeline.readers.base import Unreadable
from solieu.pipeline.readers.legacy import best_decoding, vietnamese_score

# Longest first: the UTF-32 LE mark begins with the UTF-16 LE one.
BYTE_ORDER_MARKS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
SNIFF_BYTES = 4096
MIN_LATIN_SHARE = 0.95
# Share of control characters (other than tab, newline, form feed...) above which
# a decoded "text" is really binary data that happened to decode.
MAX_CONTROL_SHARE = 0.005
# C0 and C1 controls other than tab, newline, vertical tab, form feed, carriage return and
# the DOS end-of-file mark that old files still carry.
_CONTROLS = re.compile("[\x00-\x08\x0e-\x19\x1b-\x1f\x7f-\x9f]")
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)

# Windows-1252 as double-encoded text uses it: the five bytes it leaves undefined
# pass through as the Latin-1 control characters of the same number.
_CP1252_TO_BYTE = {
    ord(bytes([byte]).decode("cp1252")): byte
    for byte in range(0x80, 0xA0)
    if byte not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
}


def bom_encoding(data: bytes) -> tuple[str, int] | None:
    """The encoding a byte order mark announces, and the mark's length."""
    for mark, encoding in BYTE_ORDER_MARKS:
        if data.startswith(mark):
            return encoding, len(mark)
    return None


def utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 saved without a mark: ASCII characters leave a zero byte on one side only."""
    sample = data[:SNIFF_BYTES]
    sample = sample[: len(sample) // 2 * 2]
    pairs = len(sample) // 2
    if pairs < 4:
        return None
    even_zeros = sample[0::2].count(0)
    odd_zeros = sample[1::2].count(0)
    if odd_zeros >= 0.2 * pairs and even_zeros <= 0.02 * pairs:
        return "utf-16-le"
    if even_zeros >= 0.2 * pairs and odd_zeros <= 0.02 * pairs:
        return "utf-16-be"
    return None


def declared_charset(data: bytes) -> str | None:
    """The charset an HTML page declares in a <meta> tag, if Python knows it."""
    match = _META_CHARSET.search(data[:SNIFF_BYTES])
    if not match:
        return None
    try:
        return codecs.lookup(match.group(1).decode("ascii")).name
    except (LookupError, UnicodeDecodeError):
        return None


def utf32_without_bom(data: bytes) -> str | None:
    """UTF-32 saved without a mark: every character of Vietnamese text has two zero bytes on one side."""
    sample = data[:SNIFF_BYTES]
    sample = sample[: len(sample) // 4 * 4]
    quads = len(sample) // 4
    if quads < 4 or len(data) % 4:
        return None
    if sample[2::4].count(0) == quads and sample[3::4].count(0) == quads and sample[0::4].count(0) < quads:
        return "utf-32-le"
    if sample[0::4].count(0) == quads and sample[1::4].count(0) == quads and sample[3::4].count(0) < quads:
        return "utf-32-be"
    return None


def decode_text(data: bytes, declared: str | None = None, notes: list[str] | None = None) -> str:
    """The text of the bytes, or Unreadable when they are not text in any encoding.

    `notes` collects what the caller should tell the user (bytes that were replaced).
    """
    text = repair_mojibake(_decode(data, declared, notes if notes is not None else []))
    _refuse_binary(text)
    return text


def _decode(data: bytes, declared: str | None, notes: list[str]) -> str:
    marked = bom_encoding(data)
    if marked:
        encoding, skip = marked
        return _strict(data[skip:], encoding)
    for wide in (utf32_without_bom(data), utf16_without_bom(data)):
        if wide:
            text = _without_bom(data, wide)
            if text is not None:
                return text
    if b"\x00" in data:
        raise Unreadable("binary file (NUL bytes), not text")
    utf8 = _utf8(data)
    if utf8 is not None:
        return utf8
    damaged = _mostly_utf8(data)
    if damaged is not None:
        text, bad = damaged
        if bad:
            notes.append(f"{bad} invalid UTF-8 sequence(s) replaced by U+FFFD (the rest is UTF-8)")
        return text
    if declared:
        try:
            return data.decode(declared)
        except (UnicodeDecodeError, LookupError):
            pass
    best = charset_normalizer.from_bytes(data).best()
    name, text = best_decoding(data, [("detected", str(best))] if best is not None else [])
    if name == "detected" or vietnamese_score(text) > 0:
        return text
    raise Unreadable("not text in any known encoding (binary data?)")


def _without_bom(data: bytes, encoding: str) -> str | None:
    """UTF-16 without a mark is taken only when it decodes to Latin-script text, as Vietnamese is:
    binary data with zero bytes at every other position would otherwise pass as Chinese."""
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return None
    sample = text[:SNIFF_BYTES]
    latin = sum(1 for ch in sample if _is_latin_script(ch))
    return text if latin >= MIN_LATIN_SHARE * len(sample) else None


def _is_latin_script(ch: str) -> bool:
    code = ord(ch)
    return code < 0x250 or 0x300 <= code < 0x370 or 0x1E00 <= code < 0x1F00 or 0x2000 <= code < 0x20D0


def _strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise Unreadable(f"not valid {encoding.upper()} text ({error.reason} at byte {error.start})") from None


def _utf8(data: bytes) -> str | None:
    """UTF-8, also when a copy cut the last character in half (the cut character is dropped)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.reason == "unexpected end of data" and error.start >= len(data) - 3:
            return data[: error.start].decode("utf-8", errors="strict")
        return None


# A file is UTF-8 with a few damaged places, not a legacy code page, when its valid
# multi-byte characters outnumber the damaged places by this much: a Windows-1258, TCVN3
# or VNI file has almost no valid multi-byte sequence at all, while one sentence of
# Vietnamese has a dozen, so a one-line file with two damaged bytes is still UTF-8.
UTF8_MAJORITY = 2
_REPLACED = re.compile("\ufffd+")


def _lenient(error: UnicodeError) -> tuple[str, int]:
    """A decoding error handler: a CESU-8 surrogate (a character of Java's or MySQL's "UTF-8") is kept
    as the surrogate, to be paired with its other half; anything else invalid becomes one U+FFFD."""
    assert isinstance(error, UnicodeDecodeError)
    chunk = error.object[error.start:error.start + 3]
    if len(chunk) == 3 and chunk[0] == 0xED and 0xA0 <= chunk[1] <= 0xBF and 0x80 <= chunk[2] <= 0xBF:
        return chunk.decode("utf-8", "surrogatepass"), error.start + 3
    return "\ufffd", error.end


codecs.register_error("solieu-lenient", _lenient)


def _mostly_utf8(data: bytes) -> tuple[str, int] | None:
    """UTF-8 with a few invalid bytes (a copy damaged on the way, a CESU-8 surrogate): the text with
    them replaced, and at how many places."""
    text = data.decode("utf-8", "solieu-lenient").encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    given = data.count("\ufffd".encode("utf-8"))
    bad = len(_REPLACED.findall(text)) - given  # a run of replaced bytes is one damaged place
    multibyte = sum(1 for ch in text if ord(ch) > 0x7F) - text.count("\ufffd")
    if multibyte >= max(1, UTF8_MAJORITY * bad):  # strict UTF-8 failed: bad is 0 for CESU-8 alone
        return text, bad
    return None


def _refuse_binary(text: str) -> None:
    if not text:
        return
    controls = len(_CONTROLS.findall(text))
    if controls > MAX_CONTROL_SHARE * len(text):
        raise Unreadable(f"binary file ({controls} control characters), not text")


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 read as Windows-1252, line by line, only where that is unambiguous.

    A line is repaired when every character of it maps back to a single byte and
    those bytes are valid UTF-8 with at least one multi-byte character: correct
    Vietnamese never passes that test (ạ, ộ, ư... have no single-byte form), and
    Western text almost never forms valid UTF-8 by chance.
    """
    if text.isascii():
        return text
    return "".join(_repair_line(line) for line in text.splitlines(keepends=True))


def _repair_line(line: str) -> str:
    if line.isascii():
        return line
    try:
        raw = line.translate(_CP1252_TO_BYTE).encode("latin-1")
        repaired = raw.decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return line
    return repaired if repaired != line else line

"""Plain text reader: bytes → str, whatever the encoding the file was saved in.

Published declarations arrive as UTF-8 (with or without a BOM), as UTF-16 from Windows tools, or
as Windows-1252 / Latin-1 from older sites. Binary files (a PDF or a picture renamed `.txt`) are
refused with a reason the user can act on, instead of being indexed as garbage.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from searchapp.corpus.model import UnreadableFile
from searchapp.corpus.readers import RawText, register

# Control characters that never occur in real text (tab, newlines and form feed are fine; the
# C1 range shows up when binary bytes are decoded as Latin-1).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
# Above this share of control characters the file is not text, whatever its suffix says.
_MAX_CONTROL_SHARE = 0.02
_SAMPLE = 64 * 1024


def decode_text(data: bytes) -> str:
    """The text of `data` with newlines normalised to "\\n"; UnreadableFile when it is not text."""
    text = _decode(data)
    _reject_binary(text)
    return normalise_newlines(text)


def normalise_newlines(text: str) -> str:
    # CRLF (Windows) and lone CR (old Mac) both become LF; Unicode line/paragraph separators too,
    # so that every later step only has to know "\n".
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\u2028" in text or "\u2029" in text:
        text = text.replace("\u2029", "\n\n").replace("\u2028", "\n")
    return text


def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise UnreadableFile("not valid UTF-16 text despite its byte order mark") from exc
    if b"\x00" in data[:_SAMPLE]:
        # NUL bytes never occur in 8-bit or UTF-8 text: this is a binary file.
        raise UnreadableFile("binary file (contains NUL bytes), not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        # Windows-1252 is a superset of Latin-1's printable range and is what "ANSI" files are.
        return data.decode("cp1252")
    except UnicodeDecodeError:
        # The five bytes cp1252 leaves undefined: Latin-1 maps every byte, the control-character
        # check below then decides whether the result is text at all.
        return data.decode("latin-1")


def _reject_binary(text: str) -> None:
    sample = text[:_SAMPLE]
    if not sample:
        return
    controls = len(_CONTROL.findall(sample))
    if controls / len(sample) > _MAX_CONTROL_SHARE:
        raise UnreadableFile("not a text file (undecodable or binary content)")


@register(".txt", ".text")
def read_text(data: bytes, path: Path) -> RawText:
    return RawText(text=decode_text(data))

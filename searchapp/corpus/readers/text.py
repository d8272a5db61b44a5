"""Plain text reader: bytes → str, whatever the encoding the file was saved in.

Published declarations arrive as UTF-8 (with or without a BOM), as UTF-16 from Windows tools, or
in a legacy code page: Windows-1252 / Latin-1 from older Western sites, Windows-1251 or KOI8-R
for Russian, GB18030 or Big5 for Chinese. A file that is not UTF-8 goes to charset-normalizer,
which tells these apart by how plausible each decoding reads. Binary files (a PDF or a picture
renamed `.txt`) and text that still reads as mojibake are refused with a reason the user can act
on, instead of being indexed as garbage.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from charset_normalizer import from_bytes
from charset_normalizer.md import mess_ratio

from searchapp.corpus.model import UnreadableFile
from searchapp.corpus.readers import RawText, register

# Control characters that never occur in real text (tab, newlines and form feed are fine; the
# C1 range shows up when binary bytes are decoded as Latin-1).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
# Above this share of control characters the file is not text, whatever its suffix says.
_MAX_CONTROL_SHARE = 0.02
_SAMPLE = 64 * 1024
# Mojibake is measured with charset-normalizer's mess detector on windows of the text spread
# over the whole file (the same cost for any size). A window whose mess ratio reaches the
# detector's own threshold reads as garbage; real texts of the UN, DFAT and ToTA corpora have
# none or a stray one (a garbled line of document properties), mojibake has most of them.
_WINDOW = 1000
_WINDOWS = 64
_GARBLED = 0.2
_MAX_GARBLED_SHARE = 0.5
# Latin letters (ASCII to Latin Extended-B, and Latin Extended Additional).
_NON_LATIN_LETTER = re.compile(r"[^\W\d_\u0000-\u024f\u1e00-\u1eff]")


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
        return decode_legacy(data)


def decode_legacy(data: bytes) -> str:
    """Text in a legacy code page, the page told by charset-normalizer."""
    match = from_bytes(data).best()
    if match is None:
        raise UnreadableFile("not a text file: no encoding decodes it to readable text")
    text = str(match)
    if _NON_LATIN_LETTER.search(text[:_SAMPLE]) is None:
        # In Latin script the detector cannot tell Western code pages apart on a short text
        # (it reads English with "naïve" as Windows-1250): such a file is what Windows calls
        # "ANSI", Windows-1252, a superset of Latin-1's printable range.
        return _western(data)
    return text


def _western(data: bytes) -> str:
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        # The five bytes cp1252 leaves undefined: Latin-1 maps every byte, the control-character
        # check then decides whether the result is text at all.
        return data.decode("latin-1")


def reject_mojibake(text: str) -> None:
    """Refuse text that reads as garbage: a file decoded with the wrong encoding somewhere
    before it reached us (UTF-8 read as Windows-1252 and saved again: "Ð¡Ð¾Ð²Ð¼")."""
    count = min(_WINDOWS, len(text) // _WINDOW) or 1
    step = max(len(text) // count, 1)
    windows = [text[i * step : i * step + _WINDOW] for i in range(count)]
    garbled = sum(mess_ratio(window, _GARBLED) >= _GARBLED for window in windows)
    if garbled / len(windows) >= _MAX_GARBLED_SHARE:
        raise UnreadableFile(
            "the text is garbled (mojibake: it was decoded with the wrong encoding before it "
            "was saved); save it again from the original, as UTF-8"
        )


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

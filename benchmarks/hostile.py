"""Hostile document files, and how long each costs to read against the reading budgets.

Each file is one that was seen to hang, crash or stall a reader (a YAML "billion laughs", a
PDF of millions of operators, HTML nested thousands deep, Markdown of unclosed emphasis,
long hard-wrapped text, ...). The tests cut them through `searchapp index`; this script
measures them:

    .venv/bin/python -m benchmarks.hostile [--scale N] [--repeat R]

prints, for every file, the worst wall time of `load_document` over R runs and what became
of the file (refused with its reason, or its paragraphs), next to the time budget.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path

from searchapp.config import ReadLimits
from searchapp.corpus import UnreadableFile, language, load_document

SENTENCE = "The two sides agreed to deepen cooperation in trade, energy and science. "


def billion_laughs_markdown() -> bytes:
    """Nine anchors of nine aliases each in front matter: 390 bytes, 387 million strings."""
    lines = ["---", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    lines += ["title: *i", "---", "", SENTENCE]
    return "\n".join(lines).encode()


def pdf_of_operators(operators: int) -> bytes:
    """A one-page PDF whose compressed content stream draws `operators` strings."""
    stream = zlib.compress(b"BT /F1 12 Tf 72 700 Td " + b"(a) Tj " * operators + b"ET", 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]"
        b" /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def nested_html(depth: int) -> bytes:
    """`depth` nested <div>s inside an <article>, a paragraph at every level."""
    opening = "".join(f"<div><p>Paragraph {n}: {SENTENCE}</p>" for n in range(depth))
    page = f"<html><body><article>{opening}{'</div>' * depth}</article></body></html>"
    return page.encode()


def unclosed_emphasis_markdown(size: int) -> bytes:
    """`**a ` repeated: every "**" opens emphasis that never closes."""
    return ("**a " * (size // 4) + "\n").encode()


def hard_wrapped_text(lines: int) -> bytes:
    """One paragraph hard-wrapped over `lines` lines, without a sentence end."""
    line = "the parties agree to continue consultations on matters of common interest and"
    return ("\n".join([line] * lines) + "\n").encode()


def one_line_text(size: int) -> bytes:
    """A whole text saved on one line."""
    return (SENTENCE * (size // len(SENTENCE)) + "\n").encode()


def xml_entity_bomb() -> bytes:
    return (
        b'<?xml version="1.0"?><!DOCTYPE treaty [<!ENTITY a "lol">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><treaty><body>&b;</body></treaty>'
    )


def xml_of_elements(elements: int) -> bytes:
    head = '<?xml version="1.0"?><treaty><meta><name>T</name></meta><body>'
    return (head + "<a/>" * elements + "</body></treaty>").encode()


# name: (file name, contents at scale 1, scaled by N)
FILES: dict[str, tuple[str, Callable[[int], bytes]]] = {
    "YAML billion laughs": ("laughs.md", lambda n: billion_laughs_markdown()),
    "PDF, 3 million text operators": ("operators.pdf", lambda n: pdf_of_operators(3_000_000 * n)),
    "PDF, 49,000 operators (under the stream budget)": (
        "operators-49k.pdf",
        lambda n: pdf_of_operators(49_000 * n),
    ),
    "HTML nested 1,200 deep": ("nested.html", lambda n: nested_html(1200 * n)),
    "HTML nested 9,000 deep (under the nesting budget)": (
        "nested-9k.html",
        lambda n: nested_html(9000 * n),
    ),
    "HTML nested 20,000 deep": ("nested-deep.html", lambda n: nested_html(20_000 * n)),
    "Markdown, 195 kB of '**a '": (
        "emphasis.md",
        lambda n: unclosed_emphasis_markdown(195_000 * n),
    ),
    "text hard-wrapped, 60,000 lines": ("wrapped.txt", lambda n: hard_wrapped_text(60_000 * n)),
    "text on one line, 5 MB": ("one-line.txt", lambda n: one_line_text(5_000_000 * n)),
    "XML entity expansion": ("entities.xml", lambda n: xml_entity_bomb()),
    "XML of 300,000 elements": ("elements.xml", lambda n: xml_of_elements(300_000 * n)),
}


def measure(scale: int, repeat: int) -> list[tuple[str, float, str]]:
    started = time.perf_counter()
    language.model()  # loaded once per process, outside any file's budget
    rows = [("(loading the language model, once per process)", time.perf_counter() - started, "")]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for label, (name, make) in FILES.items():
            path = folder / name
            path.write_bytes(make(scale))
            worst, outcome = 0.0, ""
            for _ in range(repeat):
                started = time.perf_counter()
                try:
                    doc = load_document(path, folder)
                    outcome = f"{len(doc.paragraphs)} paragraphs"
                except UnreadableFile as exc:
                    outcome = f"refused: {exc}"
                worst = max(worst, time.perf_counter() - started)
            rows.append((f"{label} ({path.stat().st_size:,} B)", worst, outcome))
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1, help="multiply the sizes")
    parser.add_argument("--repeat", type=int, default=3, help="runs per file (worst is shown)")
    args = parser.parse_args(argv)
    budget = ReadLimits().read_seconds
    print(f"| hostile file | worst of {args.repeat} (budget {budget:g} s) | outcome |")
    print("| --- | --- | --- |")
    for label, seconds, outcome in measure(args.scale, args.repeat):
        print(f"| {label} | {seconds:.2f} s | {outcome[:110]} |")


if __name__ == "__main__":
    main()

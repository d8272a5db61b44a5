"""HTML reader: the main text of a saved web page, as paragraphs.

A page saved from a ministry or news site holds the declaration inside a lot of furniture:
menus, share bars, comment forms, cookie banners, related posts. The page is parsed with a
real HTML parser (selectolax, Lexbor backend); furniture is removed by tag, ARIA role and the
class/id names that content management systems give it; the main content is the article (or
the element holding the most paragraph text); its block elements become the paragraphs.

Headings come out as "# Heading" blocks: the paragraph parser reads a line starting with "# "
as a printed section heading (the same convention as the Markdown reader), so they label the
paragraphs below them instead of becoming paragraphs. The page's first heading, when it opens
the content, is handed over as a plain first block: metadata extraction then recognises it as
the title (and reads kind and parties from it) and drops it from the paragraphs.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser, LexborNode

from searchapp.corpus.budget import OverBudget, current
from searchapp.corpus.model import Metadata, UnreadableFile
from searchapp.corpus.readers import RawText, register
from searchapp.corpus.readers.text import decode_legacy

# Never part of the text, wherever they stand.
_JUNK_TAGS = (
    "script",
    "style",
    "nav",
    "aside",
    "form",
    "noscript",
    "iframe",
    "svg",
    "template",
    "button",
    "select",
    "textarea",
    "input",
    "object",
    "embed",
    "canvas",
    "dialog",
    "footer",
)
_JUNK_ROLES = ("navigation", "complementary", "banner", "contentinfo", "search", "dialog", "menu")
# Class/id words of CMS furniture. A word must be a whole part of a class name ("comment-respond",
# "sd-sharing-enabled", "jp-relatedposts"), so "commentary" or "shared-history" are safe.
_JUNK_NAME = re.compile(
    r"(?:^|[-_])(?:comments?|commentlist|respond|reply|share|sharing|sharedaddy|social|related"
    r"|relatedposts|sidebar|widgets?|cookies?|gdpr|consent|subscribe|subscription|newsletter"
    r"|login|signin|breadcrumbs?|pagination|navigation|navbar|menu|advert|ads|popup|modal"
    r"|skip-link|print-link)(?:$|[-_])",
    re.I,
)
# Containers that are the content itself: a junk-looking class on them (WordPress puts the
# post's tags and categories there: "category-social-policy") must not remove the article.
_PROTECTED = frozenset({"html", "body", "main", "article"})
_TAXONOMY_CLASSES = ("category-", "tag-", "tags-", "topic-")
_MAIN_SELECTORS = (
    "article",
    "main",
    "[role=main]",
    ".entry-content",
    ".post-content",
    ".article-content",
    ".article-body",
    "#content",
)

_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Elements that start and end a paragraph; everything else is inline and flows into the
# paragraph around it.
_BLOCK_TAGS = _HEADINGS | frozenset(
    {
        "p",
        "li",
        "blockquote",
        "pre",
        "div",
        "section",
        "article",
        "main",
        "header",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "td",
        "th",
        "caption",
        "figure",
        "figcaption",
        "address",
        "center",
        "hr",
        "body",
        "details",
        "summary",
        "fieldset",
    }
)
# parse.py only reads a "# " line of up to 90 characters as a heading; a longer heading is
# text (usually a title or a lead written as a heading) and stays a paragraph.
_MAX_HEADING = 88
# Two <br> in a row separate paragraphs on pages written without <p>.
_BR_BREAK = re.compile(r"[ \t]*\n[ \t]*\n\s*")
_SPACES = re.compile(r"\s+")

# How many candidates for the main content are measured, and how often long loops look at the
# time budget (see _main_content, budget.py).
_MAX_CANDIDATES = 50
_CHECK_EVERY = 1000

_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)", re.I)
_DATE_META = ("date", "article:published_time", "dc.date", "dc.date.issued", "dcterms.date")
_ISO_DATE = re.compile(r"^((?:1[89]|20)\d{2})(?:-([01]\d)(?:-([0-3]\d))?)?(?:$|[T\s])")
_TITLE_SUFFIX = re.compile(r"\s+[|«»]\s+[^|«»]{1,60}$")


@register(".html", ".htm", ".xhtml")
def read_html(data: bytes, path: Path) -> RawText:
    page = decode_html(data)
    _check_nesting(page)
    tree = LexborHTMLParser(page)
    metadata = _page_metadata(tree)
    if tree.body is None:
        raise UnreadableFile("the HTML page has no body")
    _remove_furniture(tree.body)
    blocks = _blocks(_main_content(tree.body))
    if not blocks:
        raise UnreadableFile("no text found in the HTML page (only menus, scripts or chrome)")
    return RawText(text="\n\n".join(blocks), metadata=metadata, blocks=blocks)


# --- nesting ---------------------------------------------------------------------------------

# The HTML parser checks the stack of open elements at most start tags, so its work grows with
# the number of tags times their depth (a page of 40,000 nested <div>s: 14 s in C code that no
# time budget can interrupt). The work is estimated from the tags before parsing and a page
# over this is refused; real pages (depth 20-40, up to 100,000 tags) stay under a tenth of it,
# and the parser does about 50 million steps a second.
_MAX_NESTING_WORK = 50_000_000
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)")
# Elements that never hold others, and those that the next of their kind closes (pages leave
# them unclosed): neither makes the page deeper, but starting one costs its depth too.
_FLAT = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
        "keygen",
        "frame",
        "p",
        "li",
        "dt",
        "dd",
        "option",
        "optgroup",
        "tr",
        "td",
        "th",
        "thead",
        "tbody",
        "tfoot",
        "colgroup",
        "rb",
        "rt",
        "rp",
    ]
)


def _check_nesting(page: str) -> None:
    depth = work = 0
    for match in _TAG.finditer(page):
        closing, flat = bool(match.group(1)), match.group(2).lower() in _FLAT
        if closing:
            depth = depth if flat else max(0, depth - 1)
            continue
        depth += 0 if flat else 1
        work += depth  # every start tag may look through the open elements
        if work > _MAX_NESTING_WORK:
            raise OverBudget(
                f"HTML nested too deeply to parse safely (about {depth:,} open elements)"
            )


# --- decoding --------------------------------------------------------------------------------


def decode_html(data: bytes) -> str:
    """The page as text: BOM, then the declared charset, then UTF-8, then the code page that
    charset-normalizer finds (see text.py)."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    declared = _declared_charset(data)
    if declared:
        try:
            return data.decode(declared)
        except UnicodeDecodeError:
            # Pages often lie about their charset (declared UTF-8, saved as cp1252): fall
            # through to the guesses below rather than showing replacement characters.
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return decode_legacy(data)


def _declared_charset(data: bytes) -> str | None:
    # <meta charset=...> and <meta http-equiv="Content-Type" content="...; charset=...">
    # both match; browsers only look at the head of the file, and so do we.
    match = _META_CHARSET.search(data[:4096])
    if not match:
        return None
    name = match.group(1).decode("ascii").lower()
    try:
        name = codecs.lookup(name).name
    except LookupError:
        return None
    # Browsers read a declared Latin-1 as Windows-1252 (the WHATWG encoding standard).
    return "cp1252" if name in ("latin-1", "iso8859-1", "ascii") else name


# --- metadata --------------------------------------------------------------------------------


def _page_metadata(tree: LexborHTMLParser) -> Metadata:
    return Metadata(
        title=_page_title(tree),
        date=_page_date(tree),
        language=_page_language(tree),
    )


def _meta_content(tree: LexborHTMLParser, *names: str) -> str | None:
    wanted = {n.lower() for n in names}
    for node in tree.css("meta"):
        key = node.attributes.get("name") or node.attributes.get("property") or ""
        content = (node.attributes.get("content") or "").strip()
        if key.lower() in wanted and content:
            return content
    return None


def _page_title(tree: LexborHTMLParser) -> str | None:
    title = _meta_content(tree, "og:title", "dc.title", "citation_title")
    if title:
        return _normal(title)
    node = tree.css_first("title")
    text = _normal(node.text()) if node is not None else ""
    # "Joint Statement of ... | Ministry of Foreign Affairs": the site's name is not the title.
    text = _TITLE_SUFFIX.sub("", text)
    return text or None


def _page_date(tree: LexborHTMLParser) -> str | None:
    value = _meta_content(tree, *_DATE_META)
    match = _ISO_DATE.match(value or "")
    if not match:
        return None
    return "-".join(part for part in match.groups() if part)


def _page_language(tree: LexborHTMLParser) -> str | None:
    html = tree.css_first("html")
    lang = (html.attributes.get("lang") or "") if html is not None else ""
    lang = lang or _meta_content(tree, "language", "dc.language") or ""
    # "en-GB" and "en_US" are English: the index analyses by primary language.
    primary = re.split(r"[-_]", lang.strip().lower())[0]
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else None


# --- main content ----------------------------------------------------------------------------


def _remove_furniture(body: LexborNode) -> None:
    # Removing a node frees its subtree: only the outermost doomed nodes are removed, a
    # descendant of one of them must not be touched again. The traversal is depth-first, so
    # a parent is seen before its children: one pass, whatever the depth of the page.
    budget = current()
    outermost: list[LexborNode] = []
    inside: set[int] = set()  # doomed nodes and everything below them
    for n, node in enumerate(body.traverse()):
        if n % _CHECK_EVERY == 0:
            budget.check("HTML furniture")
        parent = node.parent
        if parent is not None and parent.mem_id in inside:
            inside.add(node.mem_id)
        elif node.tag in _JUNK_TAGS or _is_hidden(node) or _is_chrome_container(node):
            inside.add(node.mem_id)
            outermost.append(node)
    for node in outermost:
        node.decompose()


def _is_hidden(node: LexborNode) -> bool:
    attrs = node.attributes
    if "hidden" in attrs or (attrs.get("aria-hidden") or "").lower() == "true":
        return True
    style = (attrs.get("style") or "").replace(" ", "").lower()
    return "display:none" in style or "visibility:hidden" in style


def _is_chrome_container(node: LexborNode) -> bool:
    if node.tag in _PROTECTED:
        return False
    attrs = node.attributes
    if (attrs.get("role") or "").lower() in _JUNK_ROLES:
        return True
    names = f"{attrs.get('id') or ''} {attrs.get('class') or ''}".split()
    # WordPress writes a post's categories and tags into its classes ("category-social",
    # "tag-share-economy"): they say what the post is about, not that it is furniture.
    return any(
        _JUNK_NAME.search(name) and not name.lower().startswith(_TAXONOMY_CLASSES) for name in names
    )


def _main_content(body: LexborNode) -> LexborNode:
    """The element holding the text: the article, the main element, or the densest element.

    Only the first candidates of each kind are measured: measuring one costs its whole
    subtree, so thousands of nested <article>s would cost the square of the page. An outer
    candidate holds at least the text of those inside it, and comes first.
    """
    for selector in _MAIN_SELECTORS:
        candidates = body.css(selector)[:_MAX_CANDIDATES]
        best = max(candidates, key=_paragraph_text, default=None)
        if best is not None and _paragraph_text(best) > 0:
            return best
    return _densest(body)


def _paragraph_text(node: LexborNode) -> int:
    return sum(len(p.text(strip=True)) for p in node.css("p"))


def _densest(body: LexborNode) -> LexborNode:
    # The parent whose own <p> children hold the most text: the page's text column.
    totals: dict[int, tuple[LexborNode, int]] = {}
    for p in body.css("p"):
        parent = p.parent
        if parent is None:
            continue
        node, total = totals.get(parent.mem_id, (parent, 0))
        totals[parent.mem_id] = (node, total + len(p.text(strip=True)))
    if not totals:
        return body
    return max(totals.values(), key=lambda item: item[1])[0]


# --- blocks ----------------------------------------------------------------------------------


class _BlockWriter:
    """Collects inline text and cuts it into paragraphs at block boundaries."""

    def __init__(self) -> None:
        self.blocks: list[str] = []
        self._buffer: list[str] = []

    def text(self, text: str) -> None:
        self._buffer.append(text)

    def line_break(self) -> None:
        self._buffer.append("\n")

    def flush(self, heading: bool = False) -> None:
        raw = "".join(self._buffer)
        self._buffer = []
        for part in _BR_BREAK.split(raw):
            text = _normal(part)
            if text:
                self.blocks.append(self._heading(text) if heading else text)

    def _heading(self, text: str) -> str:
        if len(text) > _MAX_HEADING:
            return text
        if not self.blocks:
            # The page's title heading, first in the content: a plain block, so that
            # metadata extraction takes it as the title (see the module docstring).
            return text
        return "# " + text


def _blocks(root: LexborNode) -> list[str]:
    """The text of `root`, cut into paragraphs at block elements.

    A walk with an explicit stack, not recursion: browsers accept pages nested thousands of
    elements deep, and such a page must not exhaust Python's recursion limit. Each entry is
    an element's remaining children and what closing it does: None for inline markup, else
    a paragraph break (a heading's, or not).
    """
    budget = current()
    writer = _BlockWriter()
    stack: list[tuple[Iterator[LexborNode], bool | None]] = [(root.iter(include_text=True), None)]
    seen = 0
    while stack:
        children, closing = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            if closing is not None:
                writer.flush(heading=closing)
            continue
        seen += 1
        if seen % _CHECK_EVERY == 0:
            budget.check("HTML text")
        tag = child.tag
        if tag == "-text":
            writer.text(child.text(deep=False))
        elif tag == "br":
            writer.line_break()
        elif tag in _BLOCK_TAGS:
            writer.flush()
            if tag == "pre":
                writer.text(child.text(deep=True))
                writer.flush()
            else:
                stack.append((child.iter(include_text=True), tag in _HEADINGS))
        elif tag and tag[0].isalpha():
            # Inline markup (a, span, em, font...): its text flows into the paragraph.
            stack.append((child.iter(include_text=True), None))
        # Comments and other non-element nodes carry no text of the page.
    writer.flush()
    return writer.blocks


def _normal(text: str) -> str:
    return _SPACES.sub(" ", text.replace("\xa0", " ")).strip()

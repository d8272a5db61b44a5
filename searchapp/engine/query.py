"""From what a user types to Whoosh queries.

The query language (SPEC): plain words (soft AND), "exact phrases", OR, NOT / -word,
parentheses, year:, year:2001..2010, section:, doc:, prefix word*. A bare year ("Belt and Road
2017") means the year, not a word. Anything the parser cannot read is searched as plain words,
with a notice saying so.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from whoosh import query as wq
from whoosh.qparser import QueryParser, plugins, syntax
from whoosh.searching import Searcher

from searchapp.corpus.parties import canonical_party
from searchapp.engine.analysis import plain_words, text_analyzer
from searchapp.engine.schema import build_schema
from searchapp.engine.suggest import unknown_word_correction
from searchapp.engine.understand import Understanding, is_plain, understand
from searchapp.engine.vocabulary import Vocabulary

FIELD_ALIASES = {"doc_id": ["doc"], "doc_title": ["title"], "parties": ["party"]}
USER_FIELDS = {"year", "section", "doc", "title", "text", "party"}
FILTER_FIELDS = {"year", "section", "doc_id", "parties"}
BARE_YEAR = re.compile(r"(?<![\w:.\-/])((?:1[89]|20)\d\d)(?![\w.\-/:])")
YEAR_RANGE = re.compile(r"\byear:(\d{4})?\.\.(\d{4})?")
LEADING_MINUS = re.compile(r"(^|[\s(])-(?=[\w\"(])")
LEADING_PLUS = re.compile(r"(^|[\s(])\+(?=[\w\"(])")
FIELD_PREFIX = re.compile(r"(?<![\w\"])([A-Za-z_]+):(?=\S)")
NOT_WORDS = re.compile(r"\S+:(?:\[[^\]]*\]|\S+)|\S+\*|\b(?:AND|OR|NOT)\b")
SYNTAX_CHARS = re.compile(r"[\"()*:\[\]{}^~+]|(?<!\w)-|\b(?:AND|OR|NOT)\b")


class QueryRefused(Exception):
    """A query the engine will not run (too long, a prefix that expands too far)."""


@dataclass
class ParsedQuery:
    text: str  # what the user typed
    match: wq.Query | None  # None: no text condition (browse, or only years/fields)
    should: list[wq.Query] = field(default_factory=list)  # soft-AND clauses
    min_should: int = 0
    must: list[wq.Query] = field(default_factory=list)  # field conditions (year:, doc:, …)
    must_not: list[wq.Query] = field(default_factory=list)
    bare_years: list[int] = field(default_factory=list)
    bare_parties: list[str] = field(default_factory=list)  # parties named as words (understand)
    words: list[str] = field(default_factory=list)  # the plain words, unstemmed (suggestions)
    notices: list[str] = field(default_factory=list)


def _parser() -> QueryParser:
    schema = build_schema()
    parser = QueryParser("text", schema, group=syntax.AndGroup)
    parser.remove_plugin_class(plugins.SingleQuotePlugin)
    parser.remove_plugin_class(plugins.BoostPlugin)
    parser.remove_plugin_class(plugins.EveryPlugin)
    parser.add_plugin(plugins.FieldAliasPlugin(FIELD_ALIASES))
    return parser


_PARSER = _parser()
_ANALYZER = text_analyzer()


def _unreadable_reason(text: str) -> str | None:
    if text.count('"') % 2:
        return "a quotation mark is not closed"
    depth = 0
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return "a closing parenthesis has no opening one"
    if depth:
        return "a parenthesis is not closed"
    for name in FIELD_PREFIX.findall(_outside_quotes(text)):
        if name not in USER_FIELDS:
            return f'"{name}:" is not a field (use year:, section:, party:, doc: or title:)'
    if re.search(r"\b(?:AND|OR|NOT)\s*$", text) or re.match(r"^\s*(?:AND|OR)\b", text):
        return "an operator (AND, OR, NOT) has nothing to combine"
    bad_year = re.search(r"\byear:(?![\d.\[])", text)
    if bad_year:
        return "year: takes a year (2012) or a range (2001..2010)"
    return None


def _outside_quotes(text: str) -> str:
    return "".join(text.split('"')[::2])


def _extract_bare_years(text: str, known: frozenset[int]) -> tuple[str, list[int]]:
    """Take out the numbers that are years of the corpus; a number that is no such year
    ("the 2030 Agenda" in a corpus that ends in 2024) stays a word to search."""
    parts = text.split('"')
    years: list[int] = []

    def take(m: re.Match[str]) -> str:
        year = int(m.group(1))
        if year not in known:
            return m.group(0)
        years.append(year)
        return " "

    for i in range(0, len(parts), 2):  # even parts are outside quotes
        parts[i] = BARE_YEAR.sub(take, parts[i])
    return '"'.join(parts), years


def _normalise_syntax(text: str) -> str:
    text = YEAR_RANGE.sub(lambda m: f"year:[{m.group(1) or ''} TO {m.group(2) or ''}]", text)
    text = LEADING_MINUS.sub(r"\1NOT ", text)
    return LEADING_PLUS.sub(r"\1", text)


def plain_words_query(text: str) -> str:
    """The query with every piece of syntax removed: what we search when parsing fails."""
    return " ".join(SYNTAX_CHARS.sub(" ", text).split())


def parse(
    text: str,
    searcher: Searcher,
    vocabulary: Vocabulary,
    max_length: int,
    max_expansion: int,
    known_years: frozenset[int] = frozenset(),
    known_parties: frozenset[str] = frozenset(),
) -> ParsedQuery:
    text = text.strip()
    if len(text) > max_length:
        raise QueryRefused(
            f"the query is {len(text)} characters long; the limit is {max_length}. "
            "Shorten it to the words that matter."
        )
    notices: list[str] = []
    reason = _unreadable_reason(text)
    if reason:
        notices.append(
            f"Your query could not be read as written ({reason}); it was searched as plain words."
        )
        text_for_parser = plain_words_query(text)
    else:
        text_for_parser = text
    stripped, years = _extract_bare_years(text_for_parser, known_years)
    # The words a "did you mean" may correct, as typed: not operators, fields or prefixes.
    free_text = NOT_WORDS.sub(" ", _outside_quotes(_normalise_syntax(stripped)))
    understood: Understanding | None = None
    if is_plain(stripped):
        understood = understand(
            stripped,
            known_parties,
            lambda word: unknown_word_correction(searcher.reader(), vocabulary, word),
        )
        stripped = understood.text
    stripped = _normalise_syntax(stripped).strip()
    parsed = ParsedQuery(text=text, match=None, bare_years=years, notices=notices)
    if stripped:
        tree = _PARSER.parse(stripped)
        tree = _rewrite(tree, searcher, vocabulary, max_expansion)
        _split_top_level(tree, parsed)
    if understood is not None:
        _add_understanding(parsed, understood)
    if not stripped and not parsed.should:
        return parsed
    parsed.words = [w for w in plain_words(free_text) if w not in {"and", "or", "not"}]
    return parsed


def _split_top_level(tree: wq.Query, parsed: ParsedQuery) -> None:
    """Sort the top level into soft-AND text clauses, field conditions and exclusions."""
    children = list(tree.children()) if isinstance(tree, wq.And) else [tree]
    for child in children:
        if child is wq.NullQuery or isinstance(child, wq.NullQuery.__class__):
            continue
        if isinstance(child, wq.Not):
            parsed.must_not.append(child.query)
        elif _fields_of(child) <= FILTER_FIELDS and _fields_of(child):
            parsed.must.append(child)
        else:
            parsed.should.append(child)
    n = len(parsed.should)
    parsed.min_should = n if n <= 2 else max(2, math.ceil(0.6 * n))
    if parsed.should:
        parsed.match = parsed.should[0] if n == 1 else wq.Or(parsed.should)


def _add_understanding(parsed: ParsedQuery, understood: Understanding) -> None:
    """Parties and synonyms as soft clauses; any word makes a candidate (the ranking rewards
    paragraphs with all the words)."""
    parsed.should.extend(understood.clauses)
    parsed.bare_parties = understood.parties
    parsed.min_should = 1 if parsed.should else 0
    if parsed.should:
        parsed.match = parsed.should[0] if len(parsed.should) == 1 else wq.Or(parsed.should)


def _fields_of(q: wq.Query) -> set[str]:
    names = {q.field()} if q.field() else set()
    for child in q.children():
        names |= _fields_of(child)
    return names


def _rewrite(
    q: wq.Query, searcher: Searcher, vocabulary: Vocabulary, max_expansion: int
) -> wq.Query:
    if isinstance(q, (wq.Prefix, wq.Wildcard)) and q.fieldname in ("text", "doc_title"):
        return _expand_prefix(q, vocabulary, max_expansion)
    if isinstance(q, wq.Term) and q.fieldname == "section":
        return _resolve(searcher, "section", str(q.text))
    if isinstance(q, (wq.Term, wq.Prefix)) and q.fieldname == "doc_id":
        return _resolve(searcher, "doc_id", str(q.text))
    if isinstance(q, wq.Phrase) and q.fieldname == "section":
        return _resolve(searcher, "section", " ".join(q.words))
    if isinstance(q, (wq.Term, wq.Phrase)) and q.fieldname == "parties":
        typed = " ".join(q.words) if isinstance(q, wq.Phrase) else str(q.text)
        return _resolve(searcher, "parties", canonical_party(typed) or typed)
    return q.apply(lambda child: _rewrite(child, searcher, vocabulary, max_expansion))


def _resolve(searcher: Searcher, fieldname: str, value: str) -> wq.Query:
    """`section:trade` or `doc:2002` means every stored value that contains what was typed."""
    wanted = value.lower().strip()
    values = [
        v.decode("utf-8") if isinstance(v, bytes) else v
        for v in searcher.reader().lexicon(fieldname)
    ]
    exact = [v for v in values if v.lower() == wanted]
    matches = exact or [v for v in values if wanted in v.lower()]
    if not matches:
        return wq.Term(fieldname, value)  # matches nothing, and says so in the results
    return (
        wq.Or([wq.Term(fieldname, v) for v in matches])
        if len(matches) > 1
        else wq.Term(fieldname, matches[0])
    )


def _expand_prefix(q: wq.Query, vocabulary: Vocabulary, max_expansion: int) -> wq.Query:
    """Expand `word*` over the unstemmed vocabulary, then search the stems of what it found.

    Stemming would otherwise defeat prefixes ("cooperat*" must find "cooperation", whose stem
    is "cooper"). The expansion is bounded so that "a*" is refused, not slow.
    """
    prefix = str(q.text).rstrip("*").lower()
    if isinstance(q, wq.Wildcard) and ("*" in prefix or "?" in prefix):
        raise QueryRefused("only prefixes are supported: put * at the end of a word (cooperat*)")
    if len(prefix) < 2:
        raise QueryRefused(f'the prefix "{prefix}*" is too short: give at least two letters')
    words = vocabulary.with_prefix(prefix, max_expansion)
    if len(words) > max_expansion:
        raise QueryRefused(
            f'the prefix "{prefix}*" matches more than {max_expansion} words; make it longer'
        )
    stems = sorted({t.text for w in words for t in _ANALYZER(w)})
    if not stems:
        return wq.Term("text", prefix)
    return wq.Or([wq.Term(q.fieldname, s) for s in stems])

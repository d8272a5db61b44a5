"""From what a user types to Whoosh queries.

The query language is closed (SPEC): plain words (soft AND), "exact phrases", OR, NOT / -word,
parentheses, the fields of `FIELDS` (year:, section:, party:, doc:, title:), year ranges
year:2001..2010 and prefixes word*. Nothing else is syntax: every other character (a trailing
`?`, brackets, `~`, `^`, a `:` inside a word, a lone `*`) is text, and the analyzer treats it
as it treats punctuation in a paragraph. A bare year ("Belt and Road 2017") means the year,
not a word. A query that breaks the grammar (an unclosed quote, an unknown `field:`) is
searched as plain words, with a notice saying so. A plain query (words only) is first read by
engine/understand.py: parties named in it, synonyms, typos and question words.

Whoosh's own query parser is not used: its syntax (wildcards, ranges in brackets, boosts,
fuzzy terms) is larger than ours, and closing it plugin by plugin leaves leaks. This small
recursive-descent parser builds the Whoosh query objects itself, and bounds by construction
what a query can make the engine do: at most MAX_TERMS terms, MAX_DEPTH nested parentheses,
a chain of NOTs folded to one, and at most `max_expansion` words from all its prefixes.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from whoosh import query as wq
from whoosh.searching import Searcher

from searchapp.corpus.parties import canonical_party
from searchapp.engine.analysis import plain_words
from searchapp.engine.suggest import rare_word_correction, unknown_word_correction
from searchapp.engine.understand import Understanding, is_plain, understand
from searchapp.engine.vocabulary import Vocabulary


@dataclass(frozen=True)
class Field:
    """A `name:` of the query language and how its value is matched."""

    index_field: str  # the schema field it searches
    kind: str  # "year": a year or a range; "value": stored values holding it; "text": words;
    # "party": the stored party that a name, code or short form stands for


# Table-driven so that a new field is one line here (and in the schema).
FIELDS: dict[str, Field] = {
    "year": Field("year", "year"),
    "section": Field("section", "value"),
    "party": Field("parties", "party"),
    "doc": Field("doc_id", "value"),
    "title": Field("doc_title", "text"),
    "text": Field("text", "text"),
}
# Conditions on the paragraph (required), not words to rank by (soft AND).
FILTER_FIELDS = frozenset(f.index_field for f in FIELDS.values() if f.kind != "text")

MAX_TERMS = 32  # words, phrase words, field values and prefixes of one query
MAX_DEPTH = 8  # nested parentheses
MAX_FIELD_VALUES = 1000  # stored values one section: or doc: may stand for

BARE_YEAR = re.compile(r"(?:1[89]|20)\d\d")
YEAR_VALUE = re.compile(r"(\d{4})|(\d{4})?\.\.(\d{4})?")
FIELD_WORD = re.compile(r"([A-Za-z_]+):(.*)", re.DOTALL)
PREFIX_WORD = re.compile(r"(\w+)\*+")
OPERATORS = {"AND", "OR", "NOT"}
WORD_PUNCTUATION = frozenset("_-'’.:*/&@")
# What the plain-words fallback removes: every character that is syntax of the language.
SYNTAX_CHARS = re.compile(r"[\"()*:]|(?<!\w)-|\b(?:AND|OR|NOT)\b")


class QueryRefused(Exception):
    """A query the engine will not run (too long, a prefix that expands too far)."""


class _Unreadable(Exception):
    """The query breaks the grammar; the message says how (shown in the notice)."""


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
    # Said of the words searched as well as typed (understand's rare words): only true of this
    # reading of the query, not of a suggestion searched instead.
    also_searched: list[str] = field(default_factory=list)
    terms: int = 0  # leaf terms in the query: what bounds the engine's work

    def clauses(self) -> int:
        """Every node of the query the engine evaluates (counted by the tests)."""
        return sum(query_size(q) for q in (*self.should, *self.must, *self.must_not))


def query_size(q: wq.Query) -> int:
    return 1 + sum(query_size(c) for c in q.children())


# -- tokens ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str  # "word", "phrase", "field", "(", ")", "OR", "AND", "NOT"
    text: str = ""
    name: str = ""  # for "field": the field name


def _tokens(text: str) -> list[_Token]:
    out: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            out.append(_Token(ch))
            i += 1
        elif ch == '"':
            i = _phrase(text, i, out, "")
        elif ch in "-+" and i + 1 < n and not text[i + 1].isspace():
            # Only reached where a run of characters starts, so "state-to-state" stays a word.
            if ch == "-":  # -word, -"phrase", -(group): NOT; a leading + is a no-op
                out.append(_Token("NOT"))
            i += 1
        elif not _in_word(ch):  # ? ~ ^ [ ] { } and the like separate words, as spaces do
            i += 1
        else:
            j = i
            while j < n and _in_word(text[j]):
                j += 1
            word = text[i:j]
            named = FIELD_WORD.fullmatch(word)
            name = named.group(1).lower() if named and not named.group(2) else ""
            if name in FIELDS and text[j : j + 1] == '"':  # section:"Trade and economy"
                i = _phrase(text, j, out, name)
                continue
            out.append(_word_token(word))
            i = j
    return out


def _in_word(ch: str) -> bool:
    """Characters a typed word is made of: letters, digits and the punctuation found inside
    words ("state-to-state", "U.S.", "10/12") or syntax (`doc:…`, `cooperat*`)."""
    return ch.isalnum() or ch in WORD_PUNCTUATION


def _phrase(text: str, start: int, out: list[_Token], name: str) -> int:
    end = text.find('"', start + 1)
    if end == -1:
        raise _Unreadable("a quotation mark is not closed")
    body = text[start + 1 : end]
    out.append(_Token("field", body, name) if name else _Token("phrase", body))
    return end + 1


def _word_token(word: str) -> _Token:
    if word in OPERATORS:
        return _Token(word)
    named = FIELD_WORD.fullmatch(word)
    if named and named.group(2):
        name = named.group(1).lower()
        if name in FIELDS:
            return _Token("field", named.group(2), name)
        known = ", ".join(f"{f}:" for f in FIELDS if f != "text")
        raise _Unreadable(f'"{named.group(1)}:" is not a field (use {known})')
    return _Token("word", word)


# -- grammar: seq := disj*;  disj := unary (OR unary)*;  unary := NOT* atom ----------------------


@dataclass
class _Unit:
    """One top-level part of the query, before it is sorted into should/must/must_not."""

    query: wq.Query | None
    negated: bool = False
    year: int | None = None  # a bare year of the corpus


class _Parser:
    def __init__(
        self,
        tokens: list[_Token],
        searcher: Searcher,
        vocabulary: Vocabulary,
        max_expansion: int,
        known_years: frozenset[int],
    ) -> None:
        self.tokens = tokens
        self.pos = 0
        self.searcher = searcher
        self.vocabulary = vocabulary
        self.expansion_left = max_expansion
        self.max_expansion = max_expansion
        self.known_years = known_years
        self.terms = 0
        self.truncated = False
        self.words: list[str] = []

    def peek(self) -> str | None:
        return self.tokens[self.pos].kind if self.pos < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def top(self) -> list[_Unit]:
        units = self.sequence(0)
        if self.peek() == ")":
            raise _Unreadable("a closing parenthesis has no opening one")
        return units

    def sequence(self, depth: int) -> list[_Unit]:
        units: list[_Unit] = []
        while self.peek() not in (None, ")"):
            if self.peek() == "AND":  # AND is what juxtaposition already means
                self.take()
                if self.peek() in (None, ")", "OR", "AND"):
                    raise _Unreadable("an operator (AND, OR, NOT) has nothing to combine")
                continue
            units.append(self.disjunction(depth))
        return units

    def disjunction(self, depth: int) -> _Unit:
        first = self.unary(depth)
        if self.peek() != "OR":
            return first
        parts = [first]
        while self.peek() == "OR":
            self.take()
            if self.peek() in (None, ")", "OR", "AND"):
                raise _Unreadable("an operator (AND, OR, NOT) has nothing to combine")
            parts.append(self.unary(depth))
        queries = [_negate(p.query) if p.negated else p.query for p in parts]
        queries += [_year_range(p.year) for p in parts if p.year is not None]
        return _Unit(_any([q for q in queries if q is not None]))

    def unary(self, depth: int) -> _Unit:
        negated = False
        while self.peek() == "NOT":  # NOT NOT NOT … x is one NOT or none, whatever the chain
            self.take()
            negated = not negated
        if self.peek() in (None, ")", "OR", "AND"):
            raise _Unreadable("an operator (AND, OR, NOT) has nothing to combine")
        unit = self.atom(depth)
        if negated and unit.year is not None:  # -2012: not that year
            unit.query, unit.year = _year_range(unit.year), None
        if negated:
            unit.negated = not unit.negated
        return unit

    def atom(self, depth: int) -> _Unit:
        token = self.take()
        if token.kind == "(":
            if depth >= MAX_DEPTH:
                raise _Unreadable(f"parentheses are nested more than {MAX_DEPTH} deep")
            inner = self.sequence(depth + 1)
            if self.peek() != ")":
                raise _Unreadable("a parenthesis is not closed")
            self.take()
            return _group(inner)
        if token.kind == "phrase":
            return _Unit(self.text_query("text", token.text, phrase=True))
        if token.kind == "field":
            return _Unit(self.field_query(token.name, token.text))
        year = self.bare_year(token.text) if depth == 0 else None
        if year is not None:
            return _Unit(None, year=year)
        prefix = PREFIX_WORD.fullmatch(token.text)
        if prefix:
            return _Unit(self.prefix_query("text", prefix.group(1)))
        query = self.text_query("text", token.text, phrase=False)
        if query is not None:
            self.words += [w for w in plain_words(token.text) if w not in {"and", "or", "not"}]
        return _Unit(query)

    def bare_year(self, word: str) -> int | None:
        """A number that is a year of the corpus; another ("the 2030 Agenda") stays a word."""
        if BARE_YEAR.fullmatch(word) and int(word) in self.known_years:
            return int(word)
        return None

    # -- leaves ---------------------------------------------------------------------------

    def spend(self, terms: int) -> bool:
        """Whether `terms` more terms fit in MAX_TERMS; the rest of the query is dropped."""
        if self.terms + terms > MAX_TERMS:
            self.truncated = True
            return False
        self.terms += terms
        return True

    def text_query(self, fieldname: str, text: str, phrase: bool) -> wq.Query | None:
        stems = list(self.searcher.schema[fieldname].process_text(text, mode="query"))
        if not stems or not self.spend(len(stems)):
            return None
        if len(stems) == 1:
            return wq.Term(fieldname, stems[0])
        if phrase and self.searcher.schema[fieldname].format.supports("positions"):
            return wq.Phrase(fieldname, stems)
        # Without positions (a title) a phrase can only ask for all its words.
        # Or one typed word that the tokenizer splits ("state-to-state"): all its parts.
        return wq.And([wq.Term(fieldname, s) for s in stems])

    def field_query(self, name: str, value: str) -> wq.Query | None:
        spec = FIELDS[name]
        if spec.kind == "text":
            prefix = PREFIX_WORD.fullmatch(value)
            if prefix:
                return self.prefix_query(spec.index_field, prefix.group(1))
            return self.text_query(spec.index_field, value, phrase=True)
        if not self.spend(1):
            return None
        if spec.kind == "year":
            return _year_query(spec.index_field, value)
        if spec.kind == "party":
            return self.resolve(spec.index_field, canonical_party(value) or value)
        return self.resolve(spec.index_field, value.rstrip("*"))

    def resolve(self, fieldname: str, value: str) -> wq.Query:
        """`section:trade` or `doc:2002` means every stored value that contains it."""
        wanted = value.lower().strip()
        values = [
            v.decode("utf-8") if isinstance(v, bytes) else v
            for v in self.searcher.reader().lexicon(fieldname)
        ]
        exact = [v for v in values if v.lower() == wanted]
        matches = exact or [v for v in values if wanted in v.lower()]
        if len(matches) > MAX_FIELD_VALUES:
            raise QueryRefused(
                f'"{value}" matches more than {MAX_FIELD_VALUES} values of {fieldname}; '
                "give more of it"
            )
        if not matches:
            return wq.Term(fieldname, value)  # matches nothing, and says so in the results
        return _any([wq.Term(fieldname, v) for v in matches])

    def prefix_query(self, fieldname: str, prefix: str) -> wq.Query | None:
        """Expand `word*` over the unstemmed vocabulary, then search the stems of what it
        found: stemming would otherwise defeat prefixes ("cooperat*" must find "cooperation",
        whose stem is "cooper"). All the prefixes of a query share `max_expansion` words, so
        "a*" is refused, not slow."""
        prefix = prefix.lower()
        if len(prefix) < 2:
            raise QueryRefused(f'the prefix "{prefix}*" is too short: give at least two letters')
        if not self.spend(1):
            return None
        words = self.vocabulary.with_prefix(prefix, self.expansion_left)
        if len(words) > self.expansion_left:
            raise QueryRefused(
                f'the prefix "{prefix}*" matches more than {self.max_expansion} words'
                f"{'' if self.expansion_left == self.max_expansion else ' with the others'}; "
                "make it longer"
            )
        self.expansion_left -= len(words)
        analyzer = self.searcher.schema[fieldname]
        stems = sorted({s for w in words for s in analyzer.process_text(w, mode="query")})
        if not stems:
            return wq.Term(fieldname, prefix)
        return _any([wq.Term(fieldname, s) for s in stems])


def _year_range(year: int) -> wq.Query:
    return wq.NumericRange("year", year, year)


def _year_query(fieldname: str, value: str) -> wq.Query:
    found = YEAR_VALUE.fullmatch(value.strip())
    if not found or not (found.group(1) or found.group(2) or found.group(3)):
        raise _Unreadable("year: takes a year (2012) or a range (2001..2010)")
    if found.group(1):
        year = int(found.group(1))
        return wq.NumericRange(fieldname, year, year)
    low = int(found.group(2)) if found.group(2) else None
    high = int(found.group(3)) if found.group(3) else None
    return wq.NumericRange(fieldname, low, high)


def _any(queries: list[wq.Query]) -> wq.Query | None:
    if not queries:
        return None
    return queries[0] if len(queries) == 1 else wq.Or(queries)


def _negate(q: wq.Query | None) -> wq.Query | None:
    return None if q is None else wq.Not(q)


def _group(units: list[_Unit]) -> _Unit:
    """Parentheses: every part required (NOT parts excluded), as one unit."""
    parts = [_negate(u.query) if u.negated else u.query for u in units if u.query is not None]
    if not parts:
        return _Unit(None)
    return _Unit(parts[0] if len(parts) == 1 else wq.And(parts))


# -- the whole query -----------------------------------------------------------------------------


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
    parsed = ParsedQuery(text=text, match=None)
    understood: Understanding | None = None
    source = text
    if is_plain(text):
        understood = understand(
            text,
            known_parties,
            lambda word: unknown_word_correction(searcher.reader(), vocabulary, word),
            lambda word: rare_word_correction(searcher.reader(), vocabulary, word),
        )
        source = understood.text

    def run(source: str) -> _Parser:
        parser = _Parser(_tokens(source), searcher, vocabulary, max_expansion, known_years)
        units = parser.top()
        _split_top_level(units, parsed)
        return parser

    try:
        parser = run(source)
    except _Unreadable as exc:
        parsed.notices.append(
            f"Your query could not be read as written ({exc}); it was searched as plain words."
        )
        parsed.should, parsed.must, parsed.must_not, parsed.bare_years = [], [], [], []
        parser = run(plain_words_query(text))
    if parser.truncated:
        parsed.notices.append(
            f"Your query has more than {MAX_TERMS} words and conditions; only the first "
            f"{MAX_TERMS} were searched."
        )
    if understood is not None:
        _add_understanding(parsed, understood)
        # "Did you mean" looks at the words as typed, before any correction.
        parsed.words = [w for w in plain_words(text) if w not in {"and", "or", "not"}]
    else:
        parsed.words = parser.words
    parsed.terms = parser.terms
    return parsed


def _add_understanding(parsed: ParsedQuery, understood: Understanding) -> None:
    """Parties and synonyms as soft clauses; any word makes a candidate (the ranking rewards
    paragraphs with all the words)."""
    parsed.should.extend(understood.clauses)
    parsed.bare_parties = understood.parties
    for typed, commoner in understood.also.items():
        parsed.also_searched.append(
            f"“{typed}” is in few paragraphs and close to the far commoner “{commoner}”: "
            "both were searched."
        )
    parsed.min_should = 1 if parsed.should else 0
    if parsed.should:
        parsed.match = parsed.should[0] if len(parsed.should) == 1 else wq.Or(parsed.should)


def _split_top_level(units: list[_Unit], parsed: ParsedQuery) -> None:
    """Sort the top level into soft-AND text clauses, field conditions and exclusions."""
    for unit in units:
        if unit.year is not None:
            parsed.bare_years.append(unit.year)
        elif unit.query is None:
            continue
        elif unit.negated:
            parsed.must_not.append(unit.query)
        elif _fields_of(unit.query) <= FILTER_FIELDS:
            parsed.must.append(unit.query)
        else:
            parsed.should.append(unit.query)
    n = len(parsed.should)
    parsed.min_should = n if n <= 2 else max(2, math.ceil(0.6 * n))
    if parsed.should:
        parsed.match = parsed.should[0] if n == 1 else wq.Or(parsed.should)


def _fields_of(q: wq.Query) -> set[str]:
    names = {q.field()} if q.field() else set()
    for child in q.children():
        names |= _fields_of(child)
    return names

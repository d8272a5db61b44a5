"""Query understanding: what an analyst means by the plain words of a query.

Before a plain query (no quotes, operators, parentheses, fields or prefixes: those stay
exact) is parsed:

- question words ("when did", "where was", "what did … say") are left out, so that they do
  not drown the words that carry the content;
- a word the index does not know, one or two edits from a common word it knows, is searched
  as that word (the typo is corrected in the ranking, not only offered as "did you mean");
- a word the index knows from a few paragraphs only, one edit from a word far commoner, is
  searched as both, one clause of the query: the corpus makes the typo too ("millenium"),
  and a real rare word still finds its paragraphs first (each form keeps its own weight:
  paragraphs that spell a word the same wrong way mean the same word);
- a party named by its name, adjective, short form or capital ("Chinese", "PRC", "Beijing")
  is understood as that party: its paragraphs rank first (as a bare year's do) and the words
  search every name of the party ("DPRK" finds "North Korea");
- an acronym or synonym of `data/synonyms.yaml` ("WMD") also finds the others ("weapons of
  mass destruction"), both ways;
- any word makes a paragraph a candidate (recall before precision): the ranking, which
  rewards the paragraphs that hold all the words, puts them first.

Each party or synonym becomes one soft clause (an OR of its forms), so a paragraph that says
it any way counts as holding that word of the query.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from whoosh import query as wq

from searchapp.corpus.parties import (
    WORDS_IN_LOWER_CASE,
    fold,
    gazetteer,
    query_mentions,
)
from searchapp.data import load_yaml
from searchapp.engine.analysis import text_analyzer

# Syntax that makes a query exact: then it is searched as written. Only the query language's
# own (engine/query.py): brackets, `?`, `~` or `^` are text there, and so plain words here.
_SYNTAX = re.compile(r"[\"()*:]|(?:^|\s)[-+](?=\S)|\b(?:AND|OR|NOT)\b")
_WORD = re.compile(r"[^\W\d_]+")  # letters only: "Nagorno-Karabah" is two words to correct
QUESTION_OPENERS = frozenset(
    [
        "what",
        "when",
        "where",
        "which",
        "who",
        "whom",
        "whose",
        "why",
        "how",
        "did",
        "does",
        "do",
        "is",
        "are",
        "was",
        "were",
        "has",
        "have",
        "had",
        "can",
        "could",
        "will",
        "would",
        "should",
        "tell",
        "list",
        "show",
    ]
)
# Left out of a question; content words of a question ("signed", "ratify") stay.
QUESTION_WORDS = QUESTION_OPENERS | frozenset(
    [
        "say",
        "said",
        "says",
        "saying",
        "talk",
        "talked",
        "speak",
        "spoke",
        "mention",
        "mentioned",
        "first",
        "ever",
        "there",
        "about",
        "many",
        "much",
        "me",
        "us",
    ]
)
MAX_CLAUSES = 8  # parties and synonyms expanded per query (bounded work); more stay words
# Distinct words of a query looked up for a typo correction: each walks the vocabulary, so a
# query of thirty misspellings cannot take seconds; the others are searched as typed.
MAX_CORRECTED = 8
PARTY_FIELD = "parties"  # the index field of a paragraph's canonical parties
MAX_FORMS = 6  # names of a party or synonym searched for it (each phrase costs a pass)
_ANALYZER = text_analyzer()


@dataclass
class Understanding:
    text: str  # what is left for the parser to read as words
    parties: list[str] = field(default_factory=list)  # named parties the corpus has
    clauses: list[wq.Query] = field(default_factory=list)  # one soft clause per party/synonym
    corrected: dict[str, str] = field(default_factory=dict)  # typo -> word searched instead
    also: dict[str, str] = field(default_factory=dict)  # rare form -> commoner one searched too


def is_plain(text: str) -> bool:
    """Plain words only: no phrase, operator, grouping, field or prefix."""
    return not _SYNTAX.search(text)


@cache
def synonym_groups() -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(str(v) for v in group) for group in load_yaml("synonyms.yaml") or ())


@cache
def _synonym_pattern() -> tuple[re.Pattern[str], dict[str, tuple[str, ...]], frozenset[str]]:
    """A pattern over folded text for every synonym; its group; the forms written in capitals
    (acronyms, which only match in capitals: "WHO" is not "who")."""
    groups: dict[str, tuple[str, ...]] = {}
    capitals: set[str] = set()
    for group in synonym_groups():
        for form in group:
            key = " ".join(fold(form).split())
            groups[key] = group
            if form.isupper():
                capitals.add(key)
    alternatives = sorted(groups, key=len, reverse=True)
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, alternatives)) + r")(?!\w)")
    return pattern, groups, frozenset(capitals)


def understand(
    text: str,
    known_parties: frozenset[str],
    correct: Callable[[str], str | None],
    also: Callable[[str], str | None] = lambda word: None,
) -> Understanding:
    """Read a plain query (see the module's docstring); `correct` gives the word to search
    for a word the index does not know, `also` the word to search as well for a rare one,
    or None."""
    text = _without_question_words(text)
    text, corrected, rare = _corrected(text, correct, also)
    found = Understanding(text="", corrected=corrected)
    spans: list[tuple[int, int]] = []
    mentions = query_mentions(text)[:MAX_CLAUSES]
    speaker = {m.party for m in mentions} & known_parties
    for mention in mentions:
        spans.append((mention.start, mention.end))
        typed = text[mention.start : mention.end]
        clause = _any_of(_party_forms(mention.party, typed))
        if mention.party in known_parties and len(speaker) == 1:
            # The party's own paragraphs hold this word of the query even where they do not
            # write the name: a Kazakh speech says "our country", not "Kazakhstan".
            clause = _or(clause, wq.Term(PARTY_FIELD, mention.party))
        if mention.party in known_parties and mention.party not in found.parties:
            found.parties.append(mention.party)
        found.clauses.append(clause)
    pattern, groups, capitals = _synonym_pattern()
    for m in pattern.finditer(fold(text)):
        if len(spans) >= MAX_CLAUSES:
            break
        if _overlaps(m.span(), spans):
            continue
        if m.group(0) in capitals and not text[m.start() : m.end()].isupper():
            continue
        spans.append(m.span())
        found.clauses.append(_any_of(groups[m.group(0)]))
    for typed, commoner in rare.items():
        span = _word_span(text, typed, spans)
        clause = _variants(typed, commoner)
        if span is not None and clause is not None:
            spans.append(span)
            found.clauses.append(clause)
            found.also[typed] = commoner
    found.text = _cut(text, spans)
    found.clauses = [c for c in found.clauses if c is not wq.NullQuery]
    return found


def _without_question_words(text: str) -> str:
    words = text.split()
    if not words:
        return text
    question = text.rstrip().endswith("?") or words[0].lower() in QUESTION_OPENERS
    if not question:
        return text
    kept = [w for w in words if w.lower().strip("?,.!") not in QUESTION_WORDS]
    # A question made only of question words ("who are we?") is searched as typed; a question
    # mark is never a wildcard.
    return " ".join(kept or words).replace("?", " ")


def _corrected(
    text: str, correct: Callable[[str], str | None], also: Callable[[str], str | None]
) -> tuple[str, dict[str, str], dict[str, str]]:
    """The text with unknown words corrected; the corrections; the rare words (as typed)
    with the commoner word to search as well. Both lookups count in MAX_CORRECTED."""
    g = gazetteer()
    corrected: dict[str, str] = {}
    rare: dict[str, str] = {}
    looked_up: set[str] = set()

    def fix(m: re.Match[str]) -> str:
        word = m.group(0)
        if len(word) < 4 or fold(word) in g.names:
            return word
        if word.lower() not in looked_up and len(looked_up) >= MAX_CORRECTED:
            return word
        looked_up.add(word.lower())
        replacement = correct(word.lower())
        if replacement is None:
            commoner = also(word.lower())
            if commoner is not None:
                rare[word] = commoner
            return word
        corrected[word] = replacement
        return replacement.capitalize() if word[:1].isupper() else replacement

    return _WORD.sub(fix, text), corrected, rare


def _word_span(text: str, word: str, taken: list[tuple[int, int]]) -> tuple[int, int] | None:
    """Where `word` stands in the text as a word of its own, outside a party or synonym."""
    for m in re.finditer(rf"(?<!\w){re.escape(word)}(?!\w)", text):
        if not _overlaps(m.span(), taken):
            return m.span()
    return None


def _variants(typed: str, commoner: str) -> wq.Query | None:
    terms = dict.fromkeys(t.text for w in (typed, commoner) for t in _ANALYZER(w))
    if len(terms) < 2:
        return None
    return wq.Or([wq.Term("text", t) for t in terms])


def _party_forms(party: str, typed: str) -> list[str]:
    """What the query searches for a party: the words typed and the party's other names
    (not its capitals, nor short forms that are English words in lower case)."""
    g = gazetteer()
    forms = [
        form
        for form, name in g.names.items()
        if name == party and form not in g.metonyms and form not in WORDS_IN_LOWER_CASE
    ]
    return [typed, party, *forms]


def _any_of(forms: list[str] | tuple[str, ...]) -> wq.Query:
    """One clause that matches a paragraph saying any of `forms`: the fewest words first, and
    no form that holds a shorter one ("United States of America" is found by "United
    States"), at most MAX_FORMS (each phrase costs a pass over positions)."""
    kept: list[tuple[str, ...]] = []
    for terms in sorted({tuple(t.text for t in _ANALYZER(f)) for f in forms}, key=len):
        if terms and not any(_holds(terms, shorter) for shorter in kept):
            kept.append(terms)
    subqueries = [
        wq.Term("text", t[0]) if len(t) == 1 else wq.Phrase("text", list(t))
        for t in kept[:MAX_FORMS]
    ]
    if not subqueries:
        return wq.NullQuery
    return subqueries[0] if len(subqueries) == 1 else wq.Or(subqueries)


def _or(clause: wq.Query, extra: wq.Query) -> wq.Query:
    if clause is wq.NullQuery:
        return extra
    children = clause.children() if isinstance(clause, wq.Or) else [clause]
    return wq.Or([*children, extra])


def _holds(terms: tuple[str, ...], part: tuple[str, ...]) -> bool:
    n = len(part)
    return any(terms[i : i + n] == part for i in range(len(terms) - n + 1))


def _overlaps(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in spans)


def _cut(text: str, spans: list[tuple[int, int]]) -> str:
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + " " + text[end:]
    return " ".join(text.split())

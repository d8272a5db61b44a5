"""Kinds of document ("joint declaration", "cablegram", "speech"), named by a title or heading."""

from __future__ import annotations

import re

KINDS = [
    (re.compile(p, re.I), kind)
    for p, kind in (
        (r"\bjoint\s+declaration\b", "joint declaration"),
        (r"\bjoint\s+statement\b", "joint statement"),
        (r"\bjoint\s+communiqu[eé]\b", "joint communiqué"),
        (r"\bjoint\s+press\s+(?:release|communiqu[eé]|statement)\b", "joint statement"),
        (r"\bcommuniqu[eé]\b", "communiqué"),
        (r"\bmemorandum\s+of\s+understanding\b", "memorandum of understanding"),
        (r"\btreaty\b", "treaty"),
        (r"\bconvention\b", "convention"),
        (r"\bprotocol\b", "protocol"),
        (r"\bagreement\b", "agreement"),
        (r"\bcharter\b", "charter"),
        (r"\b(?:cablegram|telegram|cable)\b", "cablegram"),
        (r"\brecord\s+of\s+(?:conversation|meeting)\b", "record of conversation"),
        (r"\bmemorandum\b", "memorandum"),
        (r"\baide[- ]m[eé]moire\b", "aide-mémoire"),
        (r"\bletter\b", "letter"),
        (r"\bminute\b", "minute"),
        (r"\bsubmission\b", "submission"),
        (r"\bpress\s+release\b", "press release"),
        (r"\b(?:speech|address|remarks)\b", "speech"),
        (r"\bdeclaration\b", "declaration"),
        (r"\bstatement\b", "statement"),
        (r"\bnotes?\b", "note"),
        (r"\breport\b", "report"),
        # The papers of a foreign ministry's archive (DFAT Historical Documents).
        (r"\bcabinet\s+decision\b", "cabinet decision"),
        (r"\bsavingram\b", "savingram"),
        (r"\b(?:dispatch|despatch)\b", "despatch"),
        (r"\bmessage\b", "message"),
        (r"\bbrief\b", "brief"),
        (r"\b(?:summary\s+)?record\b", "record"),
        (r"\bpaper\b", "paper"),
        (r"\bassessment\b", "assessment"),
    )
]
# The same kinds named in Russian and Chinese titles (cp1251, KOI8-R, GB18030 and Big5 files
# are read right, and their first line is their title). Chinese has no spaces: no \b there.
KINDS += [
    (re.compile(p, re.I), kind)
    for p, kind in (
        (r"\bсовместн\w+\s+декларац\w+", "joint declaration"),
        (r"\bсовместн\w+\s+заявлени\w+", "joint statement"),
        (r"\bсовместн\w+\s+коммюнике\b", "joint communiqué"),
        (r"\bдоговор\w*", "treaty"),
        (r"\bсоглашени\w+", "agreement"),
        (r"联合宣言|聯合宣言", "joint declaration"),
        (r"联合声明|聯合聲明", "joint statement"),
        (r"联合公报|聯合公報", "joint communiqué"),
        (r"条约|條約", "treaty"),
        (r"协定|協定", "agreement"),
    )
]
JOINT_KINDS = frozenset(
    {"joint declaration", "joint statement", "joint communiqué", "communiqué", "treaty"}
    | {"agreement", "convention", "protocol", "memorandum of understanding", "declaration"}
)


def kind_from_title(title: str | None) -> str | None:
    """The kind of document a title names ("CABLEGRAM TO CANBERRA" → "cablegram")."""
    for pattern, kind in KINDS:
        if title and pattern.search(title):
            return kind
    return None

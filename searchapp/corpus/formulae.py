"""The formulae of a speech: addresses ("Mr. President,", "Excellencies,") and closing thanks.

Alone on a line they are not paragraphs a reader searches for, yet they are the speaker's
words. They are kept, in place, with the paragraph they belong to: an address opens the
paragraph after it, a closing "Thank you." ends the paragraph before it.
"""

from __future__ import annotations

import re

# The first word of an address: a title, a form of address or the addressees.
_ADDRESS_START = re.compile(
    # "My" and "His"/"Her" only as the start of a form of address: "My own views, …, are as
    # follows:" is a sentence, "My dear friends," and "His Excellency …" are addresses.
    r"^[-–•·*\s]*(?:mr|mrs|ms|mister|madam|madame|mdm|my(?=\s+(?:dear|fellow|friends|brothers"
    r"|sisters|colleagues|distinguished|esteemed|lords?|ladies)\b)"
    r"|(?:his|her)(?=\s+(?:excellency|majesty|royal|highness)\b)|dear|your|distinguished"
    r"|esteemed|honou?rable|hon’ble|excellenc(?:y|ies|es)|majest(?:y|ies)|highness(?:es)?"
    r"|ladies|gentlemen|colleagues|friends|brothers|sisters|fellow|heads?|president|secretary"
    r"|co-chairs?|chair(?:man|woman|person)?|delegates|representatives|members|guests)\b\.?",
    re.I,
)
_CLOSING = re.compile(
    r"^(?:i\s+)?thank\s+you(?:[\s,]+(?:very|so|much|all|once\s+again|again|for\s+your(?:\s+kind)?"
    r"\s+attention|mr\.?|madam|madame|president|co-chairs?|chair))*\s*[.!]?$",
    re.I,
)
_ADDRESS_MAX_WORDS = 20
# Without a comma or colon at its end, only a short line is an address ("Secretary-General").
_BARE_ADDRESS_MAX_WORDS = 8


def is_address(text: str) -> bool:
    """ "Mr. President,", "Excellencies, Ladies and Gentlemen,", "Your Excellency Philemon Yang"."""
    words = len(text.split())
    if words > _ADDRESS_MAX_WORDS or not _ADDRESS_START.match(text):
        return False
    if text[-1] in ",;:!":
        return True
    return text[-1].isalnum() and words <= _BARE_ADDRESS_MAX_WORDS


def is_closing(text: str) -> bool:
    """ "Thank you.", "I thank you.", "Thank you for your attention."."""
    return bool(_CLOSING.match(text))

"""QuickBooks' rule for names, the one the push applies and the one uniqueness is judged by.

QBO names may not contain a colon (the sub-customer/sub-item separator), tabs or newlines;
the push collapses whitespace and replaces those. Two names that come out the same, ignoring
case (non-ASCII too), are one QuickBooks name, so qbsync treats them as one name as well.
"""

import unicodedata

_FORBIDDEN = str.maketrans({":": "-", "\t": " ", "\n": " ", "\r": " "})


def clean_name(name: str) -> str:
    """The name as it is sent to QuickBooks: forbidden characters replaced, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFC", name).translate(_FORBIDDEN).split())


def name_key(name: str) -> str:
    """What makes two names the same QuickBooks name: the clean name, case-folded."""
    return unicodedata.normalize("NFC", clean_name(name).casefold())

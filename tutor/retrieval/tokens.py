"""One tokenizer for every lexical comparison: BM25 ranking, the verifier's support checks, the eval metrics.

Words are lowercase runs of letters, digits and underscores (so `temp_lo` and `__init__` stay one
token), a trailing "()" dropped; stop words are English function words and question phrasing ("how
do I ..."), listed once here; stems are Snowball's English stemmer (PyStemmer, which BM25 already
uses), so "loops", "looping" and "looped" meet at "loop". Before this module BM25, the verifier and
the metrics each had their own list and stemmer, and could disagree on whether a word counts.
"""

from __future__ import annotations

import re
from functools import lru_cache

STOP_WORDS = frozenset(
    "a an the and or but if then else of to in on at by for with from as is are was were be been being it its this that "
    "these those you your we our they their he she his her them i me my do does did not no so than too very can will "
    "just also into out up down over about what which who whom when where why how all any each some such only own same "
    "should would could may might must has have had there here one like".split()
)
WORD = re.compile(r"[a-z0-9_]+")


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball (Porter 2) English stem of a lowercase word."""
    return _stemmer().stemWord(word)


def words(text: str) -> list[str]:
    """Lowercase word tokens, stop words included: what BM25's splitter sees."""
    return WORD.findall(str(text).casefold().replace("`", ""))


def content_tokens(text: str) -> list[str]:
    """Stemmed words without stop words: what is compared when one text should support another."""
    return [stem(w) for w in words(text) if w not in STOP_WORDS]

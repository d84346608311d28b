"""Clean what a person types before it reaches retrieval, the model or the database.

Control characters (other than newline and tab) are dropped: they carry nothing a learner means and
can confuse a terminal, a log or a tokenizer. Text over a size limit is refused with its size rather
than cut, so nobody is graded on half an answer. Shortcut: one limit for questions, one for answers.
"""

from __future__ import annotations

import unicodedata

from tutor.errors import InputError

MAX_QUESTION_CHARS = 2_000  # about 500 tokens: more than the embedded model's prompt budget gives a question
MAX_ANSWER_CHARS = 5_000


def clean_text(text: str | None, what: str, limit: int) -> str:
    """The text without control characters and outer blanks; InputError when empty or over `limit`."""
    if text is not None and not isinstance(text, str):
        # A caller handing over a structure (a chat message's content parts) is a bug in the caller;
        # say which, instead of failing inside the character filter.
        raise TypeError(f"clean_text({what!r}) takes a string, not {type(text).__name__}")
    kept = "".join(ch for ch in (text or "") if ch in "\n\t" or unicodedata.category(ch)[0] != "C" or ch == "\u200d")
    kept = kept.strip()
    if not kept:
        raise InputError(what, "it is empty; type something first")
    if len(kept) > limit:
        raise InputError(what, f"it is {len(kept):,} characters long; the limit is {limit:,}. Shorten it and send it again")
    return kept

"""Whether an exercise reads on its own: what a learner would stumble on, as a list of problems (empty when
none). Shared by the learner-journey browser test and the pool's quality test.

The rules follow what learners saw: a quoted sentence whose code was cut out ("... and type: You should see
____"), a sentence about the page rather than the subject ("click on ____ in the upper-right corner"), a
version string as the key, a blank that is missing or doubled, options that repeat or miss the key.
"""

from __future__ import annotations

import re

BLANK = "____"
PAGE_WORDS = re.compile(r"\b(click(ing)?|see (below|above)|upper-right|lower-left|this page|next chapter|previous chapter|"
                        r"scroll|button|toggle)\b", re.IGNORECASE)
VERSION = re.compile(r"\b\d+\.\d+\.\d+\b")
# A colon that introduced code, followed by prose or nothing ("and type: You should see"). A blank after the
# colon is the command itself asked for ("commit your changes with: ____"), which reads on its own.
LOST_CODE = re.compile(r":\s+[A-Z]|:\s*$|:\s*\"")


def problems(item: dict) -> list[str]:
    found = []
    question, answer = str(item.get("question", "")).strip(), str(item.get("answer", "")).strip()
    kind = item.get("type")
    if not question:
        return ["no question"]
    if not answer:
        found.append("no key")
    quoted = re.findall(r'"([^"]{12,})"', question)
    text = " ".join(quoted) or question
    if kind == "fill_blank" or BLANK in question:
        if question.count(BLANK) != 1:
            found.append(f"{question.count(BLANK)} blanks")
    if any(LOST_CODE.search(q) for q in quoted):
        found.append("the quoted sentence lost its code")
    if PAGE_WORDS.search(text):
        found.append("about the page, not the subject")
    if VERSION.search(answer):
        found.append("a version string as the key")
    if answer and len(answer) > 3 and answer.casefold() in text.casefold().replace(BLANK, ""):
        found.append("the key is in the question")
    if kind == "mcq":
        options = [str(o).strip() for o in item.get("options", [])]
        if len({o.casefold() for o in options}) != len(options):
            found.append("repeated options")
        if answer not in options:
            found.append("the key is not an option")
        if len(options) < 3:
            found.append("fewer than 3 options")
    return found

"""Question bank to and from an LMS: Moodle XML and GIFT, written and read back.

Scope: the three item types the generator writes. `mcq` becomes a Moodle `multichoice` (one right
answer) and a GIFT `{=right ~wrong ...}` question; `short_answer` and `fill_blank` become Moodle
`shortanswer` and GIFT `{=answer}`. Moodle cannot tell our two short types apart, so the type and the
concept ride along where Moodle keeps but ignores them: a `tutor-type:`/`tutor-concept:` tag in
Moodle XML, and a `// tutor-type:` comment plus the question title in GIFT. Files from elsewhere
import too (type guessed from the answers, concept from the title or category).

Why our own code: the PyPI candidates (pygiftparser 2017, pygiftparserrgmf 2022, moodle-xml-parser,
gift-to-moodlexml 0.1) each read one direction only, and none is actively maintained; both formats
are small, so xml.etree and a ~60-line GIFT scanner are less risk than a stale dependency.

Shortcuts: plain-text question text only (no HTML, no images, no Moodle media files); GIFT partial
credit (`%50%`) and per-answer feedback (`#...`) are read past, not kept; numerical, matching and
essay questions are skipped on import with a reason.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from tutor.errors import LmsFormatError

FORMATS = ("moodle", "gift")
SUFFIX = {"moodle": ".xml", "gift": ".gift.txt"}
TYPES = ("mcq", "short_answer", "fill_blank")
GIFT_SPECIAL = "~=#{}:"  # the characters GIFT reserves; each is written as \X inside text


@dataclass
class LmsItem:
    """What crosses the LMS boundary: enough to grade, nothing about learners or provenance."""

    type: str
    question: str
    answer: str
    options: list[str] = field(default_factory=list)
    concept: str = ""
    explanation: str = ""


# -- Moodle XML ------------------------------------------------------------------------------------


def _text(parent: ET.Element, tag: str, value: str, fmt: str | None = "plain_text") -> ET.Element:
    node = ET.SubElement(parent, tag, {"format": fmt} if fmt else {})
    ET.SubElement(node, "text").text = value
    return node


def to_moodle_xml(items: list[LmsItem], course: str) -> str:
    quiz = ET.Element("quiz")
    category = ET.SubElement(quiz, "question", {"type": "category"})
    _text(category, "category", f"$course$/top/tutor/{course}", None)
    for item in items:
        kind = "multichoice" if item.type == "mcq" else "shortanswer"
        q = ET.SubElement(quiz, "question", {"type": kind})
        _text(q, "name", f"{item.concept}: {' '.join(item.question.split())[:60]}", None)
        _text(q, "questiontext", item.question)
        _text(q, "generalfeedback", item.explanation)
        ET.SubElement(q, "defaultgrade").text = "1"
        if kind == "multichoice":
            ET.SubElement(q, "single").text = "true"
            ET.SubElement(q, "shuffleanswers").text = "true"
            ET.SubElement(q, "answernumbering").text = "abc"
            choices = item.options or [item.answer]
        else:
            ET.SubElement(q, "usecase").text = "0"
            choices = [item.answer]
        for choice in choices:
            answer = _text(q, "answer", choice)
            answer.set("fraction", "100" if choice == item.answer else "0")
        tags = ET.SubElement(q, "tags")
        for tag in (f"tutor-type:{item.type}", f"tutor-concept:{item.concept}"):
            ET.SubElement(ET.SubElement(tags, "tag"), "text").text = tag
    ET.indent(quiz)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="unicode") + "\n"


def _inner(node: ET.Element | None, path: str = "text") -> str:
    found = node.find(path) if node is not None else None
    return (found.text or "").strip() if found is not None else ""


def from_moodle_xml(text: str) -> tuple[list[LmsItem], list[str]]:
    """Items and one reason per question that could not be read."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise LmsFormatError("moodle", str(exc)) from exc
    if root.tag != "quiz":
        raise LmsFormatError("moodle", f"the root element is <{root.tag}>, not <quiz>")
    items, skipped, category = [], [], ""
    for n, q in enumerate(root.iter("question"), start=1):
        kind = q.get("type", "")
        if kind == "category":
            category = _inner(q.find("category")).rstrip("/").rsplit("/", 1)[-1]
            continue
        question = _inner(q.find("questiontext"))
        if kind not in ("multichoice", "shortanswer"):
            skipped.append(f"question {n} ({kind}): only multichoice and shortanswer are imported")
            continue
        tags = dict(t.split(":", 1) for t in (_inner(tag) for tag in q.iter("tag")) if ":" in t)
        answers = [(_inner(a), float(a.get("fraction", "0") or 0)) for a in q.findall("answer")]
        right = [a for a, f in answers if f >= 100] or [a for a, f in answers if f > 0]
        if not question or not right:
            skipped.append(f"question {n}: no question text or no right answer")
            continue
        guessed = "mcq" if kind == "multichoice" else "short_answer"
        item_type = tags.get("tutor-type") if tags.get("tutor-type") in TYPES else guessed
        items.append(LmsItem(type=item_type, question=question, answer=right[0],
                             options=[a for a, _ in answers] if item_type == "mcq" else [],
                             concept=tags.get("tutor-concept") or category, explanation=_inner(q.find("generalfeedback"))))
    return items, skipped


# -- GIFT ------------------------------------------------------------------------------------------


def gift_escape(value: str) -> str:
    out = value.replace("\\", "\\\\")
    for char in GIFT_SPECIAL:
        out = out.replace(char, "\\" + char)
    # A blank line ends a GIFT question, so newlines are written as Moodle's \n escape.
    return out.replace("\r\n", "\n").replace("\n", "\\n")


def to_gift(items: list[LmsItem], course: str) -> str:
    blocks = [f"$CATEGORY: $course$/top/tutor/{course}"]
    for item in items:
        if item.type == "mcq":
            body = "\n".join(("=" if o == item.answer else "~") + gift_escape(o) for o in (item.options or [item.answer]))
            body = "\n" + body + "\n"
        else:
            body = "=" + gift_escape(item.answer)
        if item.explanation:
            body += "####" + gift_escape(item.explanation) + ("\n" if item.type == "mcq" else "")
        blocks.append(f"// tutor-type: {item.type}\n::{gift_escape(item.concept)}::{gift_escape(item.question)} {{{body}}}")
    return "\n\n".join(blocks) + "\n"


def _scan(text: str) -> list[tuple[str, bool]]:
    """Characters with a flag: True when it was escaped (so it is text, never GIFT syntax)."""
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append(("\n" if nxt == "n" else nxt, True))
            i += 2
        else:
            out.append((text[i], False))
            i += 1
    return out


def _join(chars: list[tuple[str, bool]]) -> str:
    return "".join(c for c, _ in chars).strip()


def _find(chars: list[tuple[str, bool]], token: str, start: int = 0) -> int:
    for i in range(start, len(chars) - len(token) + 1):
        if all(chars[i + k] == (token[k], False) for k in range(len(token))):
            return i
    return -1


def _gift_answers(chars: list[tuple[str, bool]]) -> tuple[list[tuple[str, bool]], str]:
    """(answer text, is right) pairs and the general feedback of one {...} block."""
    feedback = ""
    cut = _find(chars, "####")
    if cut >= 0:
        chars, feedback = chars[:cut], _join(chars[cut + 4:])
    answers, current, right = [], None, False
    for char, escaped in chars:
        if not escaped and char in "=~":
            if current is not None:
                answers.append((current, right))
            current, right = [], char == "="
        elif current is not None:
            current.append((char, escaped))
    if current is not None:
        answers.append((current, right))
    out = []
    for chars_, right in answers:
        hash_at = _find(chars_, "#")  # per-answer feedback: read past it
        chars_ = chars_[:hash_at] if hash_at >= 0 else chars_
        text = _join(chars_)
        if text.startswith("%") and text.count("%") >= 2:  # partial credit weight, e.g. ~%50%text
            weight, text = text[1:].split("%", 1)
            right = right or (weight.lstrip("-").replace(".", "").isdigit() and float(weight) > 0)
            text = text.strip()
        out.append((text, right))
    return out, feedback


def from_gift(text: str) -> tuple[list[LmsItem], list[str]]:
    items, skipped, category = [], [], ""
    blocks, current = [], []
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            if current:
                blocks.append(current)
            current = []
        else:
            current.append(line)
    if current:
        blocks.append(current)
    for n, lines in enumerate(blocks, start=1):
        hinted = ""
        body = []
        for line in lines:
            stripped = line.strip()
            if stripped.startswith("// tutor-type:"):
                hinted = stripped.split(":", 1)[1].strip()
            elif stripped.startswith("//"):
                continue
            elif stripped.startswith("$CATEGORY:"):
                category = stripped.split(":", 1)[1].strip().rstrip("/").rsplit("/", 1)[-1]
            else:
                body.append(line)
        if not body:
            continue
        chars = _scan("\n".join(body))
        title = ""
        if _find(chars, "::") == 0:
            end = _find(chars, "::", 2)
            if end < 0:
                skipped.append(f"question {n}: its ::title:: is not closed")
                continue
            title, chars = _join(chars[2:end]), chars[end + 2:]
        open_at, close_at = _find(chars, "{"), _find(chars, "}")
        if open_at < 0 or close_at < open_at:
            skipped.append(f"question {n}: no {{answers}} block")
            continue
        after = _join(chars[close_at + 1:])
        # Text after the braces is GIFT's missing-word form: the braces stand for the blank.
        question = f"{_join(chars[:open_at])} _____ {after}" if after else _join(chars[:open_at])
        if question.startswith("[") and "]" in question[:20]:  # a [plain]/[markdown] format marker
            question = question.split("]", 1)[1].strip()
        answers, explanation = _gift_answers(chars[open_at + 1:close_at])
        right = [a for a, ok in answers if ok]
        if not question or not right:
            skipped.append(f"question {n}: no question text or no right answer (true/false, numeric and essay are not imported)")
            continue
        has_wrong = any(not ok for _, ok in answers)
        item_type = hinted if hinted in TYPES else ("mcq" if has_wrong else "short_answer")
        items.append(LmsItem(type=item_type, question=question, answer=right[0],
                             options=[a for a, _ in answers] if item_type == "mcq" else [],
                             concept=title or category, explanation=explanation))
    return items, skipped


def dump(items: list[LmsItem], fmt: str, course: str) -> str:
    if fmt not in FORMATS:
        raise LmsFormatError(fmt, f"unknown format: use one of {', '.join(FORMATS)}")
    return to_moodle_xml(items, course) if fmt == "moodle" else to_gift(items, course)


def load(text: str, fmt: str | None = None) -> tuple[list[LmsItem], list[str]]:
    """Parse either format; with no `fmt`, an XML declaration or <quiz> means Moodle XML, else GIFT."""
    fmt = fmt or ("moodle" if text.lstrip().startswith(("<?xml", "<quiz")) else "gift")
    if fmt not in FORMATS:
        raise LmsFormatError(fmt, f"unknown format: use one of {', '.join(FORMATS)}")
    return from_moodle_xml(text) if fmt == "moodle" else from_gift(text)

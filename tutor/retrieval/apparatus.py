"""A document's apparatus: the parts that frame its content instead of teaching it.

A book's title page, contents, index and licence; a manual page's frame (NAME, SYNOPSIS, SEE ALSO, the
suite trailer). They stay searchable (a learner may ask about the licence), but none is a concept on the
course's map and no exercise is written from one. What decides is what the part is, never a list of
words of one course:
- its heading: the names books give these parts (contents, index, licence, copyright, ...) and the
  frame sections of a manual page as man-pages(7) names them;
- its text: a table of contents or an index (lines ending in page numbers), a licence or copyright notice;
- its place: in a PDF with an outline, the pages before the outline's first entry (title page,
  copyright page, contents);
- its substance: a would-be concept whose text holds no sentence to learn from ("Part of the git(1) suite").
A manual page's own description (DESCRIPTION, OPTIONS, EXAMPLES, ...) is content, but those headings
are the page's frame, not topics: such sections make one concept named after the page.
"""

from __future__ import annotations

import re
from typing import Literal

from tutor.retrieval.documents import LoadedDocument, Section

Role = Literal["content", "page", "front"]

# Headings books and manuals give their front and back matter, numbering ("Appendix C", "2.") removed.
# The whole heading must be the name ("Index", not "Index types"); a heading ending in "License" names a licence.
FRONT_MATTER_SECTION = re.compile(
    r"^(title( page)?|(table of )?contents|index(es)?|indices|licen[cs]e|copyright|colophon|acknowledg(e)?ments?|"
    r"preface|about this (book|document|manual)|copying( this (manual|document|book))?)$"
    r"|\blicen[cs]e$",
    re.IGNORECASE,
)
FRONT_MATTER_TEXT = re.compile(
    r"(table of contents|all rights reserved|permission is granted to copy|gnu free documentation license|"
    r"creative commons|isbn[ :\d-]{6,}|licensed under|copyright ©|copyright \(c\)|\.{5,}\s*\d+)",
    re.IGNORECASE,
)
_NUMBERING = re.compile(r"^\s*(appendix\s+[a-z0-9]+\b[.:]?|[0-9]+(\.[0-9]+)*\.?|[a-z]\.)\s+", re.IGNORECASE)

# man-pages(7): the sections a manual page is made of. The frame is what names or points at the page;
# the body describes the command and is content, under the page's own concept.
MAN_FRAME = frozenset({"NAME", "SYNOPSIS", "SEE ALSO", "AUTHOR", "AUTHORS", "COPYRIGHT", "REPORTING BUGS", "COLOPHON"})
MAN_BODY = frozenset({
    "DESCRIPTION", "OPTIONS", "EXAMPLES", "EXAMPLE", "EXIT STATUS", "RETURN VALUE", "ERRORS", "ENVIRONMENT",
    "FILES", "NOTES", "BUGS", "CONFIGURATION", "VERSIONS", "ATTRIBUTES", "STANDARDS", "CONFORMING TO", "HISTORY",
    "CAVEATS", "SECURITY", "DIAGNOSTICS", "COMMANDS", "USAGE",
})
MAN_PAGE_MIN_SECTIONS = 2  # standard sections, in capitals, that make a document a manual page

_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_FENCE = re.compile(r"```.*?(```|$)", re.DOTALL)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
MIN_SENTENCE_WORDS = 4  # "A set holds unique items." teaches
MIN_PROSE_WORDS = 12  # prose without a full stop (a lead-in to code) teaches when it says this much


def bare_heading(heading: str) -> str:
    """A heading without its numbering: 'Appendix C GNU Free Documentation License' -> 'GNU Free ...'."""
    return _NUMBERING.sub("", heading.strip()).strip()


def front_matter(text: str, section: str = "") -> str | None:
    """Why a passage is front or back matter (title page, contents, index, licence), or None."""
    for heading in reversed([h.strip() for h in section.split(">") if h.strip()]):
        if FRONT_MATTER_SECTION.search(bare_heading(heading)):
            return f"section '{heading}'"
    found = FRONT_MATTER_TEXT.search(text)
    if found:
        return f"'{found.group(0).strip()[:30]}'"
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) >= 5 and sum(bool(re.search(r"\s\d{1,4}\s*$", line)) for line in lines) >= 0.6 * len(lines):
        return "lines ending in page numbers"
    return None


def is_manual_page(doc: LoadedDocument) -> bool:
    """A document laid out as a manual page: its top headings include man-pages(7) sections, in capitals."""
    if doc.kind not in ("html", "markdown", "text"):
        return False
    tops = {s.heading_path[0].strip() for s in doc.sections if s.heading_path}
    return len({h for h in tops if h.isupper() and h in MAN_FRAME | MAN_BODY}) >= MAN_PAGE_MIN_SECTIONS


def section_role(doc: LoadedDocument, section: Section, manual_page: bool | None = None) -> Role:
    """What a section is: course content, part of a manual page's own concept, or front/back matter."""
    path = [h for h in section.heading_path if h.strip()]
    if doc.kind == "pdf" and len(path) == 1 and any(len(s.heading_path) > 1 for s in doc.sections):
        return "front"  # before the outline's first entry: title page, copyright page, contents
    if front_matter("", " > ".join(path[1:] if doc.kind == "pdf" else path)):
        return "front"
    if manual_page if manual_page is not None else is_manual_page(doc):
        top = path[0].strip() if path else ""
        if top in MAN_FRAME:
            return "front"
        if top in MAN_BODY:
            return "page"
    return "content"


def teaches(text: str) -> bool:
    """Whether the text holds something to learn from: a sentence, or a run of prose around code; not a
    bare line ("Part of the git(1) suite"), a list of links or a command line alone."""
    prose = re.sub(r"\s+", " ", _INLINE_CODE.sub(" ", _FENCE.sub(" ", text))).strip()
    words = [w for w in prose.split() if w[:1].isalpha()]
    if len(words) >= MIN_PROSE_WORDS:
        return True
    return any(piece[-1:] in ".!?" and sum(w[:1].isalpha() for w in piece.split()) >= MIN_SENTENCE_WORDS
               for piece in _SENTENCE.split(prose))

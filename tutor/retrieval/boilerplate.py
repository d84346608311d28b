"""What a document repeats on every page is not content: navigation, footers, running headers, page numbers.

Three places where it creeps in, and what removes each:
- HTML pages carry navigation bars, breadcrumbs, "Prev / Up / Next" tables and footers, and the
  permalink marks documentation generators put after every heading ("Title¶"). `strip_html_chrome`
  removes those elements before the main text is extracted, and `strip_heading_marks` the marks that
  get through.
- A set of HTML pages repeats blocks that no element marks as chrome (a licence line, a "back to the
  index" paragraph): `drop_repeated_blocks` removes a block that occurs in most pages of one ingest.
- PDF pages start and end with a running header ("7 Reading data from files") and a printed page
  number ("33"): `strip_running_lines` drops the top and bottom lines that recur, digits aside, on
  several pages, and bare page numbers there.
- A PDF's table of contents and index are lines of dot leaders ("3.6 Redirections . . . . 38"):
  pointers to content, not content, and they match every query about their headings.
  `strip_leader_lines` drops them.
"""

from __future__ import annotations

import re
from collections import Counter

from tutor.retrieval.html_structure import remove_keeping_tail

# Classes and ids that documentation generators and site templates give their chrome (Sphinx,
# DocBook, MkDocs, Javadoc, most CMS themes). Matched as whole words of the class attribute.
_CHROME_CLASSES = (
    "navheader", "navfooter", "navbar", "navigation", "breadcrumb", "breadcrumbs", "sphinxsidebar",
    "related", "footer", "site-footer", "md-header", "md-footer", "md-sidebar", "toctree-wrapper-nav",
    "skip-link", "headerlink", "anchorlink", "header-anchor", "permalink",
)
_CHROME_TAGS = ("nav", "footer", "aside")
# What a permalink anchor shows: the pilcrow, the section sign, a link symbol, or a lone '#'.
HEADING_MARKS = "¶§🔗#"
_TRAILING_MARK = re.compile(r"[ \t]*[¶§🔗]+[ \t]*$", re.MULTILINE)
_HEADING_LINE = re.compile(r"^(#{1,6} .*?)[ \t]*(?:\\?#|[¶§🔗])+[ \t]*$", re.MULTILINE)


def strip_html_chrome(tree) -> None:
    """Remove the page's navigation, footer, sidebar and permalink elements, in place (a tree of parse_html)."""
    doomed = []
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        classes = set((element.get("class") or "").lower().split()) | {(element.get("id") or "").lower()}
        if (
            element.tag in _CHROME_TAGS
            or (element.get("role") or "").lower() in ("navigation", "contentinfo")
            or classes & set(_CHROME_CLASSES)
            or (element.tag == "a" and (element.text_content() or "").strip() in ("¶", "§", "#", "🔗"))
        ):
            doomed.append(element)
    for element in doomed:
        if element.getparent() is not None:
            remove_keeping_tail(element)


def strip_heading_marks(markdown: str) -> str:
    """Markdown without permalink marks after headings ('## Loops¶' -> '## Loops') or ending other lines."""
    markdown = _HEADING_LINE.sub(r"\1", markdown)
    return _TRAILING_MARK.sub("", markdown)


def _block_key(block: str) -> str:
    return " ".join(block.lower().split())


def repeated_blocks(pages: list[list[str]], min_pages: int = 3, share: float = 0.5) -> set[str]:
    """Keys of blocks found on at least `min_pages` pages and at least `share` of them.

    `pages` holds each page's blocks (paragraphs). Headings and code are passed in like any block;
    the caller decides what a block is.
    """
    if len(pages) < min_pages:
        return set()
    counts = Counter(key for blocks in pages for key in {_block_key(b) for b in blocks if b.strip()})
    needed = max(min_pages, int(share * len(pages) + 0.999))
    return {key for key, n in counts.items() if n >= needed}


def without_blocks(text: str, doomed: set[str]) -> str:
    """The text with the paragraphs whose key is in `doomed` left out."""
    if not doomed:
        return text
    kept = [block for block in re.split(r"\n\s*\n", text) if _block_key(block) not in doomed]
    return "\n\n".join(kept).strip()


def paragraphs(text: str) -> list[str]:
    return [b for b in re.split(r"\n\s*\n", text) if b.strip()]


# -- PDF running headers and page numbers --------------------------------------------------------

_EDGE_LINES = 2  # how many lines at the top and at the bottom of a page may be running heads
_PAGE_NUMBER = re.compile(r"^\s*(?:page\s+)?(?:\d{1,4}|[ivxlcdm]{1,7})(?:\s*(?:/|of)\s*\d{1,4})?\s*$", re.IGNORECASE)


def _shape(line: str) -> str:
    """A line with its numbers generalised: 'Chapter 3: Basics 17' and 'Chapter 3: Basics 18' agree."""
    return re.sub(r"\d+", "#", " ".join(line.lower().split()))


def strip_running_lines(pages: list[str], min_pages: int = 3) -> list[str]:
    """Each page's text without its running header/footer lines and bare printed page numbers.

    A line among the first or last `_EDGE_LINES` non-empty lines of a page is a running line when a
    line of the same shape (digits aside) sits at the same edge of at least `min_pages` pages; a bare
    number (arabic or roman, 'Page 3', '3 of 10') at an edge is a printed page number. Body text
    rarely starts or ends three pages with the same words, so what recurs there is the layout's.
    """
    split = [[line for line in page.splitlines()] for page in pages]
    top: Counter[str] = Counter()
    bottom: Counter[str] = Counter()
    for lines in split:
        content = [line for line in lines if line.strip()]
        top.update({_shape(line) for line in content[:_EDGE_LINES]})
        bottom.update({_shape(line) for line in content[-_EDGE_LINES:]})
    running_top = {shape for shape, n in top.items() if n >= min_pages}
    running_bottom = {shape for shape, n in bottom.items() if n >= min_pages}
    offset = _printed_offset(split, min_pages)

    def running(line: str, shapes: set[str], page: int) -> bool:
        if _shape(line) in shapes or _PAGE_NUMBER.match(line):
            return True
        # A short header carrying this page's printed number ("Chapter 1: Introduction 2") is the
        # layout's even when its chapter is too short for its words to recur on `min_pages` pages.
        return offset is not None and len(line.split()) <= 12 and (page - offset) in _edge_numbers(line)

    cleaned = []
    for page, lines in enumerate(split, 1):
        index = [i for i, line in enumerate(lines) if line.strip()]
        drop = set()
        for i in index[:_EDGE_LINES]:
            if running(lines[i], running_top, page):
                drop.add(i)
            else:
                break
        for i in reversed(index[-_EDGE_LINES:]):
            if running(lines[i], running_bottom, page):
                drop.add(i)
            else:
                break
        cleaned.append("\n".join(line for i, line in enumerate(lines) if i not in drop))
    return cleaned


def _edge_numbers(line: str) -> set[int]:
    """Numbers at the start or the end of a line: where a running head prints the page number."""
    found = set()
    for match in (re.match(r"\s*(\d{1,4})\b", line), re.search(r"\b(\d{1,4})\s*$", line)):
        if match:
            found.add(int(match.group(1)))
    return found


def _printed_offset(split: list[list[str]], min_pages: int) -> int | None:
    """PDF page number minus printed page number, when at least `min_pages` pages agree on one."""
    offsets: Counter[int] = Counter()
    for page, lines in enumerate(split, 1):
        content = [line for line in lines if line.strip()]
        edge = content[:1] + content[-1:]
        offsets.update({page - n for line in edge for n in _edge_numbers(line)})
    if not offsets:
        return None
    offset, count = offsets.most_common(1)[0]
    return offset if count >= min_pages else None


_LEADER = re.compile(r"(?:\.\s?){4,}\s*[0-9ivxlcdm]{1,5}\s*$", re.IGNORECASE)


def strip_leader_lines(text: str) -> str:
    """The text without table-of-contents and index lines (a title, dot leaders, a page number)."""
    return "\n".join(line for line in text.splitlines() if not _LEADER.search(line))

"""HTML reshaped so that the main-text extractor keeps a page's structure: its headings and its code.

trafilatura, which the HTML loader uses, loses two things on pages that documentation generators write:
- Headings. On DocBook pages (the Debian Reference, the PostgreSQL manual) it drops every section title
  while keeping the paragraphs under it, so a 15,000-word chapter came out as one heading-less section.
  Paragraphs it keeps, so `mark_headings` turns each heading into a paragraph that carries its level
  behind a marker no text contains, and `restore_headings` turns those lines back into '#' headings.
- Code. A `<pre>` without a `<code>` inside comes out as unfenced lines, so a root prompt in a terminal
  session ("# apt-get install mc") read as a Markdown heading and became a concept of its own on the
  concept map. `fence_preformatted` gives such a block one `<code>` holding its text, which the extractor
  writes as a fenced code block.
"""

from __future__ import annotations

import re

HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# Letters only: the extractor drops private-use characters and escapes Markdown punctuation.
_MARK = "qxheadingqx"
_MARKED_LINE = re.compile(rf"^[ \t>*_]*{_MARK}([1-6]){_MARK}[ \t]*(.*?)[ \t*_]*$", re.MULTILINE)


def parse_html(html: str):
    """The page as an lxml tree, or None when it will not parse (the loader then hands the text on as it is)."""
    import lxml.etree
    import lxml.html

    try:
        # The text is already decoded: say so, or a page without a charset declaration is read as Latin-1.
        return lxml.html.document_fromstring(html.encode("utf-8"), parser=lxml.html.HTMLParser(encoding="utf-8"))
    except (ValueError, lxml.etree.ParserError):
        return None


def keep_structure(tree) -> None:
    """The page's headings marked as paragraphs and its preformatted blocks fenced as code, in place."""
    mark_headings(tree)
    fence_preformatted(tree)


def mark_headings(tree) -> None:
    """Each heading becomes a paragraph '<mark>level<mark> title' (an empty heading, an anchor only, goes)."""
    import lxml.html

    for heading in list(tree.iter(*HEADINGS)):
        title = " ".join(heading.text_content().split())
        parent = heading.getparent()
        if parent is None:
            continue
        if not title:
            remove_keeping_tail(heading)
            continue
        paragraph = lxml.html.Element("p")
        paragraph.text = f"{_MARK}{heading.tag[1]}{_MARK} {title}"
        paragraph.tail = heading.tail
        parent.replace(heading, paragraph)


def restore_headings(markdown: str) -> str:
    """The marked paragraphs as Markdown headings of their level."""
    return _MARKED_LINE.sub(lambda m: "#" * int(m.group(1)) + " " + m.group(2), markdown).replace(_MARK, "")


def fence_preformatted(tree) -> None:
    """Each `<pre>` that is not already a code block becomes `<pre><code>its text</code></pre>`."""
    import lxml.html

    for pre in list(tree.iter("pre")):
        children = list(pre)
        if len(children) == 1 and children[0].tag == "code" and not (pre.text or "").strip() and not (children[0].tail or "").strip():
            continue  # already `<pre><code>…</code></pre>`: the extractor fences it
        text = pre.text_content()
        for child in children:
            pre.remove(child)
        pre.text = None
        code = lxml.html.Element("code")
        code.text = text
        pre.append(code)


def remove_keeping_tail(element) -> None:
    """Remove an element but not the text that follows it (lxml stores that on the element, as its tail)."""
    parent = element.getparent()
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)

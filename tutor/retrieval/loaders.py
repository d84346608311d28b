"""File loaders: Markdown, plain text, HTML and PDF into sections with heading paths and pages.

Each loader keeps the document's own structure: Markdown and HTML headings become heading paths
(HTML goes through trafilatura, which drops navigation, sidebars, footers and scripts, and gives
Markdown back), PDF pages keep their page numbers and, where the PDF has an outline, its chapter
titles. Anything that cannot be read raises DocumentError naming the file and the reason.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import yaml

from tutor.errors import DocumentError
from tutor.retrieval.html_structure import keep_structure, parse_html, restore_headings
from tutor.retrieval.boilerplate import strip_heading_marks, strip_html_chrome, strip_leader_lines, strip_running_lines
from tutor.retrieval.documents import LoadedDocument, Section

SUFFIX_KINDS = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".text": "text",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
}
SUPPORTED_SUFFIXES = tuple(sorted(SUFFIX_KINDS))
_WESTERN = ("cp1252", "latin_1", "iso8859_15")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(\r?\n|\Z)", re.DOTALL)


def load_document(path: Path, source: str, max_bytes: int) -> LoadedDocument:
    """Read one file into a LoadedDocument, or raise DocumentError saying why it cannot be used."""
    kind = SUFFIX_KINDS.get(path.suffix.lower())
    if kind is None:
        raise DocumentError(path, f"unsupported file type '{path.suffix or '(none)'}'; supported: {', '.join(SUPPORTED_SUFFIXES)}")
    try:
        data = _read_bounded(path, max_bytes)
    except OSError as exc:
        raise DocumentError(path, f"cannot be read ({exc.strerror or exc})") from exc
    if not data.strip():
        raise DocumentError(path, "file is empty")
    sha = hashlib.sha256(data).hexdigest()
    if kind == "pdf":
        title, sections, front = _pdf_sections(path, data)
    else:
        text = decode_text(path, data)
        front, text = _split_front_matter(path, text) if kind == "markdown" else ({}, text)
        if kind == "html":
            title, text = _html_to_markdown(path, text)
            # trafilatura writes an HTML heading as '#'; a line of dashes under a line is program
            # output it left unfenced (psql's "?column?" over "--------"), not a heading.
            sections = markdown_sections(text, title, setext=False)
        elif kind == "markdown":
            title = str(front.get("title") or _first_heading(text) or path.stem)
            sections = markdown_sections(text, title)
        else:
            title = path.stem.replace("_", " ").replace("-", " ").strip() or path.name
            sections = [Section(heading_path=[title], text=text.strip())]
    sections = [s for s in sections if s.text.strip()]
    if not sections:
        raise DocumentError(path, "no text found" + (" (a scanned PDF needs OCR first)" if kind == "pdf" else ""))
    return LoadedDocument(source=source, path=path, kind=kind, title=title, sha256=sha, sections=sections, front_matter=front)


def _read_bounded(path: Path, max_bytes: int) -> bytes:
    """The file's bytes, refusing one over `max_bytes` without ever holding more than that in memory.

    The size is checked before reading, and the read itself stops one byte past the limit, so a file
    that grows meanwhile (or a special file whose size says nothing) is refused too."""

    def too_big(size: int | None) -> DocumentError:
        what = f"file is {size / 1e6:.1f} MB" if size is not None else "file is larger than that"
        return DocumentError(path, f"{what}, over the {max_bytes / 1e6:.0f} MB limit (TUTOR_MAX_FILE_MB)")

    size = path.stat().st_size
    if size > max_bytes:
        raise too_big(size)
    with path.open("rb") as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise too_big(None)
    return data


def decode_text(path: Path, data: bytes) -> str:
    """UTF-8 first; otherwise the encoding charset-normalizer detects; binary content is refused."""
    if b"\x00" in data[:8192]:
        raise DocumentError(path, "looks like a binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    if not matches:
        raise DocumentError(path, "text encoding could not be recognised")
    # Single-byte code pages are often equally plausible (cp1250 vs cp1252 on French text); the
    # Western ones are by far the most common in course material, so they win a near tie.
    best = matches[0]
    for match in matches:
        if match.encoding in _WESTERN and match.chaos <= best.chaos + 0.05:
            return str(match)
    return str(best)


def _split_front_matter(path: Path, text: str) -> tuple[dict, str]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        front = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise DocumentError(path, f"front matter is not valid YAML ({exc.__class__.__name__})") from exc
    if not isinstance(front, dict):
        raise DocumentError(path, "front matter must be a YAML mapping")
    return front, text[match.end():]


def _first_heading(text: str) -> str | None:
    for heading in _heading_lines(text):
        return heading[3]
    return None


def _heading_lines(text: str, setext: bool = True) -> list[tuple[int, int, int, str]]:
    """(first line, line after, level, title) of every real heading ('#' headings only unless `setext`).

    markdown-it knows '#' lines inside code fences are not headings, and setext headings span 2 lines.
    """
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(text)
    found = []
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and token.map and (setext or token.markup.startswith("#")):
            title = tokens[i + 1].content.strip() if i + 1 < len(tokens) else ""
            found.append((token.map[0], token.map[1], int(token.tag[1]), title))
    return found


def markdown_sections(text: str, title: str, setext: bool = True) -> list[Section]:
    """Split Markdown on its headings; each section's path runs from the top heading down."""
    lines = text.splitlines()
    headings = _heading_lines(text, setext)
    sections: list[Section] = []
    first = headings[0][0] if headings else len(lines)
    preamble = "\n".join(lines[:first]).strip()
    if preamble:
        sections.append(Section(heading_path=[title], text=preamble))
    stack: list[tuple[int, str]] = []
    for n, (_, body_start, level, heading) in enumerate(headings):
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, heading or title))
        end = headings[n + 1][0] if n + 1 < len(headings) else len(lines)
        body = "\n".join(lines[body_start:end])
        sections.append(Section(heading_path=[h for _, h in stack], text=body.strip()))
    return sections


def _html_to_markdown(path: Path, html: str) -> tuple[str, str]:
    import lxml.html
    import trafilatura

    # One parse serves the manual-page title (read before headings become marked paragraphs), the chrome
    # removal and the structure the extractor would lose.
    tree = parse_html(html)
    summary = _manual_page_summary(tree) if tree is not None else None
    if tree is not None:
        strip_html_chrome(tree)
        keep_structure(tree)
    body = trafilatura.extract(
        lxml.html.tostring(tree, encoding="unicode") if tree is not None else html,
        output_format="markdown",
        include_formatting=True,
        include_links=False,
        include_images=False,
        include_tables=True,
        favor_recall=True,
    )
    if not body or not body.strip():
        raise DocumentError(path, "no main text found in the HTML page")
    body = strip_heading_marks(restore_headings(body))
    meta = trafilatura.extract_metadata(html)
    title = summary or (meta.title if meta and meta.title else None) or _first_heading(body) or path.stem
    return strip_heading_marks(title).strip(), body


_NAME_LINE = re.compile(r"^\s*[\w.+:-]+(?:\s*,\s*[\w.+:-]+)*\s+[-\u2013\u2014]+\s+(\S.{2,150})$", re.DOTALL)


def _manual_page_summary(tree) -> str | None:
    """A manual page's one-line summary from its NAME section ("gittutorial - A tutorial introduction to
    Git" gives "A tutorial introduction to Git"): the page's own title, which extraction drops with the
    page header it sits in. None for any other page."""
    for heading in tree.iter("h1", "h2", "h3"):
        if heading.text_content().strip() != "NAME":
            continue
        following = heading.getnext()
        line = " ".join(following.text_content().split()) if following is not None else ""
        found = _NAME_LINE.match(line)
        if found:
            summary = found.group(1).strip()
            return summary[:1].upper() + summary[1:]
    return None


def _pdf_sections(path: Path, data: bytes) -> tuple[str, list[Section], dict]:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError, PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise DocumentError(path, "PDF is encrypted with a password")
            except DocumentError:
                raise
            except Exception as exc:  # pypdf raises several types for unsupported encryption
                raise DocumentError(path, f"PDF is encrypted and cannot be opened ({exc})") from exc
        pages = [(n + 1, page.extract_text() or "") for n, page in enumerate(reader.pages)]
        outline = _pdf_outline(reader)
        meta_title = (reader.metadata.title if reader.metadata else None) or ""
    except DocumentError:
        raise
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        # PyPdfError covers LimitReachedError (sizes or loops beyond pypdf's limits): this file fails, not the batch.
        raise DocumentError(path, f"not a readable PDF ({exc.__class__.__name__}: {exc})") from exc
    title = meta_title.strip() or path.stem.replace("_", " ").replace("-", " ")
    texts = [strip_leader_lines(text) for text in strip_running_lines([text for _, text in pages])]
    return title, _outline_sections(title, texts, outline), {}


def _pdf_outline(reader) -> list[tuple[int, int, str]]:
    """(first page, depth, title) of every outline entry in document order; empty without an outline."""
    entries: list[tuple[int, int, str]] = []

    def walk(items, depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
                continue
            page = reader.get_destination_page_number(item)
            if page is not None and item.title and str(item.title).strip():
                entries.append((page + 1, depth, str(item.title).strip()))

    try:
        walk(reader.outline, 0)
    except Exception:  # a broken outline must not cost us the text: we fall back to pages alone
        return []
    return entries


def _outline_sections(title: str, pages: list[str], outline: list[tuple[int, int, str]]) -> list[Section]:
    """Pages cut where the outline's headings start, each piece with its full heading path and page.

    An outline entry names the page its heading is on; the cut goes at the line that shows the
    heading ("3.1.2.2 Single Quotes" for the entry "Single Quotes"), or at the page's start when no
    line shows it. So a chunk never straddles two subsections, and its heading path (embedded and
    indexed with it) says which subsection it is from, not only which chapter.
    """
    stack: list[str] = []
    sections: list[Section] = []
    by_page: dict[int, list[tuple[int, str]]] = {}
    for page, depth, heading in outline:
        by_page.setdefault(page, []).append((depth, heading))
    for number, text in enumerate(pages, 1):
        lines = text.splitlines()
        cursor = 0
        for depth, heading in by_page.get(number, []):
            at = _heading_line(lines, heading, cursor)
            cut = cursor if at is None else at
            body = _tidy_pdf_text("\n".join(lines[cursor:cut]))
            if body:
                sections.append(Section(heading_path=[title, *stack], text=body, page=number))
            cursor = cut
            del stack[depth:]
            stack.extend([""] * (depth - len(stack)))  # a level skipped by the outline stays unnamed
            stack.append(heading)
        body = _tidy_pdf_text("\n".join(lines[cursor:]))
        if body:
            sections.append(Section(heading_path=[title, *[h for h in stack if h]], text=body, page=number))
    for section in sections:
        section.heading_path = [h for h in section.heading_path if h]
    return sections


def _heading_line(lines: list[str], heading: str, start: int) -> int | None:
    """Index of the first line at or after `start` that shows the heading, numbered or not."""
    pattern = re.compile(r"^\s*(?:(?:[0-9]+|[A-Z])(?:\.[0-9]+)*\.?\s+)?" + re.escape(heading) + r"\s*$", re.IGNORECASE)
    for index in range(start, len(lines)):
        if pattern.match(lines[index]):
            return index
    return None


def _tidy_pdf_text(text: str) -> str:
    # Re-join words hyphenated across line ends and drop trailing spaces; keep paragraph breaks.
    text = re.sub(r"(\w)-\n(\w)", r"\1\2", text)
    return "\n".join(line.rstrip() for line in text.splitlines()).strip()

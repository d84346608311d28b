"""Loaders keep a document's own structure, and refuse what they cannot read with a named reason."""

from __future__ import annotations

import pytest

from tutor.errors import DocumentError
from tutor.retrieval.loaders import load_document

MB = 1_000_000


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def test_markdown_sections_follow_headings_and_ignore_hashes_in_code(tmp_path):
    path = write(
        tmp_path,
        "loops.md",
        "---\nconcept: loops\ntitle: Loops\nprerequisites: [variables]\n---\n"
        "# Loops\nIntro text.\n\n## For loops\nA for loop.\n\n```python\n# not a heading\nfor i in x: pass\n```\n\n"
        "### Range\nrange(5) gives 0 to 4.\n\n## While loops\nA while loop.\n",
    )
    doc = load_document(path, "loops.md", MB)
    assert doc.front_matter["concept"] == "loops"
    assert doc.title == "Loops"
    paths = [s.path_text for s in doc.sections]
    assert paths == ["Loops", "Loops > For loops", "Loops > For loops > Range", "Loops > While loops"]
    assert "# not a heading" in doc.sections[1].text
    assert "concept:" not in doc.sections[0].text


def test_setext_headings_are_sections(tmp_path):
    path = write(tmp_path, "s.md", "Title\n=====\nbody one\n\nPart\n----\nbody two\n")
    doc = load_document(path, "s.md", MB)
    assert [(s.path_text, s.text) for s in doc.sections] == [("Title", "body one"), ("Title > Part", "body two")]


def test_html_keeps_main_content_and_headings_and_drops_chrome(tmp_path):
    html = """<html><head><title>Loops page</title><script>var secret = 1;</script></head><body>
    <nav><a href="/">Home</a> | <a href="/about">About us and our menu</a></nav>
    <main><article><h1>Loops in Python</h1>
    <p>A for loop repeats a block once for each item in a sequence, and this is the loop you will use most.</p>
    <h2>The range function</h2><p>The call range(5) produces the numbers 0 through 4, five numbers in total.</p>
    </article></main><footer>Copyright 2026 Example Corp. All rights reserved.</footer>
    <script>alert('x')</script></body></html>"""
    doc = load_document(write(tmp_path, "page.html", html), "page.html", MB)
    text = "\n".join(s.text for s in doc.sections)
    assert "range(5) produces the numbers 0 through 4" in text
    assert any(s.heading_path[-1] == "The range function" for s in doc.sections)
    for chrome in ("About us", "Copyright", "alert", "secret"):
        assert chrome not in text


def make_pdf(path, pages, outline=None):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for n, text in enumerate(pages):
        pdf.add_page()
        if outline and n in outline:
            pdf.start_section(outline[n])
        pdf.multi_cell(0, 8, text)
    pdf.output(str(path))
    return path


def test_pdf_keeps_page_numbers_and_outline_chapters(tmp_path):
    path = make_pdf(
        tmp_path / "notes.pdf",
        ["Variables hold values. An assignment binds a name.", "Loops repeat work. A while loop checks a condition."],
        outline={0: "Variables", 1: "Loops"},
    )
    doc = load_document(path, "notes.pdf", MB)
    assert [s.page for s in doc.sections] == [1, 2]
    assert doc.sections[1].heading_path[-1] == "Loops"
    assert "while loop checks a condition" in doc.sections[1].text


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("slides.pptx", b"PK\x03\x04 zip", "unsupported file type '.pptx'"),
        ("empty.md", b"   \n", "file is empty"),
        ("fake.pdf", b"this is not a pdf at all", "not a readable PDF"),
        ("binary.txt", b"\x00\x01\x02binary", "binary"),
        ("page.html", b"<html><body><script>x()</script></body></html>", "no main text"),
    ],
)
def test_unusable_files_raise_a_reason_naming_the_file(tmp_path, name, content, reason):
    path = write(tmp_path, name, content)
    with pytest.raises(DocumentError) as err:
        load_document(path, name, MB)
    assert reason in str(err.value)
    assert name in str(err.value)


def test_pdf_without_text_says_so(tmp_path):
    path = make_pdf(tmp_path / "scan.pdf", [""])
    with pytest.raises(DocumentError, match="no text found"):
        load_document(path, "scan.pdf", MB)


def test_file_over_the_size_limit_is_refused_before_reading(tmp_path):
    path = write(tmp_path, "big.txt", "word " * 1000)
    with pytest.raises(DocumentError, match="over the"):
        load_document(path, "big.txt", max_bytes=1000)


def test_non_utf8_text_is_decoded(tmp_path):
    text = "Le café est très chaud. Les élèves apprennent à programmer en Python à l'école. " * 5
    path = write(tmp_path, "latin.txt", text.encode("latin-1"))
    doc = load_document(path, "latin.txt", MB)
    assert "café est très chaud" in doc.sections[0].text


def test_html_drops_permalink_marks_and_generator_navigation(tmp_path):
    # Sphinx puts a '¶' link after every heading; DocBook wraps each page in Prev/Up/Next tables.
    html = """<html><head><title>Tables</title></head><body>
    <div class="navheader"><table><tr><td><a href="a.html">Prev</a></td><td><a href="b.html">Next</a></td></tr></table></div>
    <div class="section"><h1>Creating a table<a class="headerlink" href="#creating" title="Permalink">¶</a></h1>
    <p>You create a new table by specifying the table name along with all column names and their types.</p>
    <h2>Column types<a class="headerlink" href="#types">¶</a></h2>
    <p>The varchar type stores character strings of arbitrary length up to a limit you choose.</p></div>
    <div class="navfooter"><table><tr><td>Up</td><td>Home</td></tr></table></div>
    <div role="navigation" class="related"><ul><li>modules index</li></ul></div></body></html>"""
    doc = load_document(write(tmp_path, "table.html", html), "table.html", MB)
    text = "\n".join(s.text for s in doc.sections)
    assert [s.heading_path[-1] for s in doc.sections] == ["Creating a table", "Column types"]
    assert "¶" not in text and "¶" not in doc.title
    assert "varchar type stores character strings" in text
    for chrome in ("Prev", "Next", "Home", "modules index"):
        assert chrome not in text


def test_pdf_running_headers_and_printed_page_numbers_are_not_content(tmp_path):
    body = [
        "Files are read line by line with a loop over the file object.",
        "Large data objects should be streamed rather than loaded at once.",
        "A context manager closes the file even when an error occurs.",
        "Binary mode returns bytes instead of decoded text.",
    ]
    pages = [f"{31 + n} 7 Reading data from files\n{text}\n{31 + n}" for n, text in enumerate(body)]
    doc = load_document(make_pdf(tmp_path / "book.pdf", pages), "book.pdf", MB)
    assert [s.text for s in doc.sections] == body
    assert all("Reading data from files" not in s.text for s in doc.sections)


def test_pdf_keeps_a_first_line_that_does_not_recur(tmp_path):
    pages = ["Chapter one opens here.\nIt explains loops.", "Loops repeat.\nMore on loops.", "Functions group code.\nReturn values."]
    doc = load_document(make_pdf(tmp_path / "short.pdf", pages), "short.pdf", MB)
    assert [s.text.splitlines()[0] for s in doc.sections] == ["Chapter one opens here.", "Loops repeat.", "Functions group code."]


def test_pdf_table_of_contents_lines_are_not_content(tmp_path):
    pages = ["Contents\n1 Loops . . . . . . . . . . . . 2\n2 Functions . . . . . . . . . 3", "Loops repeat a block of code.", "Functions group code."]
    doc = load_document(make_pdf(tmp_path / "toc.pdf", pages), "toc.pdf", MB)
    assert doc.sections[0].text == "Contents"
    assert [s.text for s in doc.sections[1:]] == pages[1:]


def test_pdf_sections_follow_nested_outline_headings(tmp_path):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    pdf.add_page()
    pdf.start_section("Quoting", level=0)
    pdf.multi_cell(0, 8, "3.1 Quoting\nQuoting removes the special meaning of characters.", new_x="LMARGIN", new_y="NEXT")
    pdf.start_section("Single Quotes", level=1)
    pdf.multi_cell(0, 8, "3.1.1 Single Quotes\nSingle quotes preserve the literal value of each character.", new_x="LMARGIN", new_y="NEXT")
    path = tmp_path / "manual.pdf"
    pdf.output(str(path))
    doc = load_document(path, "manual.pdf", MB)
    assert [(s.heading_path[1:], s.page) for s in doc.sections] == [(["Quoting"], 1), (["Quoting", "Single Quotes"], 1)]
    assert "literal value" in doc.sections[1].text and "literal value" not in doc.sections[0].text


def test_program_output_underlined_with_dashes_in_html_is_not_a_heading(tmp_path):
    # PostgreSQL's tutorial shows psql output in <pre> with markup inside; trafilatura leaves it
    # unfenced, and the "--------" under "?column?" read as a Markdown heading: the section path
    # (embedded and shown in every citation) became "2016-01-07 (1 row) mydb=> SELECT 2 + 2; ?column?".
    html = """<html><head><title>Accessing a Database</title></head><body><div class="sect1">
    <h2 class="title">1.4. Accessing a Database</h2>
    <p>You can type SQL commands into the psql program and see their results at once.</p>
    <pre class="screen"><code class="prompt">mydb=&gt;</code> <strong class="userinput"><code>SELECT 2 + 2;</code></strong>
 ?column?
----------
        4
(1 row)
</pre><p>The psql program has a number of internal commands that are not SQL commands.
    They begin with the backslash character.</p></div></body></html>"""
    doc = load_document(write(tmp_path, "accessdb.html", html), "accessdb.html", MB)
    assert [s.heading_path[-1] for s in doc.sections] == ["1.4. Accessing a Database"]
    assert "internal commands that are not SQL commands" in doc.sections[0].text


def _docbook_section(level: int, title: str, body: str, inner: str = "") -> str:
    # DocBook wraps every title in <div class="titlepage"><div><div><hN> and starts it with an empty anchor.
    return (f'<div class="section"><div class="titlepage"><div><div><h{level} class="title"><a id="{title[:6]}"/>'
            f"{title}</h{level}></div></div></div>{body}{inner}</div>")


def test_docbook_section_titles_become_heading_paths(tmp_path):
    # The Debian Reference's chapters are DocBook pages like this one; trafilatura kept their paragraphs and
    # dropped every section title, so a 15,000-word chapter was one section with no heading path to cite.
    para = "<p>The shell reads each line you type, expands it and runs the command it names for you. </p>" * 3
    sections = "".join(
        _docbook_section(2, f"1.{n}.\u00a0Section {n}", para,
                         "".join(_docbook_section(3, f"1.{n}.{m}. Topic {n}.{m} naïve", para) for m in range(1, 4)))
        for n in range(1, 4))
    html = (f'<html><head><title>Chapter 1. Tutorials</title></head><body><div class="chapter">'
            f'<div class="titlepage"><div><div><h1 class="title">Chapter 1. Tutorials</h1></div></div></div>{para}{sections}'
            "</div></body></html>")
    doc = load_document(write(tmp_path, "ch01.en.html", html), "ch01.en.html", MB)
    paths = [s.heading_path for s in doc.sections]
    assert ["Chapter 1. Tutorials", "1.2. Section 2", "1.2.3. Topic 2.3 naïve"] in paths  # no-break space: a space
    assert len(doc.sections) == 13  # the chapter's opening, 3 sections and their 9 subsections


def test_a_root_prompt_in_a_terminal_session_is_not_a_heading(tmp_path):
    # '#' is the root shell's prompt; an unfenced <pre> let "# apt-get install mc vim" become a heading,
    # and so a concept of its own on the course's concept map.
    html = """<html><head><title>Packages</title></head><body><div class="section"><h2>1.10. Packages for the newbie</h2>
    <p>It is a good idea to install a few additional command line packages such as mc and vim with apt-get.</p>
    <pre class="screen"># apt-get update
 ...
# apt-get install mc vim sudo aptitude
 ...</pre>
    <p>If you already had these packages installed, no new packages are installed.</p></div></body></html>"""
    doc = load_document(write(tmp_path, "packages.html", html), "packages.html", MB)
    assert [s.heading_path[-1] for s in doc.sections] == ["1.10. Packages for the newbie"]
    assert "```\n# apt-get update\n ...\n# apt-get install mc vim sudo aptitude" in doc.sections[0].text

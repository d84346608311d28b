"""Front and back matter is never a concept on the map nor a source of exercises: a manual page's frame
(NAME, SYNOPSIS, SEE ALSO, the suite trailer) and a book's title page, contents, licence and index.
The documents are built the way Debian's documentation packages ship them: an asciidoc manual page
(git-doc's tutorials are laid out so) and a PDF with an outline (a Texinfo manual's)."""

from __future__ import annotations

from pathlib import Path

from tutor.config import Settings
from tutor.retrieval.apparatus import front_matter, section_role, teaches
from tutor.retrieval.chunking import chunk_document
from tutor.retrieval.documents import LoadedDocument, Section
from tutor.retrieval.loaders import load_document

MB = 1_000_000

MAN_PAGE = """<!DOCTYPE html><html><head><title>quilttutorial(7)</title></head><body class="article">
<div id="header"><h1>quilttutorial(7) Manual Page</h1>
<h2>NAME</h2><div class="sectionbody"><p>quilttutorial -
   A tutorial introduction to Quilt
</p></div></div>
<div id="content">
<div class="sect1"><h2 id="_synopsis">SYNOPSIS</h2><div class="sectionbody">
<div class="verseblock"><pre class="content">quilt *</pre></div></div></div>
<div class="sect1"><h2 id="_description">DESCRIPTION</h2><div class="sectionbody">
<div class="paragraph"><p>This tutorial explains how to keep a stack of patches on top of a source tree with quilt,
and how to send the patches to other developers.</p></div>
<div class="paragraph"><p>Before anything else, tell quilt where your patches live by setting QUILT_PATCHES in your
environment; without it quilt keeps them in a folder named patches.</p></div></div></div>
<div class="sect1"><h2 id="_creating_a_patch">Creating a patch</h2><div class="sectionbody">
<div class="paragraph"><p>A new patch is started with quilt new, which puts an empty patch on top of the stack.
Every file you are about to change must be added to the patch with quilt add before you edit it,
so that quilt can remember its original contents.</p></div></div></div>
<div class="sect1"><h2 id="_refreshing_a_patch">Refreshing a patch</h2><div class="sectionbody">
<div class="paragraph"><p>After editing, quilt refresh writes your changes into the topmost patch. A patch that was
not refreshed keeps its old contents, and quilt pop refuses to remove it until you refresh it or force it.</p></div>
</div></div>
<div class="sect1"><h2 id="_see_also">SEE ALSO</h2><div class="sectionbody">
<div class="paragraph"><p><a href="quilt.html">quilt(1)</a>, <a href="patch.html">patch(1)</a>,
<a href="diff.html">diff(1)</a></p></div></div></div>
<div class="sect1"><h2 id="_quilt">QUILT</h2><div class="sectionbody">
<div class="paragraph"><p>Part of the <a href="quilt.html">quilt(1)</a> suite</p></div></div></div>
</div></body></html>"""


def words(text: str) -> int:
    return len(text.split())


def _concepts(doc) -> tuple[dict[str, str], set[str]]:
    """concept id -> title over the document's chunks, and the sections that have none."""
    chunks = chunk_document(doc, "c", 200, 20, words)
    return {c.concept: c.concept_title for c in chunks if c.concept}, {c.section for c in chunks if not c.concept}


def test_a_manual_pages_frame_is_no_concept_and_its_description_is_the_pages_own(tmp_path):
    path = tmp_path / "quilttutorial.html"
    path.write_text(MAN_PAGE, encoding="utf-8")
    doc = load_document(path, path.name, MB)
    assert doc.title == "A tutorial introduction to Quilt"  # from the NAME line, not "quilttutorial(7) Manual Page"
    concepts, without = _concepts(doc)
    assert concepts == {
        "a-tutorial-introduction-to-quilt": "A tutorial introduction to Quilt",
        "creating-a-patch": "Creating a patch",
        "refreshing-a-patch": "Refreshing a patch",
    }
    assert "SYNOPSIS" in without and "QUILT" in without  # still searchable, just not concepts


def test_mixed_case_description_headings_of_ordinary_pages_stay_concepts():
    doc = LoadedDocument(source="a.md", path=Path("a.md"), kind="markdown", title="Guide", sha256="x",
                         sections=[Section(heading_path=["Description"], text="A shelf holds books in a row."),
                                   Section(heading_path=["Index types"], text="A B-tree index keeps keys in order.")])
    assert [section_role(doc, s) for s in doc.sections] == ["content", "content"]
    assert set(_concepts(doc)[0]) == {"description", "index-types"}


def _book(path: Path) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    pages = [
        (None, "The Quilt Book\nPatches on top of a tree\nEdition 2, 2026\nA. Writer"),
        (None, "Copyright (c) 2026 A. Writer.\nPermission is granted to copy, distribute and/or modify this document."),
        (None, "Contents\n1 Patches ........ 3\n2 Refreshing ........ 4\nAppendix A GNU Free Documentation License ........ 5\n"
               "Index ........ 6"),
        ("Patches", "1 Patches\nA patch records the difference between two versions of a file. Quilt keeps patches in a "
                    "stack, and the topmost patch is the one your edits go into."),
        ("Refreshing", "2 Refreshing\nAfter editing, quilt refresh writes your changes into the topmost patch, so the "
                       "patch file on disk matches the tree."),
        ("GNU Free Documentation License", "Appendix A GNU Free Documentation License\nThe purpose of this License is to "
                                           "make a manual free in the sense of freedom."),
        ("Index", "Index\nadd 3\nnew 3\npop 4\npush 4\nrefresh 4\nstack 3"),
    ]
    for heading, text in pages:
        pdf.add_page()
        if heading:
            pdf.start_section(heading)
        pdf.multi_cell(0, 8, text)
    pdf.output(str(path))
    return path


def test_a_books_title_page_contents_licence_and_index_are_no_concepts(tmp_path):
    doc = load_document(_book(tmp_path / "quilt-book.pdf"), "quilt-book.pdf", MB)
    concepts, _ = _concepts(doc)
    assert concepts == {"patches": "Patches", "refreshing": "Refreshing"}


def test_what_makes_a_part_front_matter():
    assert front_matter("", "Book > Appendix C GNU Free Documentation License")
    assert front_matter("", "Book > Indexes > Builtin Index")
    assert front_matter("", "Table of Contents")
    assert front_matter("", "Manual > Index types") is None and front_matter("", "Licensing your code") is None
    assert not teaches("Part of the git(1) suite") and not teaches("git \\*")
    assert teaches("A set holds unique items.")
    assert teaches("At any point you can view the history of your changes using\n\n`$ git log`\n")


def test_ingested_course_has_no_front_matter_concept_or_exercise_source(tmp_path, embedder):
    """Through ingest: the map's outline and the exercise generator's passages leave the apparatus out,
    and a course stored before this rule is corrected when its files are ingested again."""
    import tutor.retrieval.chunking as chunking
    from tutor.generation.exercises import course_passages
    from tutor.retrieval.ingest import ingest
    from tutor.retrieval.outline import course_outline
    from tutor.retrieval.retriever import Retriever

    folder = tmp_path / "course"
    folder.mkdir()
    (folder / "quilttutorial.html").write_text(MAN_PAGE, encoding="utf-8")
    _book(folder / "quilt-book.pdf")
    settings = Settings(home=tmp_path / "home")
    retriever = Retriever(settings, embedder=embedder)

    # As stored by the code before this rule: every section its own concept, SYNOPSIS and the title page too.
    real_role, real_teaches = chunking.section_role, chunking.teaches
    chunking.section_role, chunking.teaches = (lambda *a, **k: "content"), (lambda text: True)
    try:
        ingest([folder], "quilt", retriever.store, embedder, settings)
    finally:
        chunking.section_role, chunking.teaches = real_role, real_teaches
    assert "synopsis" in {c.id for c in course_outline(retriever.store, "quilt")}

    report = ingest([folder], "quilt", retriever.store, embedder, settings)
    assert sorted(report.updated) == ["quilt-book.pdf", "quilttutorial.html"]  # same text, concepts rewritten
    outline = course_outline(retriever.store, "quilt")
    assert [c.title for c in outline] == ["Patches", "Refreshing", "A tutorial introduction to Quilt",
                                          "Creating a patch", "Refreshing a patch"]
    sources = course_passages(retriever, "quilt")
    assert sources and all(p.concept for p in sources)
    assert not any(s in p.section for p in sources for s in ("SYNOPSIS", "QUILT", "License", "Index"))
    assert not any("Permission is granted" in p.text or "........" in p.text for p in sources)
    # The apparatus is still searchable: a question about the licence finds it.
    assert any("License" in p.section for p in retriever.search("Under which licence may I copy this book?", "quilt", k=5))


def test_files_follow_each_other_by_name_as_a_reader_numbers_them():
    # git-doc's part two (gittutorial-2.html) was put before part one: '-' sorts before '.'.
    from tutor.retrieval.outline import source_order

    names = ["gittutorial-2.html", "ch10.md", "gittutorial.html", "ch2.md"]
    assert sorted(names, key=source_order) == ["ch2.md", "ch10.md", "gittutorial.html", "gittutorial-2.html"]

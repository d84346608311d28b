"""Chunks respect sections and the token budget, and keep stable ids and citation fields."""

from __future__ import annotations

from pathlib import Path

from tutor.retrieval.chunking import chunk_document, concept_of
from tutor.retrieval.documents import LoadedDocument, Section


def words(text: str) -> int:
    return len(text.split())


def doc(sections, front=None, kind="markdown"):
    return LoadedDocument(
        source="ch.md", path=Path("ch.md"), kind=kind, title="Chapter", sha256="abc", sections=sections, front_matter=front or {}
    )


def test_short_sections_are_one_chunk_each_and_never_merge():
    d = doc([Section(heading_path=["A", "x"], text="one two"), Section(heading_path=["A", "y"], text="three")])
    chunks = chunk_document(d, "c1", 100, 10, words)
    assert [(c.section, c.text) for c in chunks] == [("A > x", "one two"), ("A > y", "three")]
    assert [c.position for c in chunks] == [0, 1]
    assert all(c.file_chunks == 2 and c.file_sha256 == "abc" for c in chunks)


def test_long_section_is_split_within_budget_on_paragraphs():
    paragraphs = [" ".join(f"p{n}w{i}" for i in range(30)) for n in range(6)]
    d = doc([Section(heading_path=["Long"], text="\n\n".join(paragraphs))])
    chunks = chunk_document(d, "c1", 70, 0, words)
    assert len(chunks) >= 3
    budget = 70 - words("Long") - 2
    assert all(words(c.text) <= budget for c in chunks)
    # Every paragraph survives whole in some chunk: the splitter cut between paragraphs.
    assert all(any(p in c.text for c in chunks) for p in paragraphs)


def test_ids_are_stable_and_unchanged_passages_keep_theirs_when_the_file_changes():
    a = doc([Section(heading_path=["A"], text="alpha"), Section(heading_path=["B"], text="beta")])
    b = doc([Section(heading_path=["A"], text="alpha"), Section(heading_path=["B"], text="beta, edited")])
    first, again, edited = (chunk_document(x, "c1", 100, 0, words) for x in (a, a, b))
    assert [c.id for c in first] == [c.id for c in again]
    assert first[0].id == edited[0].id and first[1].id != edited[1].id


def test_identical_text_twice_in_one_section_gets_two_ids():
    d = doc([Section(heading_path=["A"], text="same"), Section(heading_path=["A"], text="same")])
    ids = [c.id for c in chunk_document(d, "c1", 100, 0, words)]
    assert len(set(ids)) == 2


def test_concept_comes_from_front_matter_then_pdf_chapter_then_top_heading():
    front = {"concept": "Loops", "title": "Loops", "prerequisites": ["variables", "Lists"]}
    assert concept_of(doc([], front), Section(heading_path=["x"], text="t")) == ("loops", "Loops", ["variables", "lists"])
    pdf_section = Section(heading_path=["Book", "While Loops"], text="t", page=3)
    assert concept_of(doc([], kind="pdf"), pdf_section)[:2] == ("while-loops", "While Loops")
    assert concept_of(doc([]), Section(heading_path=["Dictionaries", "Keys"], text="t"))[:2] == ("dictionaries", "Dictionaries")

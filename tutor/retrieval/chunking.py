"""Structure-aware chunking: a document's own sections first, then a token budget.

A section that fits the budget is one chunk; a longer one is split by langchain's recursive splitter
(paragraphs, then lines, then sentences) with token lengths measured by the embedding model's own
tokenizer, so no chunk is silently truncated by the encoder (all-MiniLM-L6-v2 reads 256 word pieces).
Chunk ids hash the chunk's place and text, so an unchanged passage keeps its id when its file is
edited elsewhere, and citations to it stay valid.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Callable

from tutor.retrieval.apparatus import front_matter, is_manual_page, section_role, teaches
from tutor.retrieval.documents import Chunk, LoadedDocument, Section, slugify

TokenCounter = Callable[[str], int]
_SEPARATORS = ["\n\n", "\n```", "\n", ". ", "; ", ", ", " ", ""]


def split_text(text: str, max_tokens: int, overlap_tokens: int, count_tokens: TokenCounter) -> list[str]:
    if count_tokens(text) <= max_tokens:
        return [text]
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        chunk_size=max_tokens,
        chunk_overlap=min(overlap_tokens, max_tokens // 4),
        length_function=count_tokens,
        separators=_SEPARATORS,
        keep_separator="end",
        strip_whitespace=True,
    )
    return [piece for piece in splitter.split_text(text) if piece.strip()]


def concept_of(doc: LoadedDocument, section: Section, manual_page: bool | None = None) -> tuple[str, str, list[str]]:
    """(concept id, concept title, prerequisite ids) for a section; ("", "", []) for no concept.

    Front matter (`concept`, `title`, `prerequisites`) wins; a document's apparatus (title page, contents,
    index, licence, a manual page's NAME/SYNOPSIS/SEE ALSO: tutor/retrieval/apparatus.py) is no concept;
    a manual page's DESCRIPTION, OPTIONS and the like are the page's own concept; a PDF's outline chapter
    comes next; otherwise the section's top-level heading names the concept, so one chapter is one concept.
    """
    front = doc.front_matter
    if front.get("concept"):
        title = str(front.get("title") or doc.title)
        prereqs = front.get("prerequisites") or []
        if isinstance(prereqs, str):
            prereqs = [p.strip() for p in prereqs.split(",")]
        return slugify(str(front["concept"])), title, [slugify(str(p)) for p in prereqs if str(p).strip()]
    role = section_role(doc, section, manual_page)
    if role == "front":
        return "", "", []
    if role == "page":
        return slugify(doc.title), doc.title, []
    if doc.kind == "pdf" and len(section.heading_path) > 1:
        title = section.heading_path[1]
    else:
        title = section.heading_path[0] if section.heading_path else doc.title
    return slugify(title), title, []


def chunk_document(
    doc: LoadedDocument, course: str, max_tokens: int, overlap_tokens: int, count_tokens: TokenCounter
) -> list[Chunk]:
    pieces: list[tuple[Section, str]] = []
    for section in doc.sections:
        # The heading path is embedded with the text, so it spends part of the budget.
        budget = max(32, max_tokens - count_tokens(section.path_text) - 2)
        pieces.extend((section, piece) for piece in split_text(section.text, budget, overlap_tokens, count_tokens))
    manual_page = is_manual_page(doc)
    concepts = {id(section): concept_of(doc, section, manual_page) for section in doc.sections}
    if not doc.front_matter.get("concept"):
        # A concept needs something to teach: one whose sections hold no sentence (a suite trailer, a
        # list of links, a bare command line) is no concept; its text stays searchable.
        teaching = {concepts[id(s)][0] for s in doc.sections if teaches(s.text)}
        concepts = {key: value if value[0] in teaching else ("", "", []) for key, value in concepts.items()}
    seen: Counter[str] = Counter()
    chunks = []
    for position, (section, text) in enumerate(pieces):
        concept, concept_title, prerequisites = concepts[id(section)]
        if concept and not doc.front_matter.get("concept") and front_matter(text):
            concept, concept_title, prerequisites = "", "", []  # a licence or contents page inside a chapter
        key = f"{course}\x1f{doc.source}\x1f{section.path_text}\x1f{section.page}\x1f{text}"
        seen[key] += 1
        digest = hashlib.sha256(f"{key}\x1f{seen[key]}".encode()).hexdigest()[:24]
        chunks.append(
            Chunk(
                id=digest,
                course=course,
                source=doc.source,
                section=section.path_text,
                page=section.page,
                text=text,
                position=position,
                concept=concept,
                concept_title=concept_title,
                prerequisites=prerequisites,
                file_sha256=doc.sha256,
                file_chunks=len(pieces),
            )
        )
    return chunks

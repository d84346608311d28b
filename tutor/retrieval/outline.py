"""A course's outline, read back from its stored chunks: concepts, their sections and prerequisites.

The learner model and the recommender build their concept graph from this, so the store stays the
one source of truth about what a course contains.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from tutor.retrieval.store import VectorStore


class ConceptOutline(BaseModel):
    id: str
    title: str
    prerequisites: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    sections: list[str] = Field(default_factory=list)
    chunk_ids: list[str] = Field(default_factory=list)


def source_order(source: str) -> tuple:
    """How files of a course follow each other: by name without the extension, numbers by value, so
    'tutorial.html' comes before 'tutorial-2.html' and 'ch2.md' before 'ch10.md'."""
    stem, _, suffix = source.rpartition(".") if "." in source.rsplit("/", 1)[-1] else (source, "", "")
    parts = re.split(r"(\d+)", stem.casefold())
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in parts if part), suffix


def course_outline(store: VectorStore, course: str) -> list[ConceptOutline]:
    """Concepts in course order (by source file as `source_order` sorts them, then position), each with its
    sections and chunks.

    Passages without a concept (a title page, contents, a manual page's SYNOPSIS) belong to none.

    Prerequisites that name no concept of the course are dropped, so the graph never dangles.
    """
    collection = store.raw_collection(course)
    passages = sorted(store.rows(collection, include_documents=False), key=lambda p: (source_order(p.source), p.position))
    order: dict[str, ConceptOutline] = {}
    for passage in passages:
        if not passage.concept:  # front or back matter (tutor/retrieval/apparatus.py): searchable, not a concept
            continue
        outline = order.setdefault(passage.concept, ConceptOutline(id=passage.concept, title=passage.concept_title or passage.concept))
        for prereq in passage.prerequisites:
            if prereq not in outline.prerequisites:
                outline.prerequisites.append(prereq)
        if passage.source not in outline.sources:
            outline.sources.append(passage.source)
        if passage.section not in outline.sections:
            outline.sections.append(passage.section)
        outline.chunk_ids.append(passage.id)
    known = set(order)
    for outline in order.values():
        outline.prerequisites = [p for p in outline.prerequisites if p in known and p != outline.id]
    return list(order.values())

"""A course's outline, read back from its stored chunks: concepts, their sections and prerequisites.

The learner model and the recommender build their concept graph from this, so the store stays the
one source of truth about what a course contains.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from tutor.retrieval.store import VectorStore


class ConceptOutline(BaseModel):
    id: str
    title: str
    prerequisites: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    sections: list[str] = Field(default_factory=list)
    chunk_ids: list[str] = Field(default_factory=list)


def course_outline(store: VectorStore, course: str) -> list[ConceptOutline]:
    """Concepts in course order (by source file, then position), each with its sections and chunks.

    Prerequisites that name no concept of the course are dropped, so the graph never dangles.
    """
    collection = store.raw_collection(course)
    rows = sorted(
        ((chunk_id, meta) for chunk_id, _, meta in store.rows(collection, include_documents=False)),
        key=lambda row: (str(row[1].get("source")), int(row[1].get("position", 0))),
    )
    order: dict[str, ConceptOutline] = {}
    for chunk_id, meta in rows:
        concept = str(meta.get("concept"))
        outline = order.setdefault(concept, ConceptOutline(id=concept, title=str(meta.get("concept_title", concept))))
        for prereq in filter(None, str(meta.get("prerequisites", "")).split(",")):
            if prereq not in outline.prerequisites:
                outline.prerequisites.append(prereq)
        if meta.get("source") not in outline.sources:
            outline.sources.append(str(meta.get("source")))
        if meta.get("section") not in outline.sections:
            outline.sections.append(str(meta.get("section")))
        outline.chunk_ids.append(chunk_id)
    known = set(order)
    for outline in order.values():
        outline.prerequisites = [p for p in outline.prerequisites if p in known and p != outline.id]
    return list(order.values())

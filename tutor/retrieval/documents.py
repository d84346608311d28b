"""The data that flows through retrieval: loaded documents, their sections, chunks and passages.

A loader turns a file into a LoadedDocument (title, front matter, sections with heading paths and
pages); chunking turns sections into Passages, the store keeps them and hands them back, a search
returns them scored: one type from ingest to citation.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SECTION_SEPARATOR = " > "
DocumentKind = Literal["markdown", "text", "html", "pdf"]


def slugify(text: str, max_length: int = 60) -> str:
    """A lowercase identifier for a concept title: 'For Loops!' -> 'for-loops'."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "untitled"


def embedding_text(section: str, text: str) -> str:
    """What is embedded and BM25-indexed for a chunk: its section path, then its text.

    The path is prepended so a chunk that only says "it" still carries its topic.
    """
    return f"{section}\n{text}"


class Section(BaseModel):
    """A stretch of a document under one heading path, or one PDF page."""

    heading_path: list[str]
    text: str
    page: int | None = None

    @property
    def path_text(self) -> str:
        return SECTION_SEPARATOR.join(self.heading_path)


class LoadedDocument(BaseModel):
    source: str = Field(description="Identity of the file within its course: a relative path or an upload's name.")
    path: Path
    kind: DocumentKind
    title: str
    sha256: str
    sections: list[Section]
    front_matter: dict = Field(default_factory=dict)


class Passage(BaseModel):
    """The one passage type: a stored chunk, a search result, a passage generation works from.

    Ingest fills the storage fields (position, file hash and chunk count, prerequisites); a search
    fills `score`, and `embedding` when the store returned the vector, so nobody re-embeds text the
    store already holds. Everything a citation needs (source, section, page) is always here.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    id: str
    text: str
    course: str = ""
    source: str = ""
    section: str = ""
    page: int | None = None
    concept: str = ""
    concept_title: str = ""
    prerequisites: list[str] = Field(default_factory=list)
    position: int = Field(default=0, description="Order of the chunk within its document.")
    file_sha256: str = ""
    file_chunks: int = Field(default=0, description="How many chunks the file had when ingested; lets a re-run see an unfinished file.")
    score: float = 0.0
    embedding: list[float] | None = Field(default=None, repr=False)
    # Vectors of the passage's sentences (rows, L2-normalised), when the store holds them: search
    # scores a passage by its best sentence as well as by its whole text.
    sentence_embeddings: Any = Field(default=None, repr=False, exclude=True)
    # Learner questions the chat model wrote for this chunk at ingest (tutor.retrieval.questions), when
    # switched on; their vectors let search match a learner's wording to a manual's.
    questions: list[str] = Field(default_factory=list)
    questions_prompt: int = Field(default=0, description="Version of the prompt that wrote `questions`; 0 = none asked for.")
    question_embeddings: Any = Field(default=None, repr=False, exclude=True)

    def embedding_text(self) -> str:
        return embedding_text(self.section, self.text)

    def citation(self) -> str:
        where = f"{self.source}, {self.section}"
        return f"{where}, p. {self.page}" if self.page is not None else where

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "text": self.text,
            "source": self.source,
            "section": self.section,
            "page": self.page,
            "score": round(self.score, 6),
        }


# What ingest stores is the same type as what search returns; the old name stays for readability.
Chunk = Passage

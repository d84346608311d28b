"""The vector store: one Chroma collection per course, on disk or on a Chroma server.

Why one collection per course: a `where` filter over a shared collection is 30x slower at 100k
chunks (FACTS.md), and a course is always known at query time. Chroma never embeds anything here
(`embedding_function=None`; we pass vectors), so its ONNX model is never fetched.

Each collection's metadata records the course title, the embedding model and its dimension, and a
`revision` token that changes on every write; the lexical index keys its cache on it, so both halves
of hybrid search stay in step across processes that share a Chroma server.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator
from urllib.parse import urlparse

import numpy as np

from tutor.diskspace import disk_full_as_error
from tutor.errors import EmbeddingMismatchError, InvalidCourseIdError, StoreUnavailableError, UnknownCourseError
from tutor.retrieval.documents import Passage
from tutor.retrieval.sentences import METADATA_KEY, QUESTIONS_KEY, decode_vectors, encode_vectors

PREFIX = "course_"
_COURSE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
_PAGE = 500  # rows per `get` call when reading a whole collection


def validate_course_id(course: str) -> str:
    if not _COURSE_ID.match(course or ""):
        raise InvalidCourseIdError(course)
    return course


@lru_cache(maxsize=8)
def _client(path: str | None, url: str | None):
    # One client per location per process: chromadb refuses a second client with other settings.
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if url:
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise StoreUnavailableError(f"TUTOR_CHROMA_URL='{url}' is not an http(s)://host:port URL.")
        try:
            return chromadb.HttpClient(
                host=parsed.hostname,
                port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                ssl=parsed.scheme == "https",
                settings=settings,
            )
        except Exception as exc:  # chromadb raises plain ValueError/ConnectionError variants here
            raise StoreUnavailableError(f"Cannot reach the Chroma server at {url}: {exc}") from exc
    return chromadb.PersistentClient(path=path, settings=settings)


@dataclass(frozen=True)
class CourseInfo:
    id: str
    title: str
    embedding_model: str
    embedding_dim: int
    files: int
    chunks: int


class VectorStore:
    """Course collections in Chroma, holding chunk text, citation metadata and our embeddings."""

    def __init__(self, path: str | None = None, url: str | None = None):
        if not path and not url:
            raise ValueError("VectorStore needs a path or a server URL")
        self.location = url or path
        self.client = _client(None if url else path, url)

    # -- collections -------------------------------------------------------------------------

    def course_ids(self) -> list[str]:
        names = [c.name if hasattr(c, "name") else str(c) for c in self._call(self.client.list_collections)]
        return sorted(n[len(PREFIX):] for n in names if n.startswith(PREFIX) and "__" not in n)

    def exists(self, course: str) -> bool:
        return validate_course_id(course) in self.course_ids()

    def collection(self, course: str, model: str, dim: int, create: bool = False, title: str | None = None):
        """The course's collection, checked against the configured embedding model."""
        validate_course_id(course)
        name = PREFIX + course
        if not self.exists(course):
            if not create:
                raise UnknownCourseError(course, self.course_ids())
            meta = {"title": title or course, "embedding_model": model, "embedding_dim": dim, "revision": _token()}
            return self._call(
                self.client.get_or_create_collection,
                name=name,
                metadata=meta,
                configuration={"hnsw": {"space": "cosine"}},
                embedding_function=None,
            )
        collection = self._call(self.client.get_collection, name=name, embedding_function=None)
        meta = collection.metadata or {}
        if meta.get("embedding_model") != model or int(meta.get("embedding_dim", -1)) != dim:
            raise EmbeddingMismatchError(course, meta.get("embedding_model", "?"), int(meta.get("embedding_dim", -1)), model, dim)
        if title and title != meta.get("title"):
            self.set_metadata(collection, title=title)
        return collection

    def raw_collection(self, course: str):
        """The collection without the model check: for reindexing and for listing."""
        validate_course_id(course)
        if not self.exists(course):
            raise UnknownCourseError(course, self.course_ids())
        return self._call(self.client.get_collection, name=PREFIX + course, embedding_function=None)

    def set_metadata(self, collection, **changes) -> None:
        meta = dict(collection.metadata or {})
        meta.update(changes)
        self._call(collection.modify, metadata=meta)

    def bump_revision(self, collection) -> None:
        self.set_metadata(collection, revision=_token())

    def revision(self, collection) -> str:
        fresh = self._call(self.client.get_collection, name=collection.name, embedding_function=None)
        return str((fresh.metadata or {}).get("revision", ""))

    def drop(self, course: str) -> int:
        collection = self.raw_collection(course)
        count = collection.count()
        self._call(self.client.delete_collection, name=collection.name)
        return count

    def info(self, course: str) -> CourseInfo:
        collection = self.raw_collection(course)
        meta = collection.metadata or {}
        sources = {p.source for p in self.rows(collection, include_documents=False)}
        return CourseInfo(
            id=course,
            title=str(meta.get("title", course)),
            embedding_model=str(meta.get("embedding_model", "?")),
            embedding_dim=int(meta.get("embedding_dim", -1)),
            files=len(sources),
            chunks=collection.count(),
        )

    # -- rows --------------------------------------------------------------------------------

    def upsert(self, collection, chunks: list[Passage], embeddings, sentence_vectors=None, question_vectors=None) -> None:
        """Store passages with their vectors (and, when given, one array of sentence / question vectors each)."""
        sentence_vectors = sentence_vectors if sentence_vectors is not None else [None] * len(chunks)
        question_vectors = question_vectors if question_vectors is not None else [None] * len(chunks)
        self._call(
            collection.upsert,
            ids=[c.id for c in chunks],
            embeddings=embeddings,
            documents=[c.text for c in chunks],
            metadatas=[chunk_metadata(c, v, q) for c, v, q in zip(chunks, sentence_vectors, question_vectors)],
        )

    def source_rows(self, collection, source: str) -> dict[str, Passage]:
        """id -> passage (without its text) of every chunk of one source file."""
        got = self._call(collection.get, where={"source": source}, include=["metadatas"])
        return {i: passage_from_row(i, None, meta) for i, meta in zip(got["ids"], got["metadatas"])}

    def delete(self, collection, ids: list[str]) -> None:
        for start in range(0, len(ids), _PAGE):
            self._call(collection.delete, ids=ids[start : start + _PAGE])

    def rows(self, collection, include_documents: bool = True) -> Iterator[Passage]:
        """Every passage in the collection (text left empty without `include_documents`), read in pages."""
        include = ["metadatas", "documents"] if include_documents else ["metadatas"]
        offset = 0
        while True:
            got = self._call(collection.get, include=include, limit=_PAGE, offset=offset)
            if not got["ids"]:
                return
            docs = got.get("documents") or [None] * len(got["ids"])
            for chunk_id, doc, meta in zip(got["ids"], docs, got["metadatas"]):
                yield passage_from_row(chunk_id, doc, meta)
            offset += len(got["ids"])

    def nearest(self, collection, embedding, n: int, dim: int = 0) -> list[Passage]:
        """The n nearest passages, scored by cosine similarity, with their vectors (`dim` decodes sentences)."""
        # No count() guard: Chroma returns what it has when asked for more, and count() costs as
        # much as the query itself on a large collection.
        if n <= 0:
            return []
        got = self._call(
            collection.query,
            query_embeddings=[embedding],
            n_results=n,
            include=["distances", "documents", "metadatas", "embeddings"],
        )
        vectors = got.get("embeddings")
        vectors = vectors[0] if vectors is not None and len(vectors) else [None] * len(got["ids"][0])
        return [
            passage_from_row(i, doc, meta, score=1.0 - float(d), embedding=v, dim=dim)
            for i, d, doc, meta, v in zip(got["ids"][0], got["distances"][0], got["documents"][0], got["metadatas"][0], vectors)
        ]

    def get(self, collection, ids: list[str], dim: int = 0) -> dict[str, Passage]:
        """id -> passage with its vector, for the ids that exist."""
        if not ids:
            return {}
        got = self._call(collection.get, ids=ids, include=["documents", "metadatas", "embeddings"])
        vectors = got.get("embeddings")
        vectors = vectors if vectors is not None and len(vectors) else [None] * len(got["ids"])
        return {
            i: passage_from_row(i, doc, meta, embedding=v, dim=dim)
            for i, doc, meta, v in zip(got["ids"], got["documents"], got["metadatas"], vectors)
        }

    def _call(self, fn, *args, **kwargs):
        # A full disk is said as such, not as an unreachable store: Chroma's SQLite reports it as
        # "database or disk is full" (an InternalError), and rolls the failed write back.
        with disk_full_as_error(self.location):
            try:
                return fn(*args, **kwargs)
            except (ConnectionError, OSError) as exc:
                raise StoreUnavailableError(f"The vector store at {self.location} is unavailable: {exc}") from exc
            except Exception as exc:
                # httpx errors from a Chroma server do not subclass OSError; name them plainly.
                if exc.__class__.__module__.startswith("httpx"):
                    raise StoreUnavailableError(f"The Chroma server at {self.location} did not answer: {exc}") from exc
                raise


def chunk_metadata(chunk: Passage, sentence_vectors=None, question_vectors=None) -> dict:
    """Chroma metadata values must be scalars: the page is left out when there is none."""
    meta = {
        "course": chunk.course,
        "source": chunk.source,
        "section": chunk.section,
        "position": chunk.position,
        "concept": chunk.concept,
        "concept_title": chunk.concept_title,
        "prerequisites": ",".join(chunk.prerequisites),
        "file_sha256": chunk.file_sha256,
        "file_chunks": chunk.file_chunks,
    }
    if chunk.page is not None:
        meta["page"] = chunk.page
    if sentence_vectors is not None and len(sentence_vectors):
        meta[METADATA_KEY] = encode_vectors(sentence_vectors)
    if chunk.questions_prompt:
        meta["questions_prompt"] = chunk.questions_prompt
        meta["questions"] = "\n".join(chunk.questions)
    if question_vectors is not None and len(question_vectors):
        meta[QUESTIONS_KEY] = encode_vectors(question_vectors)
    return meta


def passage_from_row(chunk_id: str, text: str | None, meta: dict | None, score: float = 0.0, embedding=None, dim: int = 0) -> Passage:
    """A stored row as a Passage: the one place that reads Chroma metadata."""
    meta = meta or {}
    page = meta.get("page")
    return Passage(
        id=chunk_id,
        text=text or "",
        course=str(meta.get("course", "")),
        source=str(meta.get("source", "")),
        section=str(meta.get("section", "")),
        page=int(page) if page is not None else None,
        concept=str(meta.get("concept", "")),
        concept_title=str(meta.get("concept_title", "")),
        prerequisites=[p for p in str(meta.get("prerequisites", "")).split(",") if p],
        position=int(meta.get("position", 0) or 0),
        file_sha256=str(meta.get("file_sha256", "")),
        file_chunks=int(meta.get("file_chunks", 0) or 0),
        score=score,
        embedding=np.asarray(embedding, dtype=np.float32).tolist() if embedding is not None else None,
        sentence_embeddings=decode_vectors(meta.get(METADATA_KEY), dim) if dim else None,
        questions=[q for q in str(meta.get("questions", "")).split("\n") if q],
        questions_prompt=int(meta.get("questions_prompt", 0) or 0),
        question_embeddings=decode_vectors(meta.get(QUESTIONS_KEY), dim) if dim else None,
    )


def _token() -> str:
    return uuid.uuid4().hex[:16]


def open_store(settings) -> VectorStore:
    """The store the settings name: a Chroma server when TUTOR_CHROMA_URL is set, else on disk in home."""
    if settings.chroma_url:
        return VectorStore(url=settings.chroma_url)
    from tutor.home import ensure_dir

    ensure_dir(settings.chroma_path)
    return VectorStore(path=str(settings.chroma_path))

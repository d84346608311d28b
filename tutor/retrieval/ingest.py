"""Ingestion: files and folders into a course's chunks, idempotently and safe to interrupt.

A file's chunks carry its content hash and chunk count. A file whose stored chunks all carry the
current hash, and are as many as it has, is unchanged and skipped. Otherwise its new chunks are
upserted (ids are content hashes, so a re-run writes the same ids again, never duplicates) and only
then are its stale chunks deleted. An ingest killed at any point therefore leaves every file either
as it was, or partly refreshed with no duplicate, and the next run finishes the job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import yaml

from tutor.config import Settings
from tutor.errors import DocumentError, InvalidInputError, NotFoundError
from tutor.retrieval.boilerplate import paragraphs, repeated_blocks, without_blocks
from tutor.retrieval.chunking import chunk_document
from tutor.retrieval.documents import Chunk, LoadedDocument
from tutor.retrieval.embeddings import Embedder
from tutor.retrieval.loaders import load_document
from tutor.retrieval.questions import QuestionWriter, question_writer
from tutor.retrieval.sentences import grouped_vectors, sentence_vectors
from tutor.retrieval.store import VectorStore, validate_course_id

COURSE_FILE = "course.yaml"
EMBED_BATCH = 64
EMBED_WINDOW = 8 * EMBED_BATCH

# progress(event, amount): "total" once with the number of chunks to embed, then "advance" per batch.
Progress = Callable[[str, int], None]


@dataclass
class IngestReport:
    course: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[DocumentError] = field(default_factory=list)
    chunks_written: int = 0
    chunks_deleted: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.chunks_deleted)


@dataclass(frozen=True)
class CourseManifest:
    """A course folder's own description (course.yaml): id, title and the like."""

    id: str | None = None
    title: str | None = None

    @classmethod
    def find(cls, paths: Iterable[Path]) -> "CourseManifest":
        for path in paths:
            candidate = path / COURSE_FILE if path.is_dir() else None
            if candidate and candidate.exists():
                try:
                    data = yaml.safe_load(candidate.read_text(encoding="utf-8")) or {}
                except yaml.YAMLError as exc:
                    raise InvalidInputError(f"{candidate}: not valid YAML ({exc})") from exc
                return cls(id=data.get("id"), title=data.get("title"))
        return cls()


def collect_files(paths: Iterable[Path]) -> tuple[list[tuple[Path, str]], list[DocumentError]]:
    """(file, source name) for every file under the paths, and errors for paths that do not exist.

    A file's source name is its path relative to the folder given (or its own name), so the same
    course folder ingested from anywhere keeps the same identities. Hidden files and course.yaml are
    not course material and are passed over silently.
    """
    found: list[tuple[Path, str]] = []
    missing: list[DocumentError] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                rel = file.relative_to(path)
                if any(part.startswith(".") for part in rel.parts) or rel.name == COURSE_FILE:
                    continue
                found.append((file, rel.as_posix()))
        elif path.is_file():
            found.append((path, path.name))
        else:
            missing.append(DocumentError(path, "no such file or folder"))
    return found, missing


def safe_source_name(name: str) -> str:
    """A name given from outside (an upload's file name) reduced to a plain relative path.

    Browsers and API callers may send '../x.md', '/etc/x.md' or 'C:\\x.md': the stored source keeps
    only the final name, without control characters, so it can never point outside a course folder."""
    base = re.split(r"[\\/]", str(name or ""))[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip().lstrip(".")
    return base[:200] or "unnamed"


def ingest(
    paths: list[Path],
    course: str,
    store: VectorStore,
    embedder: Embedder,
    settings: Settings,
    title: str | None = None,
    progress: Progress | None = None,
    sources: dict[Path, str] | None = None,
    questions: QuestionWriter | None = None,
) -> IngestReport:
    """Load, chunk, embed and store the files; return what happened to each.

    `sources` overrides the source name of given files (the app passes an upload's original name).
    `questions` writes learner questions for each chunk (default: the chat model's when the settings'
    `chunk_questions` is on, none otherwise).
    """
    validate_course_id(course)
    questions = questions or question_writer(settings)
    report = IngestReport(course=course)
    files, missing = collect_files(paths)
    report.skipped.extend(missing)
    if sources:
        files = [(f, safe_source_name(sources[f]) if f in sources else s) for f, s in files]
    collection = store.collection(course, embedder.name, embedder.dimension, create=True, title=title)

    # Phase 1: parse and chunk every file, and find which ones changed (cheap: no embedding yet).
    pending: list[tuple[str, list[Chunk], dict[str, Chunk]]] = []
    max_bytes = int(settings.max_file_mb * 1_000_000)
    docs = []
    for path, source in files:
        try:
            docs.append(load_document(path, source, max_bytes))
        except DocumentError as exc:
            report.skipped.append(exc)
    for doc in without_repeated_blocks(docs):
        source = doc.source
        chunks = chunk_document(doc, course, settings.chunk_tokens, settings.chunk_overlap_tokens, embedder.count_tokens)
        stored = store.source_rows(collection, source)
        if _is_complete(stored, chunks, questions.version if questions else 0):
            report.unchanged.append(source)
            continue
        (report.updated if stored else report.added).append(source)
        pending.append((source, chunks, stored))

    # Phase 2: embed in batches that run across file boundaries (the encoder is the cost). Within
    # windows of whole files, chunks go in order of length: a batch is padded to its longest text,
    # so mixing lengths wastes encoder work. Windows keep files finishing as we go, so a killed
    # ingest keeps most of its work (a global sort would leave nearly every file unfinished).
    queue = []
    for window in _windows(pending, EMBED_WINDOW):
        queue.extend(sorted(window, key=lambda item: len(item[1].embedding_text())))
    left = [len(chunks) for _, chunks, _ in pending]
    if progress:
        progress("total", len(queue))
    try:
        for start in range(0, len(queue), EMBED_BATCH):
            batch = queue[start : start + EMBED_BATCH]
            chunks = [c for _, c in batch]
            if questions:
                chunks = [questions.annotate(c) for c in chunks]
            vectors = embedder.embed([c.embedding_text() for c in chunks], batch_size=EMBED_BATCH)
            sentences = sentence_vectors(embedder, [c.text for c in chunks], batch_size=EMBED_BATCH)
            asked = grouped_vectors(embedder, [c.questions for c in chunks], batch_size=EMBED_BATCH)
            store.upsert(collection, chunks, vectors.tolist(), sentences, asked)
            report.chunks_written += len(chunks)
            for n, _ in batch:
                left[n] -= 1
                if left[n] == 0:  # this file is fully written: now its stale chunks may go
                    source, new_chunks, stored = pending[n]
                    keep = {c.id for c in new_chunks}
                    stale = [i for i in stored if i not in keep]
                    store.delete(collection, stale)
                    report.chunks_deleted += len(stale)
            if progress:
                progress("advance", len(batch))
    finally:
        if report.chunks_written or report.chunks_deleted:
            store.bump_revision(collection)
    return report


def without_repeated_blocks(docs: list[LoadedDocument]) -> list[LoadedDocument]:
    """The documents with the paragraphs that most HTML pages of this ingest share left out.

    Site templates repeat blocks that no element marks as chrome (a licence line, "back to the
    contents"); on three or more pages, one found on at least half of them is the template's.
    Markdown and text files are written one by one and PDFs are handled page by page, so only HTML
    pages are compared. A section left empty is dropped; a page left empty keeps its text.
    """
    html = [doc for doc in docs if doc.kind == "html"]
    doomed = repeated_blocks([[b for s in doc.sections for b in paragraphs(s.text)] for doc in html])
    if not doomed:
        return docs
    cleaned = []
    for doc in docs:
        if doc.kind == "html":
            sections = [s.model_copy(update={"text": without_blocks(s.text, doomed)}) for s in doc.sections]
            sections = [s for s in sections if s.text.strip()]
            if sections:
                doc = doc.model_copy(update={"sections": sections})
        cleaned.append(doc)
    return cleaned


def _windows(pending: list[tuple[str, list[Chunk], dict[str, Chunk]]], size: int) -> Iterable[list[tuple[int, Chunk]]]:
    """(file number, chunk) pairs grouped into runs of whole files holding about `size` chunks."""
    window: list[tuple[int, Chunk]] = []
    for n, (_, chunks, _) in enumerate(pending):
        window.extend((n, chunk) for chunk in chunks)
        if len(window) >= size:
            yield window
            window = []
    if window:
        yield window


def _is_complete(stored: dict[str, Chunk], chunks: list[Chunk], questions_prompt: int = 0) -> bool:
    """Whether the stored chunks are exactly these, with the concepts chunking gives them today (a file
    stored before a change to how concepts are derived is written again, its text and ids unchanged) and,
    when questions are wanted, with questions from this prompt (a file stored before they were switched
    on, or one whose questions the model failed to write, is written again)."""
    if not stored or len(stored) != len(chunks) or set(stored) != {c.id for c in chunks}:
        return False
    if any(p.file_sha256 != chunks[0].file_sha256 or p.file_chunks != len(chunks) for p in stored.values()):
        return False
    if any((stored[c.id].concept, stored[c.id].concept_title) != (c.concept, c.concept_title) for c in chunks):
        return False
    return not questions_prompt or all(p.questions_prompt == questions_prompt for p in stored.values())


def remove(course: str, store: VectorStore, path: str | None = None) -> tuple[int, list[str]]:
    """Delete a whole course, or the files of a course whose source is `path` or lies under it.

    Returns (chunks deleted, sources removed).
    """
    if path is None:
        collection = store.raw_collection(course)
        sources = sorted({p.source for p in store.rows(collection, include_documents=False)})
        return store.drop(course), sources
    collection = store.raw_collection(course)
    wanted = path.strip().rstrip("/")
    by_source: dict[str, list[str]] = {}
    for passage in store.rows(collection, include_documents=False):
        by_source.setdefault(passage.source, []).append(passage.id)
    matched = [s for s in by_source if s == wanted or s.startswith(wanted + "/") or Path(wanted).name == s]
    if not matched:
        known = ", ".join(sorted(by_source)[:20]) or "none"
        raise NotFoundError(f"No file '{path}' in course '{course}'. Its files: {known}")
    ids = [i for s in matched for i in by_source[s]]
    store.delete(collection, ids)
    store.bump_revision(collection)
    return len(ids), sorted(matched)


def reindex(course: str, store: VectorStore, embedder: Embedder, progress: Progress | None = None) -> int:
    """Re-embed a course with the configured model into a fresh collection, then swap it in.

    The old collection stays whole until the new one is complete, so an interrupted reindex loses
    nothing (a leftover `course_<id>__reindex` collection is simply rebuilt next time).
    """
    old = store.raw_collection(course)
    meta = dict(old.metadata or {})
    rows = list(store.rows(old))
    temp_name = f"{old.name}__reindex"
    try:
        store.client.delete_collection(name=temp_name)
    except Exception:  # chromadb raises NotFoundError (not exported uniformly across versions)
        pass
    meta.update(embedding_model=embedder.name, embedding_dim=embedder.dimension)
    new = store.client.create_collection(
        name=temp_name, metadata=meta, configuration={"hnsw": {"space": "cosine"}}, embedding_function=None
    )
    if progress:
        progress("total", len(rows))
    for start in range(0, len(rows), EMBED_BATCH):
        batch = rows[start : start + EMBED_BATCH]
        vectors = embedder.embed([p.embedding_text() for p in batch], batch_size=EMBED_BATCH)
        sentences = sentence_vectors(embedder, [p.text for p in batch], batch_size=EMBED_BATCH)
        asked = grouped_vectors(embedder, [p.questions for p in batch], batch_size=EMBED_BATCH)  # kept, re-embedded
        store.upsert(new, batch, vectors.tolist(), sentences, asked)
        if progress:
            progress("advance", len(batch))
    store.client.delete_collection(name=old.name)
    new.modify(name=old.name)
    store.bump_revision(store.raw_collection(course))
    return len(rows)


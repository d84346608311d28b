"""Ingest is idempotent and interrupt-safe; hybrid search finds and cites course passages."""

from __future__ import annotations

import shutil

import pytest

from tutor.config import get_settings
from tutor.errors import EmbeddingMismatchError, TutorError, UnknownCourseError
from tutor.retrieval import ingest as ingest_module
from tutor.retrieval.ingest import ingest, reindex, remove
from tutor.retrieval.outline import course_outline
from tutor.retrieval.retriever import Retriever, relative_score_fusion
from tutor.retrieval.store import VectorStore

pytestmark = pytest.mark.real_model


@pytest.fixture
def retriever(embedder):
    return Retriever(get_settings(), embedder=embedder)


def run_ingest(retriever, paths, course="demo", **kw):
    return ingest(paths, course, retriever.store, retriever.embedder, retriever.settings, **kw)


def all_ids(retriever, course="demo"):
    collection = retriever.store.raw_collection(course)
    return sorted(p.id for p in retriever.store.rows(collection, include_documents=False))


@pytest.fixture
def course_dir(tmp_path, demo_course):
    folder = tmp_path / "course"
    shutil.copytree(demo_course, folder)
    return folder


def test_ingest_demo_course_then_search_cites_the_answering_passage(retriever, course_dir):
    report = run_ingest(retriever, [course_dir], title="Intro")
    assert len(report.added) == 12 and not report.skipped
    hits = retriever.search("how do I leave a loop before it is finished?", "demo", k=5)
    assert all(hit.source == "07-loops.md" for hit in hits)
    answer = next(hit for hit in hits if "`break` exits the loop immediately" in hit.text)
    assert answer.citation() == "07-loops.md, Loops > break and continue"
    assert retriever.store.info("demo").files == 12


def test_reingesting_unchanged_files_changes_nothing(retriever, course_dir):
    run_ingest(retriever, [course_dir])
    before = all_ids(retriever)
    collection = retriever.store.raw_collection("demo")
    revision = retriever.store.revision(collection)
    report = run_ingest(retriever, [course_dir])
    assert len(report.unchanged) == 12 and report.chunks_written == 0
    assert all_ids(retriever) == before
    assert retriever.store.revision(collection) == revision  # the BM25 cache stays valid


def test_changed_file_replaces_only_its_own_chunks(retriever, course_dir):
    run_ingest(retriever, [course_dir])
    collection = retriever.store.raw_collection("demo")
    others = {p.id for p in retriever.store.rows(collection, include_documents=False) if p.source != "07-loops.md"}
    loops = course_dir / "07-loops.md"
    loops.write_text(loops.read_text() + "\n\n## Loop trivia\nThe zebra-striped loop is our invented example.\n")
    report = run_ingest(retriever, [course_dir])
    assert report.updated == ["07-loops.md"] and len(report.unchanged) == 11
    now = {p.id for p in retriever.store.rows(collection, include_documents=False) if p.source != "07-loops.md"}
    assert now == others
    hit = retriever.search("zebra-striped loop", "demo", k=1)[0]
    assert hit.section == "Loops > Loop trivia"


def test_interrupted_ingest_is_finished_by_a_rerun_without_duplicates(retriever, course_dir, monkeypatch):
    run_ingest(retriever, [course_dir])
    # Edit every file, then kill the ingest in its second embedding batch (the first is written).
    for path in course_dir.glob("*.md"):
        path.write_text(path.read_text().replace("Python", "Python 3"))
    real_upsert, calls = retriever.store.upsert, []

    def dying_upsert(collection, chunks, embeddings, *sentences):
        calls.append(len(chunks))
        if len(calls) == 2:
            raise KeyboardInterrupt
        real_upsert(collection, chunks, embeddings, *sentences)

    monkeypatch.setattr(retriever.store, "upsert", dying_upsert)
    # Windows of one batch: the files of the first window are complete when the kill comes.
    monkeypatch.setattr(ingest_module, "EMBED_WINDOW", 64)
    with pytest.raises(KeyboardInterrupt):
        run_ingest(retriever, [course_dir])
    monkeypatch.setattr(retriever.store, "upsert", real_upsert)
    report = run_ingest(retriever, [course_dir])
    # Files finished before the kill are not redone; the rest are.
    assert report.unchanged and report.updated
    assert len(report.unchanged) + len(report.updated) == 12
    # The store now holds exactly what an uninterrupted ingest of the edited files holds.
    run_ingest(retriever, [course_dir], course="clean")

    def texts(course):
        return sorted(p.text for p in retriever.store.rows(retriever.store.raw_collection(course)))

    assert texts("demo") == texts("clean")
    assert len(all_ids(retriever)) == len(set(all_ids(retriever))) == len(texts("clean"))
    assert any("Python 3" in t for t in texts("demo"))
    # And the lexical half follows: the edited word is found by BM25 after the interrupted run.
    assert retriever.search("Python 3", "demo", k=1, mode="lexical")


def test_batch_goes_on_past_bad_files_and_reports_each(retriever, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "good.md").write_text("# Sets\nA set holds unique items and ignores duplicates.\n")
    (folder / "empty.txt").write_text("")
    (folder / "image.png").write_bytes(b"\x89PNG....")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    report = run_ingest(retriever, [folder, tmp_path / "missing.md"])
    assert report.added == ["good.md"]
    skipped = {e.path.split("/")[-1]: e.reason for e in report.skipped}
    assert set(skipped) == {"empty.txt", "image.png", "broken.pdf", "missing.md"}
    assert "no such file" in skipped["missing.md"]


def test_remove_a_file_then_the_course(retriever, course_dir):
    run_ingest(retriever, [course_dir])
    deleted, sources = remove("demo", retriever.store, "07-loops.md")
    assert sources == ["07-loops.md"] and deleted > 0
    assert all(p.source != "07-loops.md" for p in retriever.search("break out of a for loop", "demo", k=10))
    with pytest.raises(TutorError, match="No file 'nope.md'"):
        remove("demo", retriever.store, "nope.md")
    remove("demo", retriever.store)
    with pytest.raises(UnknownCourseError):
        retriever.search("loops", "demo")


def test_opening_a_course_with_another_embedding_model_names_reindex(retriever, course_dir, embedder):
    run_ingest(retriever, [course_dir / "07-loops.md"])

    class OtherModel:
        name, dimension = "other/model", embedder.dimension

        def embed(self, texts, batch_size=64):
            return embedder.embed(texts, batch_size)

        def count_tokens(self, text):
            return embedder.count_tokens(text)

    other = Retriever(get_settings(), embedder=OtherModel(), store=retriever.store)
    with pytest.raises(EmbeddingMismatchError, match="tutor reindex --course demo"):
        other.search("loops", "demo")
    count = reindex("demo", retriever.store, OtherModel())
    assert count == len(all_ids(retriever))
    assert other.search("stop a loop early", "demo", k=1)[0].source == "07-loops.md"


def test_outline_gives_concepts_in_order_with_prerequisites(retriever, course_dir):
    run_ingest(retriever, [course_dir])
    outline = course_outline(retriever.store, "demo")
    ids = [c.id for c in outline]
    assert len(ids) == 12 and ids[0] == "getting-started"
    loops = next(c for c in outline if c.id == "loops")
    assert loops.prerequisites and all(ids.index(p) < ids.index("loops") for p in loops.prerequisites)
    assert loops.sources == ["07-loops.md"] and len(loops.sections) >= 3


def test_relative_score_fusion_known_answer():
    dense = [("d1", 0.9), ("d2", 0.7), ("d3", 0.5)]  # normalised: 1.0, 0.5, 0.0
    lexical = [("d2", 8.0), ("d4", 2.0)]  # normalised: 1.0, 0.0
    fused = dict(relative_score_fusion(dense, lexical, dense_weight=0.5))
    assert fused == pytest.approx({"d2": 0.75, "d1": 0.5, "d3": 0.0, "d4": 0.0})
    assert [d for d, _ in relative_score_fusion(dense, lexical)][:2] == ["d2", "d1"]
    # One method alone keeps its own order; one candidate gets full marks.
    assert [d for d, _ in relative_score_fusion(dense, [])] == ["d1", "d2", "d3"]
    assert relative_score_fusion([], [("x", 3.0)]) == [("x", 0.5)]


def test_two_stores_on_one_path_see_the_same_courses(retriever, course_dir):
    run_ingest(retriever, [course_dir / "02-variables.md"])
    again = VectorStore(path=str(get_settings().chroma_path))
    assert again.course_ids() == ["demo"]


def test_a_block_repeated_on_most_pages_never_becomes_a_chunk(tmp_path):
    from tutor.retrieval.ingest import without_repeated_blocks
    from tutor.retrieval.loaders import load_document

    footer = "<p>This documentation is licensed under the Example Licence; see the licence page for details.</p>"
    topics = ["Rows are inserted with the INSERT statement naming the table and the values.",
              "Rows are removed with DELETE, and a WHERE clause limits which rows go.",
              "UPDATE changes the values of columns in the rows that match its condition.",
              "A view is a named query that can be used like a table in later queries."]
    docs = []
    for n, topic in enumerate(topics):
        path = tmp_path / f"p{n}.html"
        path.write_text(f"<html><head><title>Page {n}</title></head><body><article><h1>Page {n}</h1><p>{topic}</p>{footer}</article></body></html>")
        docs.append(load_document(path, path.name, 10**6))
    assert all("Example Licence" in "\n".join(s.text for s in d.sections) for d in docs)
    cleaned = without_repeated_blocks(docs)
    texts = ["\n".join(s.text for s in d.sections) for d in cleaned]
    assert all("Example Licence" not in t for t in texts)
    assert [topic in t for topic, t in zip(topics, texts)] == [True] * 4

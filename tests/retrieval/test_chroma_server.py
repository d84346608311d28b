"""TUTOR_CHROMA_URL switches the store to a real Chroma server with no other change."""

from __future__ import annotations

import pytest

from tutor import devservices
from tutor.config import get_settings
from tutor.devservices import free_port
from tutor.errors import StoreUnavailableError
from tutor.retrieval.ingest import ingest
from tutor.retrieval.retriever import Retriever
from tutor.retrieval.store import VectorStore

pytestmark = [pytest.mark.server, pytest.mark.real_model]


@pytest.fixture
def chroma_server(tmp_path):
    try:
        with devservices.chroma_server(tmp_path / "server-data", start_timeout=30) as url:
            yield url, tmp_path / "server-data"
    except devservices.ServiceError as exc:
        pytest.fail(str(exc))


def test_ingest_and_search_through_a_chroma_server(chroma_server, monkeypatch, embedder, demo_course):
    url, data_dir = chroma_server
    monkeypatch.setenv("TUTOR_CHROMA_URL", url)
    get_settings.cache_clear()
    settings = get_settings()
    retriever = Retriever(settings, embedder=embedder)
    assert retriever.store.location == url
    files = [demo_course / "07-loops.md", demo_course / "10-exceptions.md"]
    report = ingest(files, "server-course", retriever.store, embedder, settings)
    assert report.added == ["07-loops.md", "10-exceptions.md"]
    hit = retriever.search("what does continue do in a loop", "server-course", k=1)[0]
    assert hit.source == "07-loops.md"
    # The data lives in the server's folder, not in TUTOR_HOME.
    assert data_dir.exists() and not settings.chroma_path.exists()
    # A second client (another process would do the same) sees the course and the same revision.
    other = Retriever(settings, embedder=embedder, store=VectorStore(url=url))
    assert other.search("what does continue do in a loop", "server-course", k=1)[0].id == hit.id


def test_a_dead_server_is_a_clear_error(monkeypatch):
    port = free_port()  # nothing listens here
    with pytest.raises(StoreUnavailableError, match=f"127.0.0.1:{port}"):
        VectorStore(url=f"http://127.0.0.1:{port}").course_ids()

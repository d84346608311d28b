"""Fixtures for generation tests: the demo course ingested once per run, passages, the real LLM."""

from __future__ import annotations

import pytest

from tutor.config import Settings, get_settings

COURSE = "intro-python"


@pytest.fixture(scope="session")
def ingested_home(tmp_path_factory, demo_course, embedder):
    """A TUTOR_HOME holding the demo course (ingested once per test run, ~10 s)."""
    from tutor.retrieval.ingest import CourseManifest, ingest
    from tutor.retrieval.retriever import Retriever

    home = tmp_path_factory.mktemp("course-home")
    settings = Settings(home=home)
    retriever = Retriever(settings, embedder=embedder)
    manifest = CourseManifest.find([demo_course])
    report = ingest([demo_course], COURSE, retriever.store, embedder, settings, title=manifest.title)
    assert report.chunks_written > 50
    return home


@pytest.fixture
def course_home(ingested_home, monkeypatch):
    """Points TUTOR_HOME at the ingested course for this test (overrides the per-test empty home)."""
    monkeypatch.setenv("TUTOR_HOME", str(ingested_home))
    get_settings.cache_clear()
    yield ingested_home
    get_settings.cache_clear()


@pytest.fixture
def retriever(course_home, embedder):
    from tutor.retrieval.retriever import Retriever

    return Retriever(get_settings(), embedder=embedder)


@pytest.fixture
def passages(retriever):
    from tutor.generation.exercises import course_passages

    return course_passages(retriever, COURSE)


@pytest.fixture(scope="session")
def local_model():
    from tutor.llm.local import LocalChatModel

    return LocalChatModel()

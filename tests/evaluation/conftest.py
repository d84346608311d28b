"""Fixtures for the eval tests: small suites written to tmp_path, a stub retriever."""

from __future__ import annotations

import pytest
from eval_fixtures import StubRetriever, make_feedback_suite


@pytest.fixture
def stub_retriever():
    return StubRetriever()


@pytest.fixture
def feedback_suite(tmp_path):
    return make_feedback_suite(tmp_path)

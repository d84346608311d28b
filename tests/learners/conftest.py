"""A small course graph in the database (no vector store needed) and a learner in it."""

from __future__ import annotations

import pytest

from tutor.db import session_scope
from tutor.learners.concepts import sync_from_outline
from tutor.learners.profiles import create_learner
from mini_course import COURSE, OUTLINE


@pytest.fixture
def course():
    with session_scope() as session:
        sync_from_outline(session, COURSE, OUTLINE)
    return COURSE


@pytest.fixture
def learner(course):
    with session_scope() as session:
        create_learner(session, "ada", display_name="Ada", goals=["functions"], interests=["games"])
    return "ada"

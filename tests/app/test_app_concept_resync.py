"""Removing a file takes its concepts off the concept map (and putting it back restores them, with
the instructor's prerequisite edits)."""

from __future__ import annotations

import shutil

from tutor.services import authoring, concept_map, progress


def _ids(ctx, course):
    return [cid for _, cid in progress.concepts(ctx, course)]


def test_removed_file_concepts_leave_the_map_and_come_back(ctx, users, course, demo_course, tmp_path):
    teacher = users["teacher"]
    assert _ids(ctx, course) == ["loops", "functions"]
    concept_map.add_prerequisite(ctx, teacher, course, "functions", "loops")
    authoring.remove(ctx, teacher, course, "07-loops.md")
    assert _ids(ctx, course) == ["functions"]
    assert "loops" not in concept_map.svg(ctx, course)
    again = tmp_path / "again.md"
    shutil.copy(demo_course / "07-loops.md", again)
    authoring.upload(ctx, teacher, course, [(str(again), "07-loops.md")])
    assert sorted(_ids(ctx, course)) == ["functions", "loops"]
    from tutor.db import session_scope
    from tutor.learners.concepts import load_graph

    with session_scope(ctx.settings) as session:
        assert load_graph(session, course).prerequisites("functions") == ("loops",)

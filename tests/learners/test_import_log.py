"""Attempt logs of real learners: read both formats, import into a course exactly once, bad rows named by line."""

from __future__ import annotations

import sqlalchemy as sa
from typer.testing import CliRunner

from tutor.cli import app
from tutor.db import session_scope
from tutor.db.models import Attempt, Learner, MasteryState, ReviewCard
from tutor.learners.logs import LogFormatError, read_log, read_skill_map

runner = CliRunner()

LOG = """learner,concept,correct,timestamp,item
kim,basics,1,2024-03-01T10:00:00,q1
kim,Variables,0,2024-03-01T10:05:00,q7
lee,basics,0,2024-03-02T09:00:00,
kim,basics,1,2024-03-01T09:00:00,q1
lee,basics,2,2024-03-02T09:01:00,
lee,cooking,1,2024-03-02T09:02:00,
,basics,1,2024-03-02T09:03:00,
lee,basics,1,yesterday,
lee,basics,1,1709370300,
"""


def _write(tmp_path, text, name="log.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_rows_are_read_in_time_order_and_bad_rows_named_by_line(tmp_path):
    log = read_log(_write(tmp_path, LOG))
    assert log.format == "csv"
    assert [n for n, _ in log.errors] == [6, 8, 9]  # correct=2, empty learner, unreadable timestamp
    assert "correct must be 0 or 1" in dict(log.errors)[6] and "timestamp" in dict(log.errors)[9]
    kim = log.sequences()["kim"]
    assert [(r.line, r.concept, r.correct) for r in kim] == [(5, "basics", 1), (2, "basics", 1), (3, "Variables", 0)]
    assert kim[0].item == "q1" and log.sequences()["lee"][-1].timestamp.year == 2024


def test_three_line_format_reads_learner_blocks_and_names_a_broken_one(tmp_path):
    text = "3\n1,2,1\n1,0,1\n2\n5,6\n1\n2\n3,3\n0,1\n"
    log = read_log(_write(tmp_path, text, "log.txt"))
    assert log.format == "3-line"
    assert log.errors and log.errors[0][0] == 4 and "disagree" in log.errors[0][1]
    assert log.pairs() == {"learner-1": [("1", 1), ("2", 0), ("1", 1)], "learner-3": [("3", 0), ("3", 1)]}


def test_a_skill_map_turns_ids_into_items_of_skills(tmp_path):
    log = read_log(_write(tmp_path, "2\n1,2\n1,0\n", "log.txt"))
    mapping = read_skill_map(_write(tmp_path, "qid\tskillid\tskillname\n1\t7\tforces\n", "map.tsv"))
    mapped, missing = log.with_skills(mapping)
    assert missing == 1  # question 2 has no skill in the map: it stays its own skill
    assert mapped.triples() == {"learner-1": [("7", "1", 1), ("2", "2", 0)]}


def test_import_log_stores_attempts_once_and_moves_mastery_and_reviews(course, tmp_path):
    path = _write(tmp_path, LOG)
    first = runner.invoke(app, ["learner", "import-log", str(path), "--course", course], catch_exceptions=False)
    assert first.exit_code == 0, first.output
    assert "5 attempts stored" in first.output and "0 already there" in first.output and "4 bad rows" in first.output
    for line, words in ((6, "correct must be 0 or 1"), (7, "'cooking' is not in course 'mini'"), (8, "empty learner"),
                        (9, "timestamp")):
        assert f"line {line}: " in first.output and words in first.output
    with session_scope() as session:
        attempts = session.scalars(sa.select(Attempt).order_by(Attempt.created_at, Attempt.id)).all()
        assert {lid for lid in session.scalars(sa.select(Learner.id))} >= {"kim", "lee"}
        kim_basics = session.get(MasteryState, ("kim", course, "basics"))
        assert kim_basics.attempts == 2 and kim_basics.correct == 2
        assert session.get(ReviewCard, ("kim", course, "variables")) is not None  # named by its title in the file
        kim = [(a.concept, a.score, a.item_id, a.created_at.hour) for a in attempts if a.learner_id == "kim"]
    assert kim == [("basics", 1.0, "q1", 9), ("basics", 1.0, "q1", 10), ("variables", 0.0, "q7", 10)]

    again = runner.invoke(app, ["learner", "import-log", str(path), "--course", course], catch_exceptions=False)
    assert "0 attempts stored" in again.output and "5 already there" in again.output
    with session_scope() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Attempt)) == 5
        assert session.get(MasteryState, ("kim", course, "basics")).attempts == 2

    # The same file with one more row: only that row goes in.
    grown = _write(tmp_path, LOG + "lee,loops,1,2024-03-03T09:00:00,\n", "grown.csv")
    third = runner.invoke(app, ["learner", "import-log", str(grown), "--course", course], catch_exceptions=False)
    assert "1 attempts stored" in third.output and "5 already there" in third.output


def test_import_log_without_timestamps_keeps_file_order_and_is_still_idempotent(course, tmp_path):
    text = "learner,skill,correct\nmo,basics,0\nmo,basics,0\nmo,basics,1\n"
    path = _write(tmp_path, text)
    out = runner.invoke(app, ["learner", "import-log", str(path), "--course", course], catch_exceptions=False)
    assert "3 attempts stored" in out.output
    out = runner.invoke(app, ["learner", "import-log", str(path), "--course", course], catch_exceptions=False)
    assert "0 attempts stored" in out.output and "3 already there" in out.output
    with session_scope() as session:
        scores = session.scalars(sa.select(Attempt.score).where(Attempt.learner_id == "mo")
                                 .order_by(Attempt.created_at, Attempt.id)).all()
    assert scores == [0.0, 0.0, 1.0]


def test_a_file_without_the_needed_columns_is_refused_in_one_line(course, tmp_path):
    path = _write(tmp_path, "student,answer\nkim,1\n")
    out = runner.invoke(app, ["learner", "import-log", str(path), "--course", course])
    assert isinstance(out.exception, LogFormatError)  # tutor's main() prints it as one line, exit 2
    assert "missing: learner, concept (or skill), correct" in str(out.exception)

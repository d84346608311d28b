"""The predicted score comes from the best model: BKT until a trained torch model (DKT or SAKT) beats it on held-out AUC."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from tutor.cli import app
from tutor.config import get_settings
from tutor.db import session_scope
from tutor.db.models import Attempt
from tutor.errors import KtModelError
from tutor.learners import simulator
from tutor.learners.attempts import record_attempt
from tutor.learners.concepts import load_graph
from tutor.learners.kt import KtModel, model_path, report_path, train_course
from tutor.learners.mastery import predict_correct
from tutor.learners.prediction import choose_model, predicted_success
from tutor.learners.profiles import create_learner
from tutor.learners.state import load_state

START = datetime(2025, 1, 1, tzinfo=timezone.utc)


def _populate(course: str, learners: int = 30, activities: int = 20) -> None:
    """Simulated learners (random practice) written through the real attempt path."""
    with session_scope() as session:
        graph = load_graph(session, course)
    run = simulator.run(graph, "random", learners=learners, activities=activities, seed=5)
    with session_scope() as session:
        for n in range(learners):
            create_learner(session, f"sim{n}")
        for lid, concept, step, correct in run.log:
            record_attempt(session, learner_id=f"sim{lid}", course=course, concept=concept, score=float(correct),
                           idempotency_key=f"{lid}-{step}", now=START + timedelta(hours=step))


def _write_scores(course: str, **auc: float) -> None:
    report = report_path(get_settings(), course)
    data = json.loads(report.read_text()) if report.exists() else {}
    data["auc"] = auc
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps(data))


def test_without_a_trained_model_the_prediction_is_bkt(learner, course):
    with session_scope() as session:
        record_attempt(session, learner_id=learner, course=course, concept="basics", score=1.0, idempotency_key="a1")
        p = predicted_success(session, learner, course, "basics")
        st = load_state(session, learner, course, ["basics"], START).get("basics")
    assert p.model == "bkt" and "no knowledge-tracing model" in p.reason
    assert p.probability == pytest.approx(predict_correct(st.mastery, st.params))


@pytest.fixture
def trained(course):
    """A course with 30 simulated learners and the torch models trained on them by `train_course` (the real path)."""
    _populate(course)
    report = train_course(course, epochs=5)
    return course, report


def test_the_trained_model_is_chosen_by_its_saved_auc_and_really_loaded(trained):
    course, report = trained
    assert set(report.auc) == {"bkt", "dkt", "sakt"} and set(report.model_paths) == {"dkt", "sakt"}
    # The real report decides first: whichever model won on held-out learners is used.
    assert choose_model(course).model == report.best == max(report.auc, key=report.auc.get)

    with session_scope() as session:
        bkt = predict_correct(load_state(session, "sim0", course, ["loops"], START).get("loops").mastery)
        attempts = session.scalars(sa.select(Attempt).where(Attempt.learner_id == "sim0", Attempt.course == course)
                                   .order_by(Attempt.created_at, Attempt.id))
        history = [(a.concept, int(a.score >= 0.5)) for a in attempts]
    for kind in ("dkt", "sakt"):
        others = {"dkt": 0.70, "sakt": 0.70, kind: 0.80}
        _write_scores(course, bkt=0.65, **others)
        with session_scope() as session:
            p = predicted_success(session, "sim0", course, "loops")
        assert p.model == kind and "0.800" in p.reason
        # The number is the saved model's own prediction for this learner's history (loaded from disk here).
        loaded = KtModel.load(model_path(get_settings(), course, kind))
        assert loaded.kind == kind
        assert p.probability == pytest.approx(loaded.predict([history + [("loops", 0)]])[0][-1])
        assert p.probability != pytest.approx(bkt, abs=1e-6)

    _write_scores(course, bkt=0.70, dkt=0.60, sakt=0.70)  # a tie goes to BKT
    with session_scope() as session:
        p = predicted_success(session, "sim0", course, "loops")
    assert p.model == "bkt" and p.probability == pytest.approx(bkt) and "BKT predicts at least as well" in p.reason


def test_next_and_show_say_which_model_predicted(trained):
    course, _ = trained
    _write_scores(course, bkt=0.70, dkt=0.80, sakt=0.75)
    runner = CliRunner()
    nxt = json.loads(runner.invoke(app, ["next", "-l", "sim1", "-c", course, "--no-content", "--json"],
                                   catch_exceptions=False).output)
    assert nxt["activities"], "a simulated learner has something to do"
    for activity in nxt["activities"]:
        assert activity["predicted_success"]["model"] == "dkt"
        assert 0.0 < activity["predicted_success"]["probability"] < 1.0
    shown = runner.invoke(app, ["learner", "show", "sim1", "-c", course], catch_exceptions=False).output
    assert "by DKT" in shown


def test_a_report_naming_a_missing_model_is_a_clear_error(course, learner):
    _write_scores(course, bkt=0.6, sakt=0.9)  # report only, no model file
    with pytest.raises(KtModelError, match="model file is missing"):
        choose_model(course)


def test_a_report_from_the_older_single_model_train_kt_falls_back_to_bkt(course, learner):
    report = report_path(get_settings(), course)
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps({"auc_kt": 0.9, "auc_bkt": 0.6, "model_path": "kt-mini.pt"}))
    choice = choose_model(course)
    assert choice.model == "bkt" and "run tutor train-kt again" in choice.reason

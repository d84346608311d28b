"""Models that learn from attempt logs: pyBKT fitting, the torch KT model, and the simulator's verdict."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tutor.db import session_scope
from tutor.learners import simulator
from tutor.learners.attempts import record_attempt
from tutor.learners.concepts import ConceptNode, CourseGraph
from tutor.learners.fit import fit_course, fit_log
from tutor.learners.kt import bkt_predict, score, split_learners, train
from tutor.learners.mastery import DEFAULT_PARAMS
from tutor.learners.profiles import create_learner
from tutor.learners.state import load_params


def _chain(n: int) -> CourseGraph:
    graph = CourseGraph("sim")
    for i in range(n):
        graph.concepts[f"c{i}"] = ConceptNode(f"c{i}", f"Concept {i}", i, (f"c{i-1}",) if i else ())
    return graph


def _sequences(graph, policy="random", learners=60, activities=30):
    run = simulator.run(graph, policy, learners=learners, activities=activities, seed=3)
    seqs: dict[str, list[tuple[str, int]]] = {}
    for learner, concept, _, correct in run.log:
        seqs.setdefault(str(learner), []).append((concept, correct))
    return seqs


def test_pybkt_fit_on_a_simulated_log_moves_parameters_off_the_defaults():
    seqs = _sequences(_chain(2), learners=40, activities=20)
    fitted = fit_log([(lid, c, k) for lid, seq in seqs.items() for c, k in seq])
    for row in fitted.values():
        assert row.fitted
        assert row.params != DEFAULT_PARAMS
        assert 0.0 < row.params.p_guess <= 0.4 and 0.0 < row.params.p_slip <= 0.3


def test_too_little_data_keeps_the_defaults():
    fitted = fit_log([("a", "c0", 1), ("a", "c0", 0), ("b", "c0", 1)])
    assert not fitted["c0"].fitted and fitted["c0"].params == DEFAULT_PARAMS


def test_tutor_fit_stores_parameters_that_later_attempts_use(course):
    seqs = _sequences(_chain(1), learners=24, activities=12)
    from datetime import datetime, timezone

    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    with session_scope() as session:
        for lid, seq in seqs.items():
            create_learner(session, f"sim{lid}")
            for n, (_, correct) in enumerate(seq):
                record_attempt(session, learner_id=f"sim{lid}", course=course, concept="basics", score=float(correct),
                               idempotency_key=f"{lid}-{n}", now=start + timedelta(hours=n))
    report = fit_course(course, min_attempts=100)
    basics = next(r for r in report if r.concept == "basics")
    assert basics.fitted and basics.attempts == sum(map(len, seqs.values()))
    assert next(r for r in report if r.concept == "loops").fitted is False
    with session_scope() as session:
        assert load_params(session, course)["basics"] == basics.params


def test_kt_model_trains_and_beats_chance_on_held_out_learners():
    graph = _chain(3)
    seqs = _sequences(graph, learners=80, activities=30)
    train_ids, test_ids = split_learners(sorted(seqs))
    assert train_ids and test_ids and not set(train_ids) & set(test_ids)
    model = train([seqs[i] for i in train_ids], graph.order, epochs=15, seed=0)
    test = [seqs[i] for i in test_ids]
    auc, logloss = score(model.predict(test), test)
    assert auc > 0.6  # chance is 0.5
    assert logloss < 0.693  # better than predicting 50% for everything
    assert [len(p) for p in model.predict(test)] == [len(s) for s in test]
    bkt_auc, _ = score(bkt_predict(test), test)
    assert bkt_auc > 0.5


def test_kt_model_round_trips_through_a_file(tmp_path):
    graph = _chain(2)
    seqs = list(_sequences(graph, learners=10, activities=10).values())
    model = train(seqs, graph.order, epochs=2)
    model.save(tmp_path / "kt.pt")
    from tutor.learners.kt import KtModel

    loaded = KtModel.load(tmp_path / "kt.pt").predict(seqs[:2])
    for mine, theirs in zip(model.predict(seqs[:2]), loaded):
        assert theirs == pytest.approx(mine)


def test_simulated_recommender_masters_more_than_fixed_order_and_random():
    graph = simulator.graph_from_chapters(simulator.__file__.rsplit("/tutor/", 1)[0] + "/knowledge/intro-python")
    assert len(graph.order) == 12
    mastered = {p: sum(simulator.run(graph, p, learners=40, activities=60, seed=1).mastered) for p in ("recommender", "fixed", "random")}
    assert mastered["recommender"] > mastered["fixed"] > mastered["random"]

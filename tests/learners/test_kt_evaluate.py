"""`tutor kt evaluate` on small generated logs, and the torch models never read an answer they predict."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tutor.cli import app
from tutor.learners import kt, simulator
from tutor.learners.concepts import ConceptNode, CourseGraph

runner = CliRunner()


def _chain(n: int) -> CourseGraph:
    graph = CourseGraph("sim")
    for i in range(n):
        graph.concepts[f"c{i}"] = ConceptNode(f"c{i}", f"Concept {i}", i, (f"c{i-1}",) if i else ())
    return graph


def _logs(learners: int, seed: int) -> dict[str, list[tuple[str, int]]]:
    run = simulator.run(_chain(3), "random", learners=learners, activities=30, seed=seed)
    seqs: dict[str, list[tuple[str, int]]] = {}
    for learner, concept, _, correct in run.log:
        seqs.setdefault(f"s{seed}-{learner}", []).append((concept, correct))
    return seqs


def _csv(path, seqs):
    lines = ["learner,concept,correct"] + [f"{lid},{c},{k}" for lid, seq in seqs.items() for c, k in seq]
    path.write_text("\n".join(lines) + "\n")
    return path


def _three_line(path, seqs):
    ids = {"c0": "1", "c1": "2", "c2": "3"}
    blocks = [f"{len(s)}\n{','.join(ids[c] for c, _ in s)}\n{','.join(str(k) for _, k in s)}" for s in seqs.values()]
    path.write_text("\n".join(blocks) + "\n")
    return path


@pytest.mark.parametrize("fmt", [_csv, _three_line])
def test_evaluate_prints_every_model_in_one_json_object(tmp_path, fmt):
    train = fmt(tmp_path / "train", _logs(40, seed=1))
    test = fmt(tmp_path / "test", _logs(20, seed=2))
    out = runner.invoke(app, ["kt", "evaluate", "--train", str(train), "--test", str(test), "--json", "--epochs", "4",
                              "--hidden", "16", "--quiet"], catch_exceptions=False)
    assert out.exit_code == 0, out.output
    result = json.loads(out.output)
    for model in ("bkt", "pfa", "dkt", "sakt"):
        assert 0.5 < result[f"auc_{model}"] <= 1.0, (model, result[f"auc_{model}"])  # better than chance
        assert 0.0 < result[f"logloss_{model}"] < 0.693  # better than predicting 50% for every answer
        assert result[f"seconds_{model}"] >= 0
    assert result["test"]["answers"] == 20 * 30 and result["train"]["learners"] == 40
    assert result["best"] in ("bkt", "pfa", "dkt", "sakt") and len(result["load_average"]) == 3

    table = runner.invoke(app, ["kt", "evaluate", "--train", str(train), "--test", str(test), "--models", "pfa,bkt",
                                "--quiet"], catch_exceptions=False).output
    assert "PFA (logistic)" in table and "BKT (pyBKT)" in table and "DKT" not in table.split("best:")[0]


def test_an_unknown_model_or_an_empty_file_is_a_clear_error(tmp_path):
    log = _csv(tmp_path / "log.csv", _logs(5, seed=1))
    out = runner.invoke(app, ["kt", "evaluate", "--train", str(log), "--test", str(log), "--models", "dkt,akt"])
    assert "Unknown model(s) akt" in str(out.exception)
    (tmp_path / "empty.csv").write_text("")
    out = runner.invoke(app, ["kt", "evaluate", "--train", str(tmp_path / "empty.csv"), "--test", str(log)])
    assert "the file is empty" in str(out.exception)


@pytest.mark.parametrize("kind", kt.KINDS)
def test_a_prediction_never_depends_on_the_answer_it_predicts_or_later_ones(kind):
    seqs = list(_logs(30, seed=3).values())
    model = kt.train(seqs, ["c0", "c1", "c2"], kind=kind, epochs=2, hidden=16, window=8)
    seq = seqs[0][:20]  # longer than the window: predicted through sliding windows
    base = model.predict([seq])[0]
    assert len(base) == len(seq)
    for t in (0, 5, 9, 19):
        flipped = [*seq[:t], (seq[t][0], 1 - seq[t][1]), *seq[t + 1:]]
        changed = model.predict([flipped])[0]
        assert changed[:t + 1] == pytest.approx(base[:t + 1])  # up to and including t: unchanged
        if t < 19:
            assert changed[t + 1:] != pytest.approx(base[t + 1:])  # the answer is used after it is given


def test_a_concept_never_seen_in_training_is_predicted_not_refused():
    seqs = list(_logs(20, seed=4).values())
    model = kt.train(seqs, ["c0", "c1", "c2"], kind="dkt", epochs=1, hidden=8)
    probs = model.predict([[("c0", 1), ("brand-new", 0), ("c1", 1)]])[0]
    assert len(probs) == 3 and all(0.0 < p < 1.0 for p in probs)


def test_the_best_model_is_the_highest_auc_and_bkt_wins_ties_and_nan():
    assert kt.best_model({"bkt": 0.7, "dkt": 0.8, "sakt": 0.75}) == "dkt"
    assert kt.best_model({"bkt": 0.8, "dkt": 0.8}) == "bkt"
    assert kt.best_model({"bkt": float("nan"), "dkt": float("nan")}) == "bkt"
    assert kt.best_model({"bkt": float("nan"), "sakt": 0.6}) == "sakt"

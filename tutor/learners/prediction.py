"""The predicted score shown to learners and instructors: from whichever model predicts the course best.

`tutor train-kt` trains the torch candidates (DKT, SAKT), scores them and BKT on the same held-out
learners of the course, saves the torch models (`kt-COURSE-dkt.pt`, `kt-COURSE-sakt.pt`) and a report
(`kt-COURSE.json`) with every candidate's AUC. A torch model is used only when that report says it has the highest AUC
and its file is there; otherwise BKT (always available, with default parameters before a fit). Every
prediction says which model produced it and why, so a number on screen can be traced.
Shortcuts: the choice is per course, not per concept; a learner history longer than the model's
MAX_LEN keeps its most recent answers; a concept the model was not trained on falls back to BKT.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tutor.config import Settings, get_settings
from tutor.db.models import Attempt, utcnow
from tutor.errors import KtModelError
from tutor.learners.mastery import is_correct, predict_correct

ModelName = Literal["bkt", "dkt", "sakt"]
LABELS = {"bkt": "BKT", "dkt": "DKT", "sakt": "SAKT"}


@dataclass(frozen=True)
class Prediction:
    probability: float  # P(the learner's next answer on the concept is right)
    model: ModelName
    reason: str

    def as_dict(self) -> dict:
        return {"probability": round(self.probability, 3), "model": self.model, "reason": self.reason}


@dataclass(frozen=True)
class ModelChoice:
    model: ModelName
    reason: str
    path: Path | None = None  # the torch model file when the model is not BKT


def choose_model(course: str, settings: Settings | None = None) -> ModelChoice:
    """Which model predicts for `course`, from the report `train-kt` wrote beside the model."""
    from tutor.learners.kt import best_model, model_path, report_path

    settings = settings or get_settings()
    report_file = report_path(settings, course)
    if not report_file.exists():
        return ModelChoice("bkt", "no knowledge-tracing model has been trained for this course (tutor train-kt)")
    try:
        report = json.loads(report_file.read_text(encoding="utf-8"))
        if isinstance(report, dict) and "auc" not in report and "auc_kt" in report:
            # Written by the single-model train-kt of earlier versions: its model file is not used any more.
            return ModelChoice("bkt", "the knowledge-tracing models were trained by an older version; run tutor train-kt again")
        auc = {str(k): float(v) for k, v in report["auc"].items()}
        auc["bkt"]  # noqa: B018 - every report scores BKT
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise KtModelError(report_file, f"the report is unreadable ({exc!r}); run tutor train-kt again") from exc
    scores = "held-out AUC: " + ", ".join(f"{LABELS.get(m, m)} {v:.3f}" for m, v in auc.items())
    best = best_model(auc)
    if best == "bkt":
        return ModelChoice("bkt", f"BKT predicts at least as well ({scores})")
    if best not in LABELS:
        raise KtModelError(report_file, f"the report names an unknown model {best!r}; run tutor train-kt again")
    path = model_path(settings, course, best)
    if not path.exists():
        raise KtModelError(path, "the report says the model is better, but the model file is missing")
    return ModelChoice(best, f"{LABELS[best]} predicts best ({scores})", path)


_loaded: dict[tuple[str, float], object] = {}  # (path, mtime) -> KtModel: load once per trained file


def _load(path: Path):
    from tutor.learners.kt import KtModel

    key = (str(path), path.stat().st_mtime)
    if key not in _loaded:
        try:
            _loaded[key] = KtModel.load(path)
        except (OSError, RuntimeError, KeyError, ValueError) as exc:
            raise KtModelError(path, f"the model cannot be loaded ({exc})") from exc
    return _loaded[key]


def _history(session: Session, learner_id: str, course: str) -> list[tuple[str, int]]:
    rows = session.execute(sa.select(Attempt.concept, Attempt.score, Attempt.hints_used)
                           .where(Attempt.learner_id == learner_id, Attempt.course == course)
                           .order_by(Attempt.created_at, Attempt.id)).all()
    return [(concept, int(is_correct(score, hints))) for concept, score, hints in rows]


def predict_concepts(session: Session, learner_id: str, course: str, concepts: list[str], *,
                     settings: Settings | None = None) -> dict[str, Prediction]:
    """Predictions for several concepts of one learner at once (one model load, one history read)."""
    from tutor.learners.kt import MAX_LEN
    from tutor.learners.state import load_state

    choice = choose_model(course, settings)
    state = load_state(session, learner_id, course, concepts, utcnow())  # also checks the learner exists
    out: dict[str, Prediction] = {}
    model = _load(choice.path) if choice.model != "bkt" else None
    if model is not None and model.kind != choice.model:
        raise KtModelError(choice.path, f"the report names {choice.model} but the file holds {model.kind}; run tutor train-kt again")
    history = _history(session, learner_id, course)[-(MAX_LEN - 1):] if model else []
    for concept in concepts:
        if model is not None and concept in model.concepts:
            # The model predicts each answer from the answers before it, so the label of the appended
            # step is never read: its prediction is the chance of getting `concept` right next.
            probs = model.predict([[*history, (concept, 0)]])[0]
            out[concept] = Prediction(float(probs[-1]), choice.model, choice.reason)
            continue
        st = state.get(concept)
        reason = choice.reason if model is None else "the knowledge-tracing model was not trained on this concept; BKT is used"
        out[concept] = Prediction(predict_correct(st.mastery, st.params), "bkt", reason)
    return out


def predicted_success(session: Session, learner_id: str, course: str, concept: str, *,
                      settings: Settings | None = None) -> Prediction:
    """P(this learner answers the next question on `concept` right), from the course's best model."""
    return predict_concepts(session, learner_id, course, [concept], settings=settings)[concept]

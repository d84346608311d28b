"""`tutor kt evaluate`: knowledge-tracing models compared the way the field does, on real attempt logs.

Every model is trained on the train file only and scored on every answer of the test file (AUC and
log-loss over all test answers, each predicted from that learner's earlier answers only). Validation,
where a model needs it (early stopping of the torch models), uses held-out *training* learners.
Models: BKT fitted with pyBKT (one skill at a time; skills never seen in training get the training
share correct), PFA (pfa.py), the project's DKT, and SAKT with AKT's distance decay (kt.py).
Seconds are the wall-clock time each model takes to train (prediction excluded), on this machine
under whatever load it carries (reported by `load_average`).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

import numpy as np

from tutor.learners import kt, pfa
from tutor.learners.logs import AttemptLog

MODELS = ("bkt", "pfa", "dkt", "sakt")
BKT_MIN_ATTEMPTS, BKT_MIN_LEARNERS = 10, 3  # fewer: the skill keeps BKT's default parameters
NAMES = {"bkt": "BKT (pyBKT)", "pfa": "PFA (logistic)", "dkt": "DKT (LSTM)", "sakt": "SAKT + AKT decay"}
Sequence = kt.Sequence


@dataclass
class Settings:
    epochs: int = 40
    hidden: int = 100
    sakt_hidden: int = 64
    seed: int = 0
    budget_s: float = 420.0  # per torch model: the four together stay within 15 minutes here
    bkt_fits: int = 1
    threads: int = 2


@dataclass
class Evaluation:
    train: dict
    test: dict
    results: dict[str, dict] = field(default_factory=dict)  # model -> auc, logloss, seconds, ...
    load_average: list[float] = field(default_factory=list)

    @property
    def best(self) -> str:
        return max((m for m in self.results if self.results[m]["auc"] == self.results[m]["auc"]),
                   key=lambda m: self.results[m]["auc"], default="")

    def as_dict(self) -> dict:
        out: dict = {"train": self.train, "test": self.test}
        for m, r in self.results.items():
            out[f"auc_{m}"] = r["auc"]
            out[f"logloss_{m}"] = r["logloss"]
            out[f"seconds_{m}"] = r["seconds"]
        out["best"] = self.best
        out["models"] = {m: {**r, "name": NAMES.get(m, m)} for m, r in self.results.items()}
        out["load_average"] = self.load_average
        return out

    def table(self) -> str:
        lines = [f"train: {self.train['learners']} learners, {self.train['answers']} answers; "
                 f"test: {self.test['learners']} learners, {self.test['answers']} answers, "
                 f"{self.test['unseen_concepts']} concepts unseen in training",
                 f"{'model':<18} {'AUC':>6} {'log-loss':>9} {'train s':>8}"]
        for m, r in self.results.items():
            lines.append(f"{NAMES.get(m, m):<18} {r['auc']:>6.4f} {r['logloss']:>9.4f} {r['seconds']:>8.1f}")
        lines.append(f"best: {NAMES.get(self.best, self.best)}; load average during the run "
                     f"{' '.join(f'{x:.2f}' for x in self.load_average)} (1, 5, 15 min) on {os.cpu_count()} cores")
        return "\n".join(lines)


def _describe(seqs: dict[str, Sequence], known: set[str] | None = None) -> dict:
    concepts = {c for s in seqs.values() for c, _ in s}
    out = {"learners": len(seqs), "answers": sum(map(len, seqs.values())), "concepts": len(concepts),
           "share_correct": round(float(np.mean([k for s in seqs.values() for _, k in s])) if seqs else 0.0, 4)}
    if known is not None:
        out["unseen_concepts"] = len(concepts - known)
    return out


def bkt_fit_predict(train: list[Sequence], test: list[Sequence], *, seed: int = 0, num_fits: int = 1):
    """BKT fitted per skill with pyBKT on `train` (fit.fit_log: EM, then the tutor's identifiability limits);
    the tutor's own BKT then predicts every answer of `test`. Returns (predictions, fit seconds)."""
    from tutor.learners.fit import fit_log

    started = time.perf_counter()
    rows = [(str(u), c, k) for u, s in enumerate(train) for c, k in s]
    fitted = fit_log(rows, min_attempts=BKT_MIN_ATTEMPTS, min_learners=BKT_MIN_LEARNERS, seed=seed, num_fits=num_fits)
    seconds = time.perf_counter() - started
    return kt.bkt_predict(test, {c: row.params for c, row in fitted.items()}), seconds


def evaluate(train_log: AttemptLog, test_log: AttemptLog, *, models: tuple[str, ...] = MODELS,
             settings: Settings | None = None, log=None) -> Evaluation:
    """BKT traces skills (the log's concepts); the torch models trace items when every answer names one
    (the field's DKT/DKVMN results on Statics2011 are per question), else concepts; PFA counts practice
    per skill with a difficulty per item."""
    import torch

    settings = settings or Settings()
    torch.set_num_threads(max(1, settings.threads))
    by = "item" if train_log.has_items and test_log.has_items else "concept"
    train_map, test_map = train_log.pairs(), test_log.pairs()
    train_skills, test_skills = list(train_map.values()), list(test_map.values())
    train_items, test_items = list(train_log.pairs(by).values()), list(test_log.pairs(by).values())
    concepts = sorted({c for s in train_items for c, _ in s})
    result = Evaluation(_describe(train_map), _describe(test_map, {c for s in train_skills for c, _ in s}))
    result.train["torch_models_trace"] = result.test["torch_models_trace"] = "items" if by == "item" else "concepts"
    for name in models:
        if log:
            log(f"training {NAMES.get(name, name)} ...")
        started = time.perf_counter()
        extra: dict = {}
        if name == "bkt":
            preds, seconds = bkt_fit_predict(train_skills, test_skills, seed=settings.seed, num_fits=settings.bkt_fits)
        elif name == "pfa":
            model = pfa.train(list(train_log.triples().values()))
            seconds = time.perf_counter() - started
            preds = model.predict(list(test_log.triples().values()))
        elif name in kt.KINDS:
            hidden = settings.hidden if name == "dkt" else settings.sakt_hidden
            model = kt.train(train_items, concepts, kind=name, epochs=settings.epochs, hidden=hidden, seed=settings.seed,
                             budget_s=settings.budget_s, log=log)
            seconds = time.perf_counter() - started
            preds = model.predict(test_items)
            extra = {"epochs": len(model.history), "hidden": hidden,
                     "best_valid_auc": max((e.get("valid_auc", 0) for e in model.history), default=None)}
        else:
            raise ValueError(f"unknown model {name!r}; known: {', '.join(MODELS)}")
        auc, logloss = kt.score(preds, test_skills)  # every view keeps the same answers in the same order
        result.results[name] = {"auc": round(auc, 4), "logloss": round(logloss, 4), "seconds": round(seconds, 1), **extra}
        if log:
            log(f"{NAMES.get(name, name)}: AUC {auc:.4f}, log-loss {logloss:.4f}, {seconds:.1f} s")
    result.load_average = [round(x, 2) for x in os.getloadavg()]
    return result

"""Performance prediction with a small DKT model (Piech et al. 2015) in torch, compared with BKT.

Input at step t is the previous (concept, right/wrong) pair as one token (a start token at t=0);
an LSTM reads the sequence and predicts, for every concept, the chance the next answer is right;
the loss reads the prediction for the concept actually asked. Evaluation is on held-out learners
(split by learner, never by row) with AUC and log-loss, beside BKT's predictions on the same rows.
Shortcuts: one layer, a fixed split, full-batch Adam, no early stopping beyond a fixed epoch count;
sequences are cut to MAX_LEN steps. torch is imported inside functions (`tutor --help` stays fast).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from tutor.learners.mastery import DEFAULT_PARAMS, BktParams, predict_correct, update

MAX_LEN = 200
Sequence = list[tuple[str, int]]  # one learner's (concept, correct) in time order


@dataclass
class KtReport:
    course: str
    train_learners: int
    test_learners: int
    test_answers: int
    auc_kt: float
    auc_bkt: float
    logloss_kt: float
    logloss_bkt: float
    model_path: str = ""

    @property
    def kt_is_better(self) -> bool:
        return self.auc_kt > self.auc_bkt

    def summary(self) -> str:
        winner = "the torch model" if self.kt_is_better else "BKT"
        return (f"held-out learners: {self.test_learners} ({self.test_answers} answers); trained on {self.train_learners}\n"
                f"AUC      KT {self.auc_kt:.3f}   BKT {self.auc_bkt:.3f}\n"
                f"log-loss KT {self.logloss_kt:.3f}   BKT {self.logloss_bkt:.3f}\n"
                f"better by AUC: {winner}" + (f"\nsaved {self.model_path}" if self.model_path else ""))


def split_learners(learners: list[str], test_share: float = 0.2) -> tuple[list[str], list[str]]:
    """A stable split by a hash of the learner id, so re-training tests on the same people."""
    test = [lid for lid in learners if int(hashlib.sha256(lid.encode()).hexdigest(), 16) % 1000 < test_share * 1000]
    test_set = set(test)
    return [lid for lid in learners if lid not in test_set], test


def _build(n_concepts: int, hidden: int):
    import torch

    class Dkt(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = torch.nn.Embedding(2 * n_concepts + 1, hidden)  # +1: the start token
            self.lstm = torch.nn.LSTM(hidden, hidden, batch_first=True)
            self.out = torch.nn.Linear(hidden, n_concepts)

        def forward(self, tokens):
            states, _ = self.lstm(self.embed(tokens))
            return self.out(states)

    return Dkt()


def _tensors(sequences: list[Sequence], index: dict[str, int]):
    import torch

    n = len(index)
    length = max(1, max((min(len(s), MAX_LEN) for s in sequences), default=1))
    tokens = torch.full((len(sequences), length), 2 * n, dtype=torch.long)
    asked = torch.zeros((len(sequences), length), dtype=torch.long)
    target = torch.zeros((len(sequences), length))
    mask = torch.zeros((len(sequences), length), dtype=torch.bool)
    for row, seq in enumerate(sequences):
        seq = seq[:MAX_LEN]
        for t, (concept, correct) in enumerate(seq):
            c = index[concept]
            asked[row, t], target[row, t], mask[row, t] = c, float(correct), True
            if t + 1 < length:
                tokens[row, t + 1] = 2 * c + int(correct)
    return tokens, asked, target, mask


@dataclass
class KtModel:
    concepts: list[str]
    hidden: int
    net: object

    def predict(self, sequences: list[Sequence]) -> list[list[float]]:
        """P(correct) for every answer of every sequence, given only the answers before it."""
        import torch

        index = {c: i for i, c in enumerate(self.concepts)}
        tokens, asked, _, mask = _tensors(sequences, index)
        self.net.eval()
        with torch.no_grad():
            probs = torch.sigmoid(self.net(tokens).gather(2, asked.unsqueeze(-1)).squeeze(-1))
        return [probs[row, : int(mask[row].sum())].tolist() for row in range(len(sequences))]

    def save(self, path: Path) -> None:
        import torch

        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save({"concepts": self.concepts, "hidden": self.hidden, "state": self.net.state_dict()}, path)

    @classmethod
    def load(cls, path: Path) -> KtModel:
        import torch

        data = torch.load(path, weights_only=True)
        net = _build(len(data["concepts"]), data["hidden"])
        net.load_state_dict(data["state"])
        return cls(list(data["concepts"]), data["hidden"], net)


def train(sequences: list[Sequence], concepts: list[str], *, epochs: int = 30, hidden: int = 32, lr: float = 0.01,
          seed: int = 0) -> KtModel:
    import torch

    torch.manual_seed(seed)
    index = {c: i for i, c in enumerate(concepts)}
    tokens, asked, target, mask = _tensors(sequences, index)
    net = _build(len(concepts), hidden)
    optimiser = torch.optim.Adam(net.parameters(), lr=lr)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    batch = 64
    generator = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        net.train()
        for rows in torch.randperm(len(sequences), generator=generator).split(batch):
            logits = net(tokens[rows]).gather(2, asked[rows].unsqueeze(-1)).squeeze(-1)
            loss = loss_fn(logits[mask[rows]], target[rows][mask[rows]])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    return KtModel(list(concepts), hidden, net)


def bkt_predict(sequences: list[Sequence], params: dict[str, BktParams] | None = None) -> list[list[float]]:
    """BKT's P(correct) for every answer, each concept traced on its own (BKT's independence assumption)."""
    params = params or {}
    out = []
    for seq in sequences:
        mastery: dict[str, float] = {}
        preds = []
        for concept, correct in seq[:MAX_LEN]:
            p = params.get(concept, DEFAULT_PARAMS)
            current = mastery.get(concept, p.p_init)
            preds.append(predict_correct(current, p))
            mastery[concept] = update(current, bool(correct), p)
        out.append(preds)
    return out


def score(predictions: list[list[float]], sequences: list[Sequence]) -> tuple[float, float]:
    """(AUC, log-loss) over every answer."""
    from sklearn.metrics import log_loss, roc_auc_score

    y = np.array([c for seq in sequences for _, c in seq[:MAX_LEN]], dtype=float)
    p = np.clip(np.array([x for row in predictions for x in row], dtype=float), 1e-6, 1 - 1e-6)
    if len(set(y)) < 2:
        return float("nan"), float(log_loss(y, p, labels=[0, 1]))
    return float(roc_auc_score(y, p)), float(log_loss(y, p))


def compare(train_seqs: list[Sequence], test_seqs: list[Sequence], concepts: list[str], *,
            bkt_params: dict[str, BktParams] | None = None, epochs: int = 30, seed: int = 0) -> tuple[KtModel, dict]:
    model = train(train_seqs, concepts, epochs=epochs, seed=seed)
    auc_kt, ll_kt = score(model.predict(test_seqs), test_seqs)
    auc_bkt, ll_bkt = score(bkt_predict(test_seqs, bkt_params), test_seqs)
    return model, {"auc_kt": auc_kt, "auc_bkt": auc_bkt, "logloss_kt": ll_kt, "logloss_bkt": ll_bkt}


def model_path(settings, course: str) -> Path:
    return settings.home / "models" / f"kt-{course}.pt"


def train_course(course: str, *, epochs: int = 30, seed: int = 0, settings=None) -> KtReport:
    """Train on the course's attempt log, evaluate on held-out learners, save model and report."""
    import sqlalchemy as sa

    from tutor.config import get_settings
    from tutor.db import session_scope
    from tutor.db.models import Attempt
    from tutor.errors import NotEnoughDataError
    from tutor.learners.concepts import load_graph
    from tutor.learners.mastery import is_correct
    from tutor.learners.state import load_params

    settings = settings or get_settings()
    with session_scope(settings) as session:
        graph = load_graph(session, course)
        params = load_params(session, course)
        rows = session.execute(sa.select(Attempt.learner_id, Attempt.concept, Attempt.score)
                               .where(Attempt.course == course).order_by(Attempt.created_at, Attempt.id)).all()
    by_learner: dict[str, Sequence] = {}
    for learner, concept, value in rows:
        if concept in graph.concepts:
            by_learner.setdefault(learner, []).append((concept, int(is_correct(value))))
    train_ids, test_ids = split_learners(sorted(by_learner))
    if len(train_ids) < 5 or len(test_ids) < 2:
        raise NotEnoughDataError(
            f"Course '{course}' has attempts from {len(by_learner)} learners; the knowledge-tracing model needs at least "
            "about 10 (a fifth are held out to test it). BKT is used until then.")
    model, metrics = compare([by_learner[i] for i in train_ids], [by_learner[i] for i in test_ids], graph.order,
                             bkt_params=params, epochs=epochs, seed=seed)
    path = model_path(settings, course)
    model.save(path)
    report = KtReport(course, len(train_ids), len(test_ids), sum(len(by_learner[i]) for i in test_ids),
                      model_path=str(path), **metrics)
    path.with_suffix(".json").write_text(json.dumps(asdict(report), indent=2), encoding="utf-8")
    return report

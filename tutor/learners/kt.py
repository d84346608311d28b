"""Knowledge tracing in torch: DKT (Piech et al. 2015) and an attention model (SAKT, Pandey & Karypis 2019).

Both predict, for every answer of a learner, the chance it is right from the answers before it.
Input at step t is the previous (concept, right/wrong) pair as one token (a start token at t=0).
- DKT: an LSTM reads the tokens; a linear layer gives every concept's chance; the loss reads the
  concept actually asked.
- SAKT: the concept asked at t attends over the interaction tokens up to t (causal), with AKT's
  monotonic decay (Ghosh et al. 2020: each head's attention falls off exponentially with how many
  answers ago, a learnt rate per head) and AKT's prediction layer (an MLP over the attended state and
  the asked concept's embedding).
Long histories: training cuts each learner into windows of WINDOW answers (a random offset per epoch,
so every context length is seen); prediction slides windows by half a window, so each answer is
predicted with between WINDOW/2 and WINDOW answers of context, never from a later answer.
Training stops early on held-out *training* learners (split by learner, never by row) and keeps the
best epoch; a time budget caps it. A concept never seen in training maps to one shared 'unknown' slot.
torch is imported inside functions (`tutor --help` stays fast).
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from tutor.learners.mastery import DEFAULT_PARAMS, BktParams, predict_correct, update

WINDOW = 200
MAX_LEN = WINDOW  # the app keeps a learner's most recent MAX_LEN - 1 answers as context
KINDS = ("dkt", "sakt")
Sequence = list[tuple[str, int]]  # one learner's (concept, correct) in time order


@dataclass
class KtConfig:
    kind: str = "dkt"
    hidden: int = 64  # LSTM width (DKT) or model width (SAKT)
    heads: int = 4  # SAKT
    dropout: float = 0.2
    window: int = WINDOW


def split_learners(learners: list[str], test_share: float = 0.2, salt: str = "") -> tuple[list[str], list[str]]:
    """A stable split by a hash of the learner id, so re-training tests on the same people."""
    test = [lid for lid in learners
            if int(hashlib.sha256((salt + lid).encode()).hexdigest(), 16) % 1000 < test_share * 1000]
    test_set = set(test)
    return [lid for lid in learners if lid not in test_set], test


def _build(n_concepts: int, config: KtConfig):
    """The network for `config.kind`; forward(tokens, asked) -> logits (batch, time) for the asked concepts."""
    import torch
    from torch import nn

    n_tokens = 2 * n_concepts + 1  # (concept, right/wrong) pairs, +1: the start token
    d = config.hidden

    class Dkt(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(n_tokens, d)
            self.lstm = nn.LSTM(d, d, batch_first=True)
            self.drop = nn.Dropout(config.dropout)
            self.out = nn.Linear(d, n_concepts)

        def forward(self, tokens, asked):
            states, _ = self.lstm(self.embed(tokens))
            return self.out(self.drop(states)).gather(2, asked.unsqueeze(-1)).squeeze(-1)

    class Sakt(nn.Module):
        def __init__(self):
            super().__init__()
            self.interaction = nn.Embedding(n_tokens, d)
            self.concept = nn.Embedding(n_concepts, d)
            self.position = nn.Embedding(config.window, d)
            self.q, self.k, self.v = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)
            self.attn_out = nn.Linear(d, d)
            self.decay = nn.Parameter(torch.linspace(-3.0, 0.0, config.heads))  # softplus -> per-head rate
            self.norm1, self.norm2 = nn.LayerNorm(d), nn.LayerNorm(d)
            self.ffn = nn.Sequential(nn.Linear(d, 2 * d), nn.ReLU(), nn.Dropout(config.dropout), nn.Linear(2 * d, d))
            self.drop = nn.Dropout(config.dropout)
            self.predict = nn.Sequential(nn.Linear(2 * d, d), nn.ReLU(), nn.Dropout(config.dropout), nn.Linear(d, 1))

        def forward(self, tokens, asked):
            b, t = tokens.shape
            h, dh = config.heads, d // config.heads
            pos = self.position(torch.arange(t, device=tokens.device))
            memory = self.interaction(tokens) + pos
            query = self.concept(asked)
            split = lambda x: x.view(b, t, h, dh).transpose(1, 2)  # noqa: E731
            q, k, v = split(self.q(query)), split(self.k(memory)), split(self.v(memory))
            steps = torch.arange(t, device=tokens.device)
            distance = (steps.view(-1, 1) - steps.view(1, -1)).float()  # answers ago (token j holds answer j-1)
            bias = -nn.functional.softplus(self.decay).view(h, 1, 1) * distance.clamp(min=0)
            bias = bias.masked_fill(distance < 0, float("-inf"))  # causal: never a later answer
            attended = nn.functional.scaled_dot_product_attention(
                q, k, v, attn_mask=bias.unsqueeze(0), dropout_p=config.dropout if self.training else 0.0)
            x = self.norm1(query + self.drop(self.attn_out(attended.transpose(1, 2).reshape(b, t, d))))
            x = self.norm2(x + self.drop(self.ffn(x)))
            return self.predict(torch.cat([x, query], dim=-1)).squeeze(-1)

    if config.kind == "dkt":
        return Dkt()
    if config.kind == "sakt":
        return Sakt()
    raise ValueError(f"unknown knowledge-tracing model {config.kind!r}; known: {', '.join(KINDS)}")


def _index(concepts: list[str]) -> dict[str, int]:
    return {c: i for i, c in enumerate(concepts)}


def _windows_for_training(sequences: list[Sequence], window: int, rng: np.random.Generator) -> list[Sequence]:
    out = []
    for seq in sequences:
        if len(seq) <= window:
            out.append(seq)
            continue
        shift = int(rng.integers(0, window))
        cuts = [0, *range(shift or window, len(seq), window), len(seq)]
        out.extend(seq[a:b] for a, b in zip(cuts, cuts[1:]) if b > a)
    return out


def _windows_for_prediction(length: int, window: int) -> list[tuple[int, int, int]]:
    """(start, first position kept, end) per window: each answer keeps >= window/2 answers of context."""
    if length <= window:
        return [(0, 0, length)]
    half = window // 2
    out, start = [], 0
    while True:
        end = min(start + window, length)
        out.append((start, 0 if start == 0 else start + half, end))
        if end >= length:
            return out
        start += half


def _tensors(sequences: list[Sequence], index: dict[str, int]):
    import torch

    n = len(index)
    unknown = n  # the shared slot for concepts never seen in training
    length = max(1, max((len(s) for s in sequences), default=1))
    tokens = torch.full((len(sequences), length), 2 * (n + 1), dtype=torch.long)
    asked = torch.zeros((len(sequences), length), dtype=torch.long)
    target = torch.zeros((len(sequences), length))
    mask = torch.zeros((len(sequences), length), dtype=torch.bool)
    for row, seq in enumerate(sequences):
        for t, (concept, correct) in enumerate(seq):
            c = index.get(concept, unknown)
            asked[row, t], target[row, t], mask[row, t] = c, float(correct), True
            if t + 1 < length:
                tokens[row, t + 1] = 2 * c + int(correct)
    return tokens, asked, target, mask


@dataclass
class KtModel:
    concepts: list[str]
    config: KtConfig
    net: object
    history: list[dict] = field(default_factory=list)  # per epoch: validation AUC, seconds

    @property
    def kind(self) -> str:
        return self.config.kind

    @property
    def hidden(self) -> int:
        return self.config.hidden

    def predict(self, sequences: list[Sequence], batch: int = 128) -> list[list[float]]:
        """P(correct) for every answer of every sequence, given only the answers before it."""
        import torch

        index = _index(self.concepts)
        pieces, places = [], []  # window contents; (sequence, start, first kept, end)
        for s, seq in enumerate(sequences):
            for start, keep, end in _windows_for_prediction(len(seq), self.config.window):
                pieces.append(seq[start:end])
                places.append((s, start, keep, end))
        out = [[0.0] * len(seq) for seq in sequences]
        self.net.eval()
        with torch.no_grad():
            for lo in range(0, len(pieces), batch):
                tokens, asked, _, _ = _tensors(pieces[lo:lo + batch], index)
                probs = torch.sigmoid(self.net(tokens, asked)).tolist()
                for row, (s, start, keep, end) in zip(probs, places[lo:lo + batch]):
                    out[s][keep:end] = row[keep - start:end - start]
        return out

    def save(self, path: Path) -> None:
        import torch

        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save({"concepts": self.concepts, "config": asdict(self.config), "state": self.net.state_dict()}, path)

    @classmethod
    def load(cls, path: Path) -> KtModel:
        import torch

        data = torch.load(path, weights_only=True)
        config = KtConfig(**data["config"]) if "config" in data else KtConfig(hidden=data["hidden"])
        net = _build(len(data["concepts"]) + 1, config)
        net.load_state_dict(data["state"])
        return cls(list(data["concepts"]), config, net)


def train(sequences: list[Sequence], concepts: list[str], *, kind: str = "dkt", epochs: int = 30, hidden: int = 64,
          lr: float = 0.005, seed: int = 0, window: int = WINDOW, batch: int = 32, patience: int = 4,
          valid_share: float = 0.1, budget_s: float | None = None, heads: int = 4, dropout: float = 0.2,
          log=None) -> KtModel:
    """Train on `sequences` only. With enough learners, 10% of them (by a hash of their position) are held
    out for early stopping and the best epoch is kept; otherwise every epoch trains and the last is kept."""
    import torch

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    config = KtConfig(kind=kind, hidden=hidden, heads=heads, dropout=dropout, window=window)
    index = _index(concepts)
    ids = [str(i) for i in range(len(sequences))]
    fit_ids, valid_ids = split_learners(ids, valid_share, salt="valid") if len(sequences) >= 20 else (ids, [])
    fit = [sequences[int(i)] for i in fit_ids]
    valid = [sequences[int(i)] for i in valid_ids]
    net = _build(len(concepts) + 1, config)
    model = KtModel(list(concepts), config, net)
    optimiser = torch.optim.Adam(net.parameters(), lr=lr)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    generator = torch.Generator().manual_seed(seed)
    best, best_state, stale, started = -math.inf, None, 0, time.perf_counter()
    for epoch in range(epochs):
        net.train()
        pieces = _windows_for_training(fit, window, rng)
        tokens, asked, target, mask = _tensors(pieces, index)
        for rows in torch.randperm(len(pieces), generator=generator).split(batch):
            m = mask[rows]
            logits = net(tokens[rows], asked[rows])
            loss = loss_fn(logits[m], target[rows][m])
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            optimiser.step()
        entry = {"epoch": epoch + 1, "seconds": round(time.perf_counter() - started, 1)}
        if valid:
            entry["valid_auc"] = round(score(model.predict(valid), valid)[0], 4)
            if entry["valid_auc"] > best:
                best, stale = entry["valid_auc"], 0
                best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
            else:
                stale += 1
        model.history.append(entry)
        if log:
            log(f"{kind} {entry}")
        if stale >= patience or (budget_s is not None and time.perf_counter() - started > budget_s):
            break
    if best_state is not None:
        net.load_state_dict(best_state)
    return model


def bkt_predict(sequences: list[Sequence], params: dict[str, BktParams] | None = None) -> list[list[float]]:
    """BKT's P(correct) for every answer, each concept traced on its own (BKT's independence assumption)."""
    params = params or {}
    out = []
    for seq in sequences:
        mastery: dict[str, float] = {}
        preds = []
        for concept, correct in seq:
            p = params.get(concept, DEFAULT_PARAMS)
            current = mastery.get(concept, p.p_init)
            preds.append(predict_correct(current, p))
            mastery[concept] = update(current, bool(correct), p)
        out.append(preds)
    return out


def score(predictions: list[list[float]], sequences: list[Sequence]) -> tuple[float, float]:
    """(AUC, log-loss) over every answer."""
    from sklearn.metrics import log_loss, roc_auc_score

    y = np.array([c for seq in sequences for _, c in seq], dtype=float)
    p = np.clip(np.array([x for row in predictions for x in row], dtype=float), 1e-6, 1 - 1e-6)
    if len(set(y)) < 2:
        return float("nan"), float(log_loss(y, p, labels=[0, 1]))
    return float(roc_auc_score(y, p)), float(log_loss(y, p))


# -- The course's own model: train the candidates on its attempt log, keep the best -----------------


CANDIDATES = ("bkt", "dkt", "sakt")


@dataclass
class KtReport:
    course: str
    train_learners: int
    test_learners: int
    test_answers: int
    auc: dict[str, float]  # model -> AUC on the held-out learners
    logloss: dict[str, float]
    best: str
    model_paths: dict[str, str] = field(default_factory=dict)  # torch model -> its saved file

    def summary(self) -> str:
        names = {"bkt": "BKT", "dkt": "DKT (LSTM)", "sakt": "SAKT (attention)"}
        lines = [f"held-out learners: {self.test_learners} ({self.test_answers} answers); trained on {self.train_learners}",
                 f"{'model':<18} {'AUC':>6} {'log-loss':>9}"]
        for m in self.auc:
            lines.append(f"{names.get(m, m):<18} {self.auc[m]:>6.3f} {self.logloss[m]:>9.3f}")
        lines.append(f"used for predictions: {names.get(self.best, self.best)} (best AUC on the held-out learners)")
        return "\n".join(lines + [f"saved {p}" for p in self.model_paths.values()])


def model_path(settings, course: str, kind: str) -> Path:
    return settings.home / "models" / f"kt-{course}-{kind}.pt"


def report_path(settings, course: str) -> Path:
    return settings.home / "models" / f"kt-{course}.json"


def best_model(auc: dict[str, float]) -> str:
    """The candidate with the highest AUC; BKT on a tie, and when no AUC is a number."""
    numeric = {name: value for name, value in auc.items() if value == value}  # NaN != NaN
    if not numeric:
        return "bkt"
    top = max(numeric.values())
    return "bkt" if numeric.get("bkt") == top else max(numeric, key=numeric.get)


def train_course(course: str, *, epochs: int = 30, seed: int = 0, kinds: tuple[str, ...] = ("dkt", "sakt"),
                 settings=None) -> KtReport:
    """Train the torch candidates on the course's attempt log, test every candidate on held-out learners,
    save the best torch model and the report; prediction.py uses whichever candidate won."""
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
        rows = session.execute(sa.select(Attempt.learner_id, Attempt.concept, Attempt.score, Attempt.hints_used)
                               .where(Attempt.course == course).order_by(Attempt.created_at, Attempt.id)).all()
    by_learner: dict[str, Sequence] = {}
    for learner, concept, value, hints in rows:
        if concept in graph.concepts:  # an aided or "partly" answer is no clean correct, as for BKT
            by_learner.setdefault(learner, []).append((concept, int(is_correct(value, hints))))
    train_ids, test_ids = split_learners(sorted(by_learner))
    if len(train_ids) < 5 or len(test_ids) < 2:
        raise NotEnoughDataError(
            f"Course '{course}' has attempts from {len(by_learner)} learners; the knowledge-tracing models need at "
            "least about 10 (a fifth are held out to test them). BKT is used until then.")
    train_seqs, test_seqs = [by_learner[i] for i in train_ids], [by_learner[i] for i in test_ids]
    auc, logloss, models = {}, {}, {}
    auc["bkt"], logloss["bkt"] = score(bkt_predict(test_seqs, params), test_seqs)
    for kind in kinds:
        models[kind] = train(train_seqs, graph.order, kind=kind, epochs=epochs, seed=seed, hidden=32)
        auc[kind], logloss[kind] = score(models[kind].predict(test_seqs), test_seqs)
    best = best_model(auc)
    paths = {}
    for kind, model in models.items():
        paths[kind] = str(model_path(settings, course, kind))
        model.save(Path(paths[kind]))
    report = KtReport(course, len(train_ids), len(test_ids), sum(map(len, test_seqs)), auc, logloss, best, paths)
    out = report_path(settings, course)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(asdict(report), indent=2), encoding="utf-8")
    return report

"""Simulated learners, for the benchmark and for tests of the models that learn from attempt logs.

Each synthetic learner has hidden true knowledge per concept over a course's prerequisite graph.
One activity = study a concept and answer one question on it:
- the answer is right with probability 1 - slip if the concept is known, `guess` if not;
- then, if unknown and every prerequisite is known right now, it becomes known with the learner's
  per-concept learning rate (no prerequisites, no learning: that is what makes order matter);
- known concepts are forgotten over time: P(still known after dt days) = exp(-dt / stability);
  every practice of a known concept multiplies its stability (spacing helps, as in the literature).
Shortcuts: one question per activity, binary answers, two activities a day, forgetting is checked
lazily (when a concept is used and at the end), which is exact for this memoryless process.
Policies see only the answers, never the hidden state.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import numpy as np

from tutor.learners import schedule
from tutor.learners.concepts import CourseGraph
from tutor.learners.mastery import DEFAULT_PARAMS, BktParams, update
from tutor.learners.recommender import recommend
from tutor.learners.state import RECENT, ConceptState, LearnerState

START = datetime(2025, 1, 6, 9, 0, tzinfo=timezone.utc)
DAYS_PER_ACTIVITY = 0.5
INITIAL_STABILITY_DAYS = 4.0
STABILITY_GROWTH = 2.5


@dataclass
class HiddenLearner:
    learn: dict[str, float]
    slip: float
    guess: float
    known: dict[str, bool]
    stability: dict[str, float]
    last_seen: dict[str, float]  # day of the last check of each concept's memory


def make_learner(graph: CourseGraph, rng: np.random.Generator) -> HiddenLearner:
    ability = rng.uniform(0.15, 0.45)
    learn = {c: float(np.clip(ability * rng.uniform(0.6, 1.4), 0.05, 0.8)) for c in graph.order}
    known: dict[str, bool] = {}
    for c in graph.order:  # course order is a topological order of the graph
        # A few learners come in knowing the first concepts already.
        known[c] = all(known[p] for p in graph.prerequisites(c)) and rng.random() < 0.1
    return HiddenLearner(learn, float(rng.uniform(0.05, 0.15)), float(rng.uniform(0.15, 0.3)), known,
                         {c: INITIAL_STABILITY_DAYS for c in graph.order}, {c: 0.0 for c in graph.order})


def _recall(learner: HiddenLearner, concept: str, day: float, rng: np.random.Generator) -> bool:
    """Apply forgetting up to `day`; returns whether the concept is still known."""
    if learner.known[concept]:
        dt = day - learner.last_seen[concept]
        if dt > 0 and rng.random() > math.exp(-dt / learner.stability[concept]):
            learner.known[concept] = False
    learner.last_seen[concept] = day
    return learner.known[concept]


def act(graph: CourseGraph, learner: HiddenLearner, concept: str, day: float, rng: np.random.Generator) -> bool:
    """One activity on `concept`: returns whether the answer was right; updates hidden knowledge."""
    knew = _recall(learner, concept, day, rng)
    correct = rng.random() < ((1 - learner.slip) if knew else learner.guess)
    if knew:
        learner.stability[concept] *= STABILITY_GROWTH
    elif all(_recall(learner, p, day, rng) for p in graph.prerequisites(concept)):
        if rng.random() < learner.learn[concept]:
            learner.known[concept] = True
            learner.stability[concept] = INITIAL_STABILITY_DAYS
    return correct


def known_at(graph: CourseGraph, learner: HiddenLearner, day: float, rng: np.random.Generator) -> int:
    return sum(_recall(learner, c, day, rng) for c in graph.order)


# ---- policies: (graph, step, rng) -> concept, told each answer through observe() ----


class Policy:
    name = "policy"

    def choose(self, step: int, now: datetime) -> str: ...

    def observe(self, concept: str, correct: bool, now: datetime) -> None:
        pass


class FixedOrder(Policy):
    """The syllabus: the chapters in course order, an equal share of the activities each."""

    name = "fixed"

    def __init__(self, graph: CourseGraph, activities: int, rng=None):
        self.order, self.per = graph.order, max(1, activities // len(graph.order))

    def choose(self, step, now):
        return self.order[min(step // self.per, len(self.order) - 1)]


class RandomOrder(Policy):
    name = "random"

    def __init__(self, graph: CourseGraph, activities: int, rng: np.random.Generator):
        self.order, self.rng = graph.order, rng

    def choose(self, step, now):
        return self.order[int(self.rng.integers(len(self.order)))]


class Recommender(Policy):
    """The production policy (recommender.recommend) over BKT + FSRS state kept in memory."""

    name = "recommender"

    def __init__(self, graph: CourseGraph, activities: int, rng=None, params: dict[str, BktParams] | None = None):
        self.graph = graph
        params = params or {}
        states = {c: ConceptState(mastery=params.get(c, DEFAULT_PARAMS).p_init, params=params.get(c, DEFAULT_PARAMS))
                  for c in graph.order}
        self.state = LearnerState("sim", START, states)
        self.cards: dict[str, object] = {}

    def choose(self, step, now):
        self.state.now = now
        for c, card in self.cards.items():
            self.state.get(c).retrievability = schedule.retrievability(card, now)
        recs = recommend(self.graph, self.state, k=1)
        if recs:
            return recs[0].concept
        # Everything mastered and nothing due: review the concept closest to being forgotten.
        return min(self.cards, key=lambda c: self.state.get(c).retrievability or 0.0)

    def observe(self, concept, correct, now):
        st = self.state.get(concept)
        st.mastery = update(st.mastery, correct, st.params)
        st.attempts += 1
        st.correct += int(correct)
        st.recent = (st.recent + [correct])[-RECENT:]
        card = schedule.review(self.cards.get(concept), schedule.rating_for(1.0 if correct else 0.0), now)
        self.cards[concept] = card
        st.due = card.due


POLICIES: dict[str, Callable[..., Policy]] = {"recommender": Recommender, "fixed": FixedOrder, "random": RandomOrder}


@dataclass
class RunResult:
    policy: str
    mastered: list[int] = field(default_factory=list)  # concepts truly known at the end, per learner
    to_master: list[int | None] = field(default_factory=list)  # activities until all known at once (None: never)
    to_half: list[int | None] = field(default_factory=list)  # activities until half the concepts are known at once
    log: list[tuple[int, str, int, int]] = field(default_factory=list)  # (learner, concept, step, correct)


def run(graph: CourseGraph, policy: str, learners: int = 200, activities: int = 60, seed: int = 0,
        learner_offset: int = 0) -> RunResult:
    """Simulate `learners` learners under one policy. The same seed gives the same learners to every policy."""
    result = RunResult(policy)
    for n in range(learners):
        # Learner n is drawn from its own stream, so every policy meets the same population.
        learner = make_learner(graph, np.random.default_rng([seed, n]))
        rng = np.random.default_rng([seed, n, 1])
        chooser = POLICIES[policy](graph, activities, np.random.default_rng([seed, n, 2]))
        reached = half = None
        for step in range(activities):
            day = step * DAYS_PER_ACTIVITY
            now = START + timedelta(days=day)
            concept = chooser.choose(step, now)
            correct = act(graph, learner, concept, day, rng)
            chooser.observe(concept, correct, now)
            result.log.append((learner_offset + n, concept, step, int(correct)))
            known = sum(learner.known.values())
            if half is None and known * 2 >= len(graph.order):
                half = step + 1
            if reached is None and known == len(graph.order):
                reached = step + 1
        result.mastered.append(known_at(graph, learner, activities * DAYS_PER_ACTIVITY, rng))
        result.to_master.append(reached)
        result.to_half.append(half)
    return result


def graph_from_chapters(folder) -> CourseGraph:
    """The prerequisite graph straight from a course folder's Markdown front matter (no ingest needed)."""
    from pathlib import Path

    import yaml

    from tutor.learners.concepts import ConceptNode

    graph = CourseGraph(Path(folder).name)
    for position, path in enumerate(sorted(Path(folder).glob("*.md"))):
        text = path.read_text(encoding="utf-8")
        if not text.startswith("---"):
            continue
        meta = yaml.safe_load(text.split("---", 2)[1]) or {}
        concept = str(meta.get("concept", path.stem))
        prereqs = tuple(str(p) for p in meta.get("prerequisites", []) or [])
        graph.concepts[concept] = ConceptNode(concept, str(meta.get("title", concept)), position, prereqs)
    for node in graph.concepts.values():  # drop dangling edges, as course_outline does
        graph.concepts[node.id] = ConceptNode(node.id, node.title, node.position,
                                              tuple(p for p in node.prerequisites if p in graph.concepts))
    return graph

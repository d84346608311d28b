"""What to study next: a ranked list of activities, each with a reason a person can read.

Policy (issue 4), on plain values so the simulator runs exactly this code:
1. Due reviews first: practised concepts whose FSRS card is due, the most forgotten first.
2. Then concepts whose prerequisites are all mastered and which are not mastered themselves,
   lowest mastery first. Ties (e.g. several untouched concepts) are broken by the learner's goals
   (a concept that is, or leads to, a goal) and then by `affinity`, a 0-1 similarity of the concept
   to the learner's goals and interests that the caller computes (embeddings in the CLI).
3. A concept whose prerequisites are not all mastered is never recommended, reviews included.
   Between goals and affinity comes the collaborative signal (collaborative.py): the mean mastery
   rise that practising the concept brought learners with a similar record, once enough of them exist.
   It only reorders ties, so it never outranks prerequisite safety, due reviews or lower mastery.
The exercise for a concept is chosen by `pick_item`: the item whose predicted success is closest
to the 70-85% band.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

from tutor.learners.collaborative import Signal
from tutor.learners.concepts import CourseGraph
from tutor.learners.mastery import is_mastered, predict_correct
from tutor.learners.state import ConceptState, LearnerState

Kind = Literal["review", "practise", "learn"]
TARGET_SUCCESS = (0.70, 0.85)
DIFFICULTY_LOGIT_STEP = 0.8  # one difficulty level away from the middle shifts the odds of success by e^0.8 (about 2.2x)


@dataclass
class Recommendation:
    kind: Kind
    concept: str
    title: str
    mastery: float
    predicted_success: float
    why: str
    sections: list[dict[str, Any]] = field(default_factory=list)
    exercise: dict[str, Any] | None = None
    # Which model produced predicted_success: BKT here; advice.py swaps in the torch KT model's
    # prediction when its held-out AUC is better (prediction.py).
    predicted_by: str = "bkt"
    prediction_reason: str = "BKT estimate from this learner's answers"

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "concept": self.concept,
            "title": self.title,
            "mastery": round(self.mastery, 3),
            "predicted_success": {"probability": round(self.predicted_success, 3), "model": self.predicted_by,
                                  "reason": self.prediction_reason},
            "why": self.why,
            "sections": self.sections,
            "exercise": self.exercise,
        }


def prerequisites_mastered(graph: CourseGraph, state: LearnerState, concept: str) -> bool:
    return all(is_mastered(state.get(p).mastery) for p in graph.prerequisites(concept))


def goal_concepts(graph: CourseGraph, state: LearnerState) -> set[str]:
    """Concepts named as goals, with everything they depend on."""
    wanted: set[str] = set()
    for goal in state.goals:
        if goal in graph.concepts:
            wanted |= {goal} | graph.ancestors(goal)
    return wanted


def recommend(
    graph: CourseGraph,
    state: LearnerState,
    k: int = 5,
    affinity: dict[str, float] | None = None,
    collaborative: dict[str, Signal] | None = None,
) -> list[Recommendation]:
    affinity = affinity or {}
    collaborative = collaborative or {}
    towards_goal = goal_concepts(graph, state)
    eligible = [c for c in graph.order if prerequisites_mastered(graph, state, c)]

    due = [c for c in eligible if _is_due(state.get(c), state)]
    due.sort(key=lambda c: (_recall(state.get(c)), graph.node(c).position))
    due_set = set(due)

    def learn_key(c: str, with_peers: bool = True):
        st = state.get(c)
        peers = collaborative[c].gain if with_peers and c in collaborative else 0.0
        # Mastery rounded so near-equal estimates tie and the learner's goals, what helped similar
        # learners, and interests decide, in that order.
        return (round(st.mastery, 2), c not in towards_goal, -peers, -affinity.get(c, 0.0), graph.node(c).position)

    candidates = [c for c in eligible if c not in due_set and not is_mastered(state.get(c).mastery)]
    to_learn = sorted(candidates, key=learn_key)
    # The signal "influenced the rank" of a concept it moved up compared with the order without it.
    without = {c: n for n, c in enumerate(sorted(candidates, key=lambda c: learn_key(c, with_peers=False)))}
    lifted = {c for n, c in enumerate(to_learn) if n < without[c]}

    out = []
    for concept in (due + to_learn)[:k]:
        st = state.get(concept)
        kind: Kind = "review" if concept in due_set else ("practise" if st.seen else "learn")
        out.append(
            Recommendation(
                kind=kind,
                concept=concept,
                title=graph.node(concept).title,
                mastery=st.mastery,
                predicted_success=predict_correct(st.mastery, st.params),
                why=explain(kind, graph, state, concept, concept in towards_goal,
                            collaborative.get(concept) if concept in lifted else None),
            )
        )
    return out


def _is_due(st: ConceptState, state: LearnerState) -> bool:
    return st.seen and st.due is not None and st.due <= state.now


def _recall(st: ConceptState) -> float:
    return st.retrievability if st.retrievability is not None else 0.0


def _names(graph: CourseGraph, concepts) -> str:
    titles = [graph.node(c).title.lower() if graph.node(c).title else c for c in concepts]
    if len(titles) <= 1:
        return "".join(titles)
    return ", ".join(titles[:-1]) + " and " + titles[-1]


def explain(kind: Kind, graph: CourseGraph, state: LearnerState, concept: str, on_goal_path: bool,
            peers: Signal | None = None) -> str:
    """The `why` in plain words, built only from evidence in the learner's record."""
    st = state.get(concept)
    name = graph.node(concept).title or concept
    parts = []
    if kind == "review" and st.recent and st.recent[-1] is False:
        # A miss puts the concept in FSRS's (re)learning steps: it is due again minutes later, so the
        # recall estimate (just reviewed: near 100%) says nothing useful; the retry is the reason.
        parts.append(f"{name} is back for a retry")
    elif kind == "review":
        days = (state.now - st.due).total_seconds() / 86400 if st.due else 0.0
        when = "today" if days < 1 else f"{int(days)} day{'s' if int(days) != 1 else ''} ago"
        parts.append(f"{name} was due for review {when}")
        if st.retrievability is not None:
            parts.append(f"the chance you still recall it is about {round(100 * st.retrievability)}%")
    if st.seen:
        recent = st.recent or []
        missed = recent.count(False)
        # `recent` holds clean answers (right, unaided): a right answer after a hint is not one, so it is
        # not called a miss either (a learner who used hints and answered right was told "you missed 5 of 5").
        if len(recent) == 1:
            parts.append(f"your one answer on {name} so far {'was wrong or needed help' if missed else 'was right'}")
        elif missed:
            parts.append(f"{missed} of your last {len(recent)} answers on {name} were wrong or needed help")
        else:
            parts.append(f"you got your last {len(recent)} questions on {name} right")
        parts.append(f"estimated mastery {round(100 * st.mastery)}%")
    else:
        parts.append(f"{name} is new to you")
    prereqs = graph.prerequisites(concept)
    if prereqs:
        verb = "is" if len(prereqs) == 1 else "are"
        parts.append(f"its prerequisite{'s' if len(prereqs) > 1 else ''} {_names(graph, prereqs)} {verb} mastered")
    elif kind == "learn":
        parts.append("it needs nothing else first")
    if on_goal_path:
        goals = [g for g in state.goals if g in graph.concepts]
        parts.append(f"it leads to your goal {_names(graph, goals)}" if concept not in goals else "it is your goal")
    if peers is not None:
        parts.append(f"learners with a similar record improved most by practising {name} "
                     f"({peers.learners} of them)")
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def item_success(concept_success: float, difficulty: float, middle: float = 2.0) -> float:
    """Predicted success on an item of `difficulty` (1 easy .. 3 hard) from the concept-level prediction."""
    p = min(max(concept_success, 1e-4), 1 - 1e-4)
    logit = math.log(p / (1 - p)) - DIFFICULTY_LOGIT_STEP * (difficulty - middle)
    return 1 / (1 + math.exp(-logit))


_DIFFICULTY_WORDS = {"easy": 1.0, "medium": 2.0, "hard": 3.0}


def difficulty_of(payload: dict[str, Any]) -> float:
    value = payload.get("difficulty", 2)
    if isinstance(value, str):
        return _DIFFICULTY_WORDS.get(value.lower(), 2.0)
    try:
        return float(value)
    except (TypeError, ValueError):
        return 2.0


def pick_item(items: list, concept_success: float):
    """The item whose predicted success is nearest the 70-85% band (inside it = distance 0), or None."""
    if not items:
        return None
    low, high = TARGET_SUCCESS

    def distance(item) -> tuple[float, str]:
        p = item_success(concept_success, difficulty_of(item.payload))
        return (max(low - p, 0.0, p - high), item.id)

    return min(items, key=distance)

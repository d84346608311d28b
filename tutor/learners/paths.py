"""A learning path: the ordered plan through a goal's unmastered prerequisites to the goal itself.

Order is a topological sort of the goal's ancestors (a concept always after everything it needs),
ties in course order. Mastered concepts are left out; their own prerequisites are still checked, so
a gap under a mastered concept shows up in the plan.
"""

from __future__ import annotations

from dataclasses import dataclass

from tutor.learners.concepts import CourseGraph
from tutor.learners.mastery import is_mastered
from tutor.learners.state import LearnerState


@dataclass(frozen=True)
class PathStep:
    concept: str
    title: str
    mastery: float
    needs: tuple[str, ...]  # its prerequisites that are still in the plan


def plan_path(graph: CourseGraph, state: LearnerState, goal: str) -> list[PathStep]:
    graph.node(goal)  # UnknownConceptError for a goal the course does not have
    wanted = {goal} | graph.ancestors(goal)
    todo = {c for c in wanted if not is_mastered(state.get(c).mastery)}
    steps: list[PathStep] = []
    placed: set[str] = set()
    remaining = sorted(todo, key=lambda c: graph.node(c).position)
    while remaining:
        # Kahn's algorithm, picking the earliest chapter whose planned prerequisites are placed.
        ready = next(c for c in remaining if all(p in placed or p not in todo for p in graph.ancestors(c)))
        remaining.remove(ready)
        placed.add(ready)
        needs = tuple(p for p in graph.prerequisites(ready) if p in todo)
        steps.append(PathStep(ready, graph.node(ready).title, state.get(ready).mastery, needs))
    return steps

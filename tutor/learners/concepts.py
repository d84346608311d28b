"""A course's concept graph in the database: concepts and prerequisite edges, editable.

The first time a course is used here its concepts come from the course outline in the vector store
(one concept per chapter of the demo course, prerequisites from front matter). Instructors edit
edges afterwards; a removed edge is kept as inactive so a later sync from the outline does not
bring it back. `CourseGraph` is the plain-value view the recommender, paths and simulator use.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tutor.db.models import Concept, PrerequisiteEdge
from tutor.errors import InvalidInputError, NotFoundError, UnknownConceptError


@dataclass(frozen=True)
class ConceptNode:
    id: str
    title: str
    position: int
    prerequisites: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()


@dataclass
class CourseGraph:
    course: str
    concepts: dict[str, ConceptNode] = field(default_factory=dict)  # in course order

    @property
    def order(self) -> list[str]:
        return list(self.concepts)

    def node(self, concept: str) -> ConceptNode:
        if concept not in self.concepts:
            raise UnknownConceptError(self.course, concept, self.order)
        return self.concepts[concept]

    def prerequisites(self, concept: str) -> tuple[str, ...]:
        return self.node(concept).prerequisites

    def ancestors(self, concept: str) -> set[str]:
        seen: set[str] = set()
        stack = list(self.prerequisites(concept))
        while stack:
            current = stack.pop()
            if current not in seen:
                seen.add(current)
                stack.extend(self.prerequisites(current))
        return seen


def sync_from_outline(session: Session, course: str, outline) -> int:
    """Upsert concepts from `course_outline(...)` and add outline edges not seen before; returns concept count.

    Another app process may sync the same course at the same moment (an upload through one process while a
    learner of another opens the course). A check-then-insert would let both see "missing" and one fail on the
    primary key, so rows are inserted with "on conflict do nothing" (the second waits for the first's commit
    and skips its rows), and only then are titles and positions of the existing rows brought up to date.
    Existing edges are left alone: an instructor's removal (active=False) must survive a re-sync."""
    concepts = [dict(course=course, id=entry.id, title=entry.title, position=position, sections=list(entry.sections))
                for position, entry in enumerate(outline)]
    edges = [dict(course=course, concept=entry.id, prerequisite=prereq, origin="outline", active=True)
             for entry in outline for prereq in entry.prerequisites]
    _insert_missing(session, Concept, concepts)
    _insert_missing(session, PrerequisiteEdge, edges)
    rows = {row.id: row for row in session.scalars(sa.select(Concept).where(Concept.course == course))}
    for values in concepts:
        row = rows.get(values["id"])
        if row is not None:  # None only when a concurrent re-sync removed the concept after our insert
            row.title, row.position, row.sections = values["title"], values["position"], values["sections"]
    session.flush()
    return len(outline)


def _insert_missing(session: Session, model, rows: list[dict]) -> None:
    """Insert `rows` of `model`, skipping any whose primary key exists, also when a concurrent transaction
    commits it while this insert waits."""
    if not rows:
        return
    key = [column.name for column in model.__table__.primary_key]
    # Key order for every writer: two transactions inserting overlapping rows then take their row locks in the
    # same order, so one waits for the other instead of each waiting on a row the other holds (a deadlock).
    rows = sorted(rows, key=lambda row: [row[name] for name in key])
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        session.execute(insert(model.__table__).values(rows).on_conflict_do_nothing())
        return
    # Any other database: one savepoint a row; a key violation there means the row exists, which is all we want.
    for row in rows:
        if session.get(model, tuple(row[name] for name in key)) is not None:
            continue
        try:
            with session.begin_nested():
                session.execute(sa.insert(model.__table__).values(row))
        except sa.exc.IntegrityError:
            pass


def ensure_course(session: Session, course: str, settings=None) -> CourseGraph:
    """The course's graph, synced from the vector store's outline the first time the course is seen.

    Raises UnknownCourseError (from the store) when the course was never ingested.
    """
    has_rows = session.scalar(sa.select(sa.func.count()).select_from(Concept).where(Concept.course == course))
    if not has_rows:
        from tutor.config import get_settings
        from tutor.retrieval.outline import course_outline
        from tutor.retrieval.store import open_store

        outline = course_outline(open_store(settings or get_settings()), course)
        if not outline:
            raise NotFoundError(f"Course '{course}' has no concepts yet. Ingest its material with: tutor ingest PATH --course {course}")
        sync_from_outline(session, course, outline)
    return load_graph(session, course)


def load_graph(session: Session, course: str) -> CourseGraph:
    concepts = session.scalars(sa.select(Concept).where(Concept.course == course).order_by(Concept.position, Concept.id)).all()
    edges = session.scalars(
        sa.select(PrerequisiteEdge).where(PrerequisiteEdge.course == course, PrerequisiteEdge.active.is_(True))
    ).all()
    prereqs: dict[str, list[str]] = {}
    known = {c.id for c in concepts}
    for edge in edges:
        if edge.prerequisite in known:
            prereqs.setdefault(edge.concept, []).append(edge.prerequisite)
    position = {c.id: c.position for c in concepts}
    graph = CourseGraph(course)
    for c in concepts:
        ordered = tuple(sorted(prereqs.get(c.id, []), key=lambda p: position[p]))
        graph.concepts[c.id] = ConceptNode(c.id, c.title, c.position, ordered, tuple(c.sections))
    return graph


def link(session: Session, course: str, concept: str, prerequisite: str, origin: str = "instructor") -> None:
    """Add (or re-activate) the edge `concept` needs `prerequisite`; refuses edges that make a cycle."""
    graph = load_graph(session, course)
    graph.node(concept), graph.node(prerequisite)
    if concept == prerequisite or concept in graph.ancestors(prerequisite):
        raise InvalidInputError(f"'{prerequisite}' already depends on '{concept}': that edge would make a cycle.")
    edge = session.get(PrerequisiteEdge, (course, concept, prerequisite))
    if edge is None:
        session.add(PrerequisiteEdge(course=course, concept=concept, prerequisite=prerequisite, origin=origin))
    else:
        edge.active, edge.origin = True, origin
    session.flush()


def unlink(session: Session, course: str, concept: str, prerequisite: str) -> None:
    graph = load_graph(session, course)
    graph.node(concept)
    edge = session.get(PrerequisiteEdge, (course, concept, prerequisite))
    if edge is None or not edge.active:
        raise NotFoundError(f"'{concept}' does not require '{prerequisite}' in course '{course}'.")
    edge.active, edge.origin = False, "instructor"
    session.flush()

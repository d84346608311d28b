"""Concept map handlers: the course's concepts and prerequisites drawn as an SVG picture, and the
instructor's edits (add or remove a prerequisite, refused when it would make a cycle).

Layout shortcut: concepts are placed in columns by prerequisite depth (longest chain before them) and
in course order within a column; good enough for the tens of concepts a course has, no graphviz needed.
"""

from __future__ import annotations

from html import escape

from tutor.services.accounts import User, require_instructor
from tutor.services.context import ServiceContext
from tutor.db import session_scope

BOX_W, BOX_H, GAP_X, GAP_Y, PAD = 170, 36, 60, 18, 12


def graph(ctx: ServiceContext, course: str):
    from tutor.learners.concepts import ensure_course

    with session_scope(ctx.settings) as session:
        return ensure_course(session, course, ctx.settings)


def edges(ctx: ServiceContext, course: str) -> list[list[str]]:
    g = graph(ctx, course)
    return [[c, p] for c in g.order for p in g.prerequisites(c)]


def svg(ctx: ServiceContext, course: str) -> str:
    g = graph(ctx, course)
    depth: dict[str, int] = {}

    def depth_of(c: str) -> int:
        if c not in depth:
            depth[c] = 1 + max((depth_of(p) for p in g.prerequisites(c)), default=-1)
        return depth[c]

    columns: dict[int, list[str]] = {}
    for c in g.order:
        columns.setdefault(depth_of(c), []).append(c)
    where = {}
    for col, names in columns.items():
        for row, c in enumerate(names):
            where[c] = (PAD + col * (BOX_W + GAP_X), PAD + row * (BOX_H + GAP_Y))
    width = PAD * 2 + max(columns, default=0) * (BOX_W + GAP_X) + BOX_W
    height = PAD * 2 + max((len(v) for v in columns.values()), default=1) * (BOX_H + GAP_Y)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" class="concept-map" '
             f'role="img" aria-label="Concept map of {escape(course)}">',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto">'
             '<path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>']
    for c in g.order:
        for p in g.prerequisites(c):
            (x1, y1), (x2, y2) = where[p], where[c]
            parts.append(f'<line x1="{x1 + BOX_W}" y1="{y1 + BOX_H / 2}" x2="{x2}" y2="{y2 + BOX_H / 2}" '
                         f'stroke="#555" marker-end="url(#arrow)"><title>{escape(c)} needs {escape(p)}</title></line>')
    for c in g.order:
        x, y = where[c]
        title = g.node(c).title or c
        label = title if len(title) <= 24 else title[:23] + "…"
        parts.append(f'<g><rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6" fill="#eef4ff" stroke="#3b6fd8"/>'
                     f'<text x="{x + 8}" y="{y + 23}" font-size="13" font-family="sans-serif">{escape(label)}</text>'
                     f'<title>{escape(c)}</title></g>')
    parts.append("</svg>")
    return "".join(parts)


def add_prerequisite(ctx: ServiceContext, user: User, course: str, concept: str, prerequisite: str) -> str:
    require_instructor(user, "edit the concept map")
    from tutor.learners.concepts import link

    with session_scope(ctx.settings) as session:
        link(session, course, concept, prerequisite, origin="instructor")
    return f"'{concept}' now requires '{prerequisite}'."


def remove_prerequisite(ctx: ServiceContext, user: User, course: str, concept: str, prerequisite: str) -> str:
    require_instructor(user, "edit the concept map")
    from tutor.learners.concepts import unlink

    with session_scope(ctx.settings) as session:
        unlink(session, course, concept, prerequisite)
    return f"'{concept}' no longer requires '{prerequisite}'."

"""Concept map handlers: the course's concepts and prerequisites drawn as an SVG picture, and the
instructor's edits (add or remove a prerequisite, refused when it would make a cycle).

Layout shortcut: concepts are placed in rows by prerequisite depth (longest chain before them), in course
order within a row and at most PER_ROW a row, so the map grows down the page and scales to its width;
good enough for the tens of concepts a course has, no graphviz needed. Each concept is coloured by a
learner's mastery (Progress) or the class's mean mastery (the instructor's Concept map).
"""

from __future__ import annotations

from html import escape

from tutor.services.accounts import User, require_instructor
from tutor.services.context import ServiceContext
from tutor.db import session_scope

BOX_W, BOX_H, GAP_X, GAP_Y, PAD = 190, 40, 28, 34, 12
PER_ROW = 4  # concepts side by side at most: the map grows down the page (which scrolls), never wider than it
LEGEND_H = 30


def graph(ctx: ServiceContext, course: str):
    from tutor.learners.concepts import ensure_course

    with session_scope(ctx.settings) as session:
        return ensure_course(session, course, ctx.settings)


def edges(ctx: ServiceContext, course: str) -> list[list[str]]:
    g = graph(ctx, course)
    return [[c, p] for c in g.order for p in g.prerequisites(c)]


def mastery_colour(mastery: float | None) -> str:
    """Red (not yet) through amber to green (mastered); grey for a concept never practised."""
    if mastery is None:
        return "#e5e7eb"
    m = min(max(mastery, 0.0), 1.0)
    hue = 120 * m  # 0 red .. 60 amber .. 120 green
    return f"hsl({hue:.0f}, 70%, 78%)"


def _layout(g) -> dict[str, tuple[float, float]]:
    """Rows by prerequisite depth (a concept sits below everything it needs), at most PER_ROW a row."""
    depth: dict[str, int] = {}

    def depth_of(c: str) -> int:
        if c not in depth:
            depth[c] = 1 + max((depth_of(p) for p in g.prerequisites(c)), default=-1)
        return depth[c]

    layers: dict[int, list[str]] = {}
    for c in g.order:
        layers.setdefault(depth_of(c), []).append(c)
    where, row = {}, 0
    for d in sorted(layers):
        names = layers[d]
        for start in range(0, len(names), PER_ROW):
            for col, c in enumerate(names[start:start + PER_ROW]):
                where[c] = (PAD + col * (BOX_W + GAP_X), PAD + row * (BOX_H + GAP_Y))
            row += 1
    return where


LINE_CHARS = 26  # what fits a box's width at 13 px; a longer title wraps to a second line at 12 px


def _label(title: str, x: float, y: float) -> str:
    """The concept's title in its box: one line, or two (cut at a word, the rest shortened with an ellipsis),
    so titles that share their first words ("A tutorial introduction to Git" and "... Git: part two") differ."""
    if len(title) <= LINE_CHARS:
        return f'<text x="{x + 8}" y="{y + 25}" font-size="13" font-family="sans-serif">{escape(title)}</text>'
    cut = title.rfind(" ", 0, LINE_CHARS + 1)
    cut = cut if cut > 0 else LINE_CHARS
    first, rest = title[:cut].strip(), title[cut:].strip()
    if len(rest) > LINE_CHARS + 2:
        rest = rest[: LINE_CHARS + 1].rstrip() + "…"
    return (f'<text x="{x + 8}" y="{y + 17}" font-size="12" font-family="sans-serif">{escape(first)}</text>'
            f'<text x="{x + 8}" y="{y + 32}" font-size="12" font-family="sans-serif">{escape(rest)}</text>')


def svg(ctx: ServiceContext, course: str, mastery: dict[str, float | None] | None = None, who: str = "") -> str:
    """The map as an SVG that fits the page width (it scales down, and the page scrolls down, never sideways);
    with `mastery` (concept -> 0..1, None = never practised) each concept is coloured by it, `who` names whose."""
    g = graph(ctx, course)
    where = _layout(g)
    columns = min(PER_ROW, max(len(g.order), 1))
    width = PAD * 2 + columns * BOX_W + (columns - 1) * GAP_X
    rows = 1 + max((int((y - PAD) // (BOX_H + GAP_Y)) for _, y in where.values()), default=0)
    height = PAD * 2 + rows * BOX_H + (rows - 1) * GAP_Y + (LEGEND_H if mastery is not None else 0)
    label = f"Concept map of {course}" + (f", coloured by {who}'s mastery" if who else "")
    parts = [f'<div class="concept-map-frame" style="max-width:100%;overflow:auto">'
             f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
             f'style="max-width:{width}px;height:auto;display:block" class="concept-map" role="img" aria-label="{escape(label)}">',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto">'
             '<path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>']
    for c in g.order:
        for p in g.prerequisites(c):
            (x1, y1), (x2, y2) = where[p], where[c]
            if y1 == y2:  # same row (a wrapped layer): side to side
                a, b = (x1 + BOX_W, y1 + BOX_H / 2), (x2, y2 + BOX_H / 2)
            else:
                a, b = (x1 + BOX_W / 2, y1 + BOX_H), (x2 + BOX_W / 2, y2)
            parts.append(f'<line x1="{a[0]}" y1="{a[1]}" x2="{b[0]}" y2="{b[1]}" stroke="#555" marker-end="url(#arrow)">'
                         f'<title>{escape(c)} needs {escape(p)}</title></line>')
    for c in g.order:
        x, y = where[c]
        title = g.node(c).title or c
        fill, tip = "#eef4ff", title
        if mastery is not None:
            m = mastery.get(c)
            fill = mastery_colour(m)
            tip = f"{title}: " + ("not practised yet" if m is None else f"mastery {m:.0%}")
        parts.append(f'<g class="concept" data-concept="{escape(c)}"><rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6" '
                     f'fill="{fill}" stroke="#3b6fd8"/>'
                     f'{_label(title, x, y)}'
                     f'<title>{escape(tip)}</title></g>')
    if mastery is not None:
        y = height - LEGEND_H + 8
        for i, (name, value) in enumerate([("not practised", None), ("mastery 0%", 0.0), ("50%", 0.5), ("100%", 1.0)]):
            x = PAD + i * 120
            parts.append(f'<rect x="{x}" y="{y}" width="16" height="16" rx="3" fill="{mastery_colour(value)}" stroke="#999"/>'
                         f'<text x="{x + 22}" y="{y + 13}" font-size="12" font-family="sans-serif">{name}</text>')
    parts.append("</svg></div>")
    return "".join(parts)


def learner_mastery(ctx: ServiceContext, learner_id: str, course: str) -> dict[str, float | None]:
    """A learner's mastery per concept, None where they have not practised."""
    from tutor.learners.state import load_state
    from tutor.db.models import utcnow

    g = graph(ctx, course)
    with session_scope(ctx.settings) as session:
        state = load_state(session, learner_id, course, g.order, utcnow())
    return {c: (state.get(c).mastery if state.get(c).attempts else None) for c in g.order}


def class_mastery(ctx: ServiceContext, course: str) -> dict[str, float | None]:
    """The class's mean mastery per concept (learners who practised it), None where nobody has."""
    import sqlalchemy as sa

    from tutor.db.models import MasteryState

    with session_scope(ctx.settings) as session:
        rows = session.execute(sa.select(MasteryState.concept, sa.func.avg(MasteryState.p_mastery))
                               .where(MasteryState.course == course, MasteryState.attempts > 0)
                               .group_by(MasteryState.concept)).all()
    means = {c: float(m) for c, m in rows}
    return {c: means.get(c) for c in graph(ctx, course).order}


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

"""The concept map fits the page (it scales to the page's width and grows downwards, however long the
chain of prerequisites) and shows where a learner stands: each concept coloured by their mastery."""

from __future__ import annotations

import html
import re

from tutor.services import concept_map, practice
from tutor.learners.concepts import ConceptNode, CourseGraph

PAGE = 1000  # px: the narrowest page the app is laid out for; the map must never need more


def _chain(n: int) -> CourseGraph:
    """A course of n chapters, each needing the one before: the shape that used to run off the page."""
    ids = [f"c{i:02d}" for i in range(n)]
    return CourseGraph("long", {c: ConceptNode(c, f"Chapter {i} title", i, (ids[i - 1],) if i else ()) for i, c in enumerate(ids)})


def _box(svg: str) -> tuple[float, float]:
    x, y, w, h = map(float, re.search(r'viewBox="([^"]+)"', svg).group(1).split())
    return w, h


def test_a_long_course_fits_the_page_width_and_scales(ctx, monkeypatch):
    monkeypatch.setattr(concept_map, "graph", lambda ctx, course: _chain(30))
    svg = concept_map.svg(ctx, "long")
    width, height = _box(svg)
    assert width <= PAGE, width
    assert 'width="100%"' in svg and "height:auto" in svg  # scales down on a narrower page
    assert re.search(r'<svg[^>]* width="\d+(px)?"', svg) is None  # no fixed pixel width on the picture
    assert height > width  # it grows down the page (which scrolls), not sideways
    assert svg.count('class="concept"') == 30


def test_each_concept_is_coloured_by_the_learners_mastery(ctx, users, course):
    ada = users["ada"]
    shown = practice.next_exercise(ctx, ada, course, concept="loops")
    from tutor.db import session_scope
    from tutor.db.items import get_item

    with session_scope(ctx.settings) as session:
        right = get_item(session, shown.item_id).payload["answer"]
    practice.submit(ctx, ada, shown, right)
    mastery = concept_map.learner_mastery(ctx, "ada", course)
    assert mastery["functions"] is None and mastery["loops"] > 0
    svg = concept_map.svg(ctx, course, mastery, who="ada")
    loops = re.search(r'data-concept="loops">(.*?)</g>', svg).group(1)
    functions = re.search(r'data-concept="functions">(.*?)</g>', svg).group(1)
    assert concept_map.mastery_colour(mastery["loops"]) in loops and f"mastery {mastery['loops']:.0%}" in loops
    assert concept_map.mastery_colour(None) in functions and "not practised yet" in functions
    assert "coloured by ada's mastery" in html.unescape(svg)
    assert concept_map.mastery_colour(0.0) != concept_map.mastery_colour(1.0)
    # the class view averages the learners who practised
    assert concept_map.class_mastery(ctx, course)["loops"] == mastery["loops"]


def test_concepts_whose_titles_start_alike_read_differently_on_the_map(ctx, monkeypatch):
    # git-doc's two tutorials: "A tutorial introduction to Git" and "...: part two" were both drawn as
    # "A tutorial introduction t…", two boxes a reader could not tell apart.
    titles = {"one": "A tutorial introduction to Git", "two": "A tutorial introduction to Git: part two"}
    graph = CourseGraph("git", {c: ConceptNode(c, t, i) for i, (c, t) in enumerate(titles.items())})
    monkeypatch.setattr(concept_map, "graph", lambda ctx, course: graph)
    svg = concept_map.svg(ctx, "git")
    shown = {c: " ".join(html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>",
                                                                re.search(rf'data-concept="{c}">(.*?)</g>', svg).group(1)))
             for c in titles}
    assert shown["one"] != shown["two"], shown
    assert shown["two"].endswith("part two") and "…" not in shown["one"] + shown["two"], shown

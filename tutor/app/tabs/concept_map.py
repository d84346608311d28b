"""Instructor tab "Concept map": the prerequisite graph of a course, with edges to add or remove."""

from __future__ import annotations

import gradio as gr

from tutor.services import concept_map, progress
from tutor.services.context import ServiceContext
from tutor.app.tabs import UserOf
from tutor.app.tabs.guards import guard
from tutor.errors import TutorError


def build(ctx: ServiceContext, user_of: UserOf, *, course: gr.Dropdown) -> gr.Tab:
    """The tab (hidden until on_load finds an instructor) and its events; it draws the map when opened."""
    with gr.Tab("Concept map", id="map", visible=False) as map_tab:
        map_html = gr.HTML(elem_id="concept-map")
        with gr.Row():
            map_concept = gr.Dropdown(label="Concept", choices=[])
            map_prereq = gr.Dropdown(label="needs (prerequisite)", choices=[])
            add_edge = gr.Button("Add prerequisite")
            del_edge = gr.Button("Remove prerequisite")
        map_result = gr.Markdown()

    def map_view(course_id):
        if not course_id:
            return "", gr.update(choices=[]), gr.update(choices=[])
        ids = [cid for _, cid in progress.concepts(ctx, course_id)]
        return concept_map.svg(ctx, course_id), gr.update(choices=ids), gr.update(choices=ids)

    @guard
    def edge_change(course_id, concept_id, prereq_id, request: gr.Request, add=True):
        if not (concept_id and prereq_id):
            raise TutorError("Choose a concept and its prerequisite.")
        fn = concept_map.add_prerequisite if add else concept_map.remove_prerequisite
        message = fn(ctx, user_of(request), course_id, concept_id, prereq_id)
        return message, concept_map.svg(ctx, course_id)

    add_edge.click(edge_change, [course, map_concept, map_prereq], [map_result, map_html])

    @guard
    def edge_remove(course_id, concept_id, prereq_id, request: gr.Request):
        return edge_change.__wrapped__(course_id, concept_id, prereq_id, request, add=False)

    del_edge.click(edge_remove, [course, map_concept, map_prereq], [map_result, map_html])
    map_tab.select(guard(map_view), [course], [map_html, map_concept, map_prereq])
    return map_tab

"""Instructor tab "Concept map": the prerequisite graph of a course coloured by the class's mean mastery, with
edges to add or remove. (Each learner sees their own map, coloured by their mastery, on Progress.)"""

from __future__ import annotations

import gradio as gr

from tutor.services import concept_map, progress
from tutor.services.context import ServiceContext
from tutor.app.tabs import UserOf
from tutor.app.tabs.guards import guard
from tutor.errors import InvalidInputError


def build(ctx: ServiceContext, user_of: UserOf, *, course: gr.Dropdown) -> gr.Tab:
    """The tab (hidden until on_load finds an instructor) and its events; it draws the map when opened."""
    with gr.Tab("Concept map", id="map", visible=False) as map_tab:
        map_html = gr.HTML(elem_id="concept-map")
        gr.Markdown("Each concept is coloured by the class's mean mastery (grey: nobody has practised it); "
                    "an arrow points from a prerequisite to the concept that needs it.")
        with gr.Row():
            map_concept = gr.Dropdown(label="Concept", choices=[], elem_id="map-concept")
            map_prereq = gr.Dropdown(label="needs (prerequisite)", choices=[], elem_id="map-prereq")
            add_edge = gr.Button("Add prerequisite", elem_id="add-edge")
            del_edge = gr.Button("Remove prerequisite", elem_id="del-edge")
        map_result = gr.Markdown(elem_id="map-result")

    def picture(course_id):
        return concept_map.svg(ctx, course_id, concept_map.class_mastery(ctx, course_id), who="the class")

    def map_view(course_id):
        if not course_id:
            return "", gr.update(choices=[]), gr.update(choices=[])
        ids = [cid for _, cid in progress.concepts(ctx, course_id)]
        return picture(course_id), gr.update(choices=ids), gr.update(choices=ids)

    @guard
    def edge_change(course_id, concept_id, prereq_id, request: gr.Request, add=True):
        if not (concept_id and prereq_id):
            raise InvalidInputError("Choose a concept and its prerequisite.")
        fn = concept_map.add_prerequisite if add else concept_map.remove_prerequisite
        message = fn(ctx, user_of(request), course_id, concept_id, prereq_id)
        return message, picture(course_id)

    add_edge.click(edge_change, [course, map_concept, map_prereq], [map_result, map_html])

    @guard
    def edge_remove(course_id, concept_id, prereq_id, request: gr.Request):
        return edge_change.__wrapped__(course_id, concept_id, prereq_id, request, add=False)

    del_edge.click(edge_remove, [course, map_concept, map_prereq], [map_result, map_html])
    map_tab.select(guard(map_view), [course], [map_html, map_concept, map_prereq])
    return map_tab

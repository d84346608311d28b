"""Learner tab "Progress": mastery per concept, recommendations to rate, the path to a goal concept."""

from __future__ import annotations

import gradio as gr
import pandas as pd

from tutor.services import concept_map, progress
from tutor.services.context import ServiceContext
from tutor.app.tabs import UserOf
from tutor.app.tabs.guards import guard
from tutor.errors import InvalidInputError


def build(ctx: ServiceContext, user_of: UserOf, *, course: gr.Dropdown) -> None:
    """The tab and its events; it loads when opened."""
    with gr.Tab("Progress", id="progress") as progress_tab:
        with gr.Row():
            learner_box = gr.Textbox(label="Learner (instructors may look at anyone; empty = me)", elem_id="learner")
            refresh_btn = gr.Button("Refresh", elem_id="refresh-progress")
        mastery_plot = gr.BarPlot(x="concept", y="mastery", title="Mastery per concept", y_lim=[0, 1], elem_id="mastery-plot")
        mastery_table = gr.Dataframe(headers=["concept", "mastery", "attempts", "correct", "next review"],
                                     interactive=False, elem_id="mastery-table")
        summary_md = gr.Markdown(elem_id="progress-summary")
        learner_map = gr.HTML(elem_id="learner-map", label="Where you stand")
        recs_md = gr.Markdown(elem_id="recommendations")
        shown_recs = gr.State([])  # the recommendations on screen (server-side), for thumbs up/down
        with gr.Row():
            rec_pick = gr.Dropdown(label="Rate a recommendation", choices=[], elem_id="rec-pick")
            # Words, not emoji: a machine without an emoji font draws those as empty boxes.
            rec_up = gr.Button("Helpful", elem_id="rec-up")
            rec_down = gr.Button("Not helpful", elem_id="rec-down")
        rec_result = gr.Markdown(elem_id="rec-result")
        with gr.Row():
            goal = gr.Dropdown(label="Goal concept", choices=[], elem_id="goal")
            path_btn = gr.Button("Path to goal", elem_id="path")
        path_table = gr.Dataframe(headers=["concept", "title", "mastery", "needs"], interactive=False, elem_id="path-table")

    @guard
    def load_progress(course_id, learner_id, request: gr.Request):
        user = user_of(request)
        if not course_id:
            raise InvalidInputError("Choose a course first.")
        view = progress.progress(ctx, user, course_id, (learner_id or "").strip() or None)
        frame = pd.DataFrame([{"concept": r["title"], "mastery": round(r["mastery"], 3)} for r in view.rows])
        due = ", ".join(r["title"] for r in view.due) or "none"
        summary = (f"**{view.learner_id}** · predicted score {view.predicted_score:.0%} · "
                   f"{sum(r['attempts'] for r in view.rows)} attempts · due for review: {due}")
        recs, items = "", []
        if view.learner_id == user.name:
            items = progress.recommendations(ctx, user, course_id)
            recs = "**Recommended next**\n\n" + "\n".join(f"1. **{r['title']}** ({r['kind']}) — {r['why']}" for r in items)
        goals = progress.concepts(ctx, course_id)
        picks = gr.update(choices=[(r["title"], i) for i, r in enumerate(items)], value=None)
        picture = concept_map.svg(ctx, course_id, concept_map.learner_mastery(ctx, view.learner_id, course_id), who=view.learner_id)
        return frame, view.table(), summary, recs, gr.update(choices=goals), items, picks, picture

    # The map goes last: API clients read the outputs by position.
    progress_outputs = [mastery_plot, mastery_table, summary_md, recs_md, goal, shown_recs, rec_pick, learner_map]
    refresh_btn.click(load_progress, [course, learner_box], progress_outputs)
    progress_tab.select(load_progress, [course, learner_box], progress_outputs)

    @guard
    def rate_rec(items, index, request: gr.Request, liked=True):
        if index is None or not 0 <= int(index) < len(items or []):
            raise InvalidInputError("Choose a recommendation to rate first.")
        return progress.rate_recommendation(ctx, user_of(request), items[int(index)], liked)

    rec_up.click(rate_rec, [shown_recs, rec_pick], [rec_result])

    @guard
    def rate_rec_down(items, index, request: gr.Request):
        return rate_rec.__wrapped__(items, index, request, liked=False)

    rec_down.click(rate_rec_down, [shown_recs, rec_pick], [rec_result])

    @guard
    def load_path(course_id, goal_id, request: gr.Request):
        if not goal_id:
            raise InvalidInputError("Choose a goal concept first.")
        return pd.DataFrame(progress.path_to(ctx, user_of(request), course_id, goal_id), columns=["concept", "title", "mastery", "needs"])

    path_btn.click(load_path, [course, goal], [path_table])

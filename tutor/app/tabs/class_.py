"""Instructor tab "Class" (module named class_: `class` is a keyword): weakest concepts, stuck learners,
item statistics, feedback ratings, the latest eval run of each suite and the model calls by prompt version."""

from __future__ import annotations

import gradio as gr
import pandas as pd

from tutor.services import analytics
from tutor.services.context import ServiceContext
from tutor.app.tabs import UserOf
from tutor.app.tabs.guards import guard

CALL_COLUMNS = ["prompt", "model", "calls", "failed", "p50_latency_s", "mean_tokens"]


def build(ctx: ServiceContext, user_of: UserOf, *, course: gr.Dropdown) -> gr.Tab:
    """The tab (hidden until on_load finds an instructor) and its events; it loads when opened."""
    with gr.Tab("Class", id="class", visible=False) as class_tab:
        class_btn = gr.Button("Refresh", elem_id="refresh-class")
        weak_plot = gr.BarPlot(x="concept", y="mean_mastery", title="Weakest concepts (mean mastery)", y_lim=[0, 1])
        weak_table = gr.Dataframe(headers=["concept", "mean_mastery", "learners", "attempts"], interactive=False)
        stuck_table = gr.Dataframe(headers=["learner", "concept", "mastery", "attempts"], interactive=False, label="Stuck learners")
        items_table = gr.Dataframe(headers=["item", "mean_score", "attempts", "flag"], interactive=False, label="Items")
        ratings_md = gr.Markdown(elem_id="class-ratings")
        evals_table = gr.Dataframe(headers=analytics.EVAL_COLUMNS, interactive=False, label="Latest eval run of each suite (tutor eval run)")
        calls_table = gr.Dataframe(headers=CALL_COLUMNS, interactive=False, label="Model calls by prompt version")

    @guard
    def class_board(course_id, request: gr.Request):
        board = analytics.dashboard(ctx, user_of(request), course_id)
        weak = pd.DataFrame(board["weakest"], columns=["concept", "mean_mastery", "learners", "attempts"])
        stuck = pd.DataFrame(board["stuck"], columns=["learner", "concept", "mastery", "attempts"])
        items = pd.DataFrame(board["items"], columns=["item", "mean_score", "attempts", "flag"])
        ratings = "; ".join(f"{r['target']}: net {r['net']:+d} of {r['count']}" for r in board["ratings"]) or "no ratings yet"
        evals = pd.DataFrame(analytics.latest_runs(ctx, user_of(request)), columns=analytics.EVAL_COLUMNS)
        calls = pd.DataFrame(analytics.model_calls(ctx, user_of(request)), columns=CALL_COLUMNS)
        return weak, weak, stuck, items, f"Feedback ratings: {ratings}", evals, calls

    board_outputs = [weak_plot, weak_table, stuck_table, items_table, ratings_md, evals_table, calls_table]
    class_btn.click(class_board, [course], board_outputs)
    class_tab.select(class_board, [course], board_outputs)
    return class_tab

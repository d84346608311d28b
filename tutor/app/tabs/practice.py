"""Learner tab "Practice": the recommended exercise, an answer, a hint, the solution."""

from __future__ import annotations

import gradio as gr

from tutor.services import practice, progress
from tutor.services.context import ServiceContext
from tutor.app.tabs import UserOf
from tutor.app.tabs.guards import guard


def build(ctx: ServiceContext, user_of: UserOf, *, course: gr.Dropdown, presented: gr.State, quiz_btn: gr.Button,
          tabs: gr.Tabs) -> None:
    """The tab and its events, plus the Chat tab's "Quiz me" (`quiz_btn`): it opens this tab (`tabs`) on
    the next exercise."""
    with gr.Tab("Practice", id="practice") as practice_tab:
        focus = gr.Dropdown(label="Practise", choices=[("Recommended for me", "")], value="", elem_id="practise-concept",
                            info="The tutor's recommendation, or one concept in a row")
        focus_state = gr.State("")  # the concept picked (server-side); "" is the recommendation
        exercise_md = gr.Markdown("Press **Next exercise** for the one the tutor recommends.", elem_id="exercise")
        choice = gr.Radio(label="Choose one", choices=[], visible=False, elem_id="choice")
        answer_box = gr.Textbox(label="Your answer", visible=False, elem_id="answer")
        with gr.Row():
            submit_btn = gr.Button("Submit answer", variant="primary", elem_id="submit")
            p_hint_btn = gr.Button("Hint", elem_id="hint")
            solution_btn = gr.Button("Show solution", elem_id="solution")
            next_ex_btn = gr.Button("Next exercise", elem_id="next-exercise")
        feedback_md = gr.Markdown(elem_id="feedback")

    def show_exercise(shown: practice.Presented):
        is_choice = shown.type == "mcq"
        return (shown, shown.markdown(), gr.update(choices=shown.options, value=None, visible=is_choice),
                gr.update(value="", visible=not is_choice), "")

    def concept_choices(course_id, picked):
        choices = [("Recommended for me", "")]
        if course_id:
            choices += progress.concepts(ctx, course_id)
        value = picked if picked in {v for _, v in choices} else ""
        return gr.update(choices=choices, value=value), value

    practice_tab.select(guard(concept_choices), [course, focus_state], [focus, focus_state])
    # A State input is left out of the API's data list, so API clients call next_exercise with the course alone.
    def set_focus(picked, course_id):
        # Said on the page, so the learner (and a test) sees the choice took effect before the next exercise.
        titles = dict((cid, title) for title, cid in progress.concepts(ctx, course_id)) if course_id else {}
        said = f"Practising **{titles.get(picked, picked)}** in a row" if picked else "Practising the tutor's recommendation"
        return picked or "", f"{said}: press **Next exercise**."

    focus.input(guard(set_focus), [focus, course], [focus_state, feedback_md])

    @guard
    def next_exercise(course_id, concept, request: gr.Request):
        return show_exercise(practice.next_exercise(ctx, user_of(request), course_id, concept or None))

    practice_outputs = [presented, exercise_md, choice, answer_box, feedback_md]
    next_ex_btn.click(next_exercise, [course, focus_state], practice_outputs)

    @guard
    def quiz_me(course_id, concept, request: gr.Request):
        return (*next_exercise.__wrapped__(course_id, concept, request), gr.Tabs(selected="practice"))

    quiz_btn.click(quiz_me, [course, focus_state], [*practice_outputs, tabs])

    @guard
    def submit(shown, picked, typed, request: gr.Request):
        given = picked if shown is not None and shown.type == "mcq" else typed
        return practice.submit(ctx, user_of(request), shown, given or "").markdown()

    # One submit at a time per session, and the attempt key makes a repeat harmless anyway.
    submit_btn.click(submit, [presented, choice, answer_box], [feedback_md], concurrency_limit=4)

    @guard
    def p_hint(shown, request: gr.Request):
        return f"Hint: {practice.hint(ctx, user_of(request), shown)}", shown

    p_hint_btn.click(p_hint, [presented], [feedback_md, presented])

    @guard
    def show_solution(shown, request: gr.Request):
        return practice.solution(ctx, user_of(request), shown), shown

    solution_btn.click(show_solution, [presented], [feedback_md, presented])

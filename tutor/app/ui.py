"""The Gradio Blocks: the header (who is signed in), the shared course picker and the tabs, one module
each under tutor/app/tabs/, which wire the handlers (chat, practice, progress, community, courses,
concept_map, bank, class_view). No logic of its own beyond turning the signed-in Gradio user into a
`User`, and a TutorError into one readable message (tabs/guards.py).

Instructor tabs are hidden from learners, but the handlers check the role again: hiding is cosmetic.
"""

from __future__ import annotations

import gradio as gr

from tutor.services import authoring
from tutor.services.accounts import User, local_user, token_user
from tutor.services.context import ServiceContext
from tutor.app.tabs import chat, class_, community, concept_map, practice, progress, question_bank, upload
from tutor.app.tabs.guards import guard
from tutor.web.login import COOKIE


SIGN_OUT_JS = """() => { fetch('/logout', {method: 'POST', credentials: 'same-origin'})
  .finally(() => window.location.assign('/login')); }"""


def build(ctx: ServiceContext, *, accounts: bool) -> gr.Blocks:
    """The app. With `accounts`, every request carries a signed-in user name (Gradio's auth)."""

    def user_of(request: gr.Request | None) -> User:
        if not accounts:
            return local_user()
        # The session cookie is checked against the database on every call, not only when the request
        # entered Gradio: a session ended by sign-out, a password change or deletion stops at once.
        cookies = getattr(request, "cookies", None) or {}
        return token_user(cookies.get(COOKIE), ctx.settings)  # NotSignedInError / SessionExpiredError

    def course_choices():
        return [c["course"] for c in authoring.list_courses(ctx)]

    with gr.Blocks(title="tutor") as demo:
        with gr.Row():
            who = gr.Markdown(elem_id="who")
            sign_out = gr.Button("Sign out", elem_id="sign-out", size="sm", scale=0, visible=accounts)
        # The tutor's POST /logout ends the session in the database, then the sign-in page.
        sign_out.click(None, js=SIGN_OUT_JS)
        # Custom values allowed: courses appear at run time, and the handlers reject an unknown course anyway.
        course = gr.Dropdown(label="Course", choices=course_choices(), allow_custom_value=True, elem_id="course")
        presented = gr.State(None)  # the exercise on screen (server-side, per browser session)
        turns = gr.State({})  # chat message index -> logged event id, for thumbs up/down

        with gr.Tabs() as tabs:
            # learner tabs
            quiz_btn = chat.build(ctx, user_of, course=course, presented=presented, turns=turns)
            practice.build(ctx, user_of, course=course, presented=presented, quiz_btn=quiz_btn, tabs=tabs)
            progress.build(ctx, user_of, course=course)
            community.build(ctx, user_of, course=course)
            # instructor tabs
            upload_tab = upload.build(ctx, user_of, course=course, course_choices=course_choices)
            map_tab = concept_map.build(ctx, user_of, course=course)
            bank_tab = question_bank.build(ctx, user_of, course=course)
            class_tab = class_.build(ctx, user_of, course=course)

        instructor_tabs = [upload_tab.tab, map_tab, bank_tab, class_tab]

        def on_load(request: gr.Request):
            user = user_of(request)
            roles = " and ".join(user.roles)
            choices = course_choices()
            value = choices[0] if choices else None
            # Instructor tabs start hidden and are only ever shown (Gradio 6.31 does not hide a shown tab on
            # update); a learner never gets them, and the handlers check the role again anyway.
            shown = [gr.update(visible=True) if user.is_instructor else gr.skip() for _ in instructor_tabs]
            return [f"Signed in as **{user.name}** ({roles})", gr.update(choices=choices, value=value), *shown]

        demo.load(guard(on_load), None, [who, course, *instructor_tabs])

        # When the course changes, refresh what depends on it (the tabs refresh themselves when opened).
        def on_course(course_id):
            sources = authoring.list_sources(ctx, course_id) if course_id else []
            return gr.update(choices=sources, value=sources[0] if sources else None), upload.course_rows(ctx)

        course.change(on_course, [course], [upload_tab.rm_source, upload_tab.course_table])
    return demo

"""Instructor tab "Upload": add files to a course, see the courses, remove a file or a whole course."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import NamedTuple

import gradio as gr

from tutor.services import authoring
from tutor.services.context import ServiceContext
from tutor.app.tabs import UserOf
from tutor.app.tabs.guards import guard
from tutor.errors import InvalidInputError


class UploadTab(NamedTuple):
    tab: gr.Tab  # hidden until on_load finds an instructor
    rm_source: gr.Dropdown  # the files of the picked course: on_course refreshes them
    course_table: gr.Dataframe  # every course: on_course refreshes it


def course_rows(ctx: ServiceContext) -> list[list]:
    return [[c["course"], c["title"], c["files"], c["chunks"]] for c in authoring.list_courses(ctx)]


def build(ctx: ServiceContext, user_of: UserOf, *, course: gr.Dropdown, course_choices: Callable[[], list[str]]) -> UploadTab:
    """The tab and its events. An upload or a removed course also updates the shared `course` picker."""
    with gr.Tab("Upload", id="upload", visible=False) as upload_tab:
        with gr.Row():
            up_course = gr.Textbox(label="Course id", placeholder="e.g. intro-python", elem_id="up-course")
            up_title = gr.Textbox(label="Title (new course)", elem_id="up-title")
        up_files = gr.File(label="Files (Markdown, text, HTML, PDF)", file_count="multiple", elem_id="up-files")
        up_btn = gr.Button("Upload", variant="primary", elem_id="upload-btn")
        up_result = gr.Markdown(elem_id="upload-result")
        course_table = gr.Dataframe(headers=["course", "title", "files", "chunks"], interactive=False, elem_id="course-table")
        with gr.Row():
            rm_source = gr.Dropdown(label="File of the selected course", choices=[], elem_id="rm-source")
            rm_file_btn = gr.Button("Remove file", elem_id="rm-file")
            rm_course_btn = gr.Button("Remove whole course", variant="stop", elem_id="rm-course")
        rm_result = gr.Markdown(elem_id="rm-result")

    @guard
    def do_upload(course_id, title, files, request: gr.Request, bar=gr.Progress()):
        paths = [(f if isinstance(f, str) else f.name) for f in (files or [])]
        pairs = [(p, os.path.basename(getattr(f, "orig_name", None) or p)) for p, f in zip(paths, files or [])]
        result = authoring.upload(ctx, user_of(request), course_id, pairs, title, progress=lambda x, text: bar(x, desc=text))
        if result.loaded:
            ctx.pool.fill(result.course)  # write the new concepts' exercises before a learner asks
        choices = course_choices()
        return result.summary(), course_rows(ctx), gr.update(choices=choices, value=result.course), None

    up_btn.click(do_upload, [up_course, up_title, up_files], [up_result, course_table, course, up_files])

    @guard
    def remove_file(course_id, source, request: gr.Request):
        if not source:
            raise InvalidInputError("Choose a file to remove.")
        return authoring.remove(ctx, user_of(request), course_id, source), course_rows(ctx)

    rm_file_btn.click(remove_file, [course, rm_source], [rm_result, course_table])

    @guard
    def remove_course(course_id, request: gr.Request):
        message = authoring.remove(ctx, user_of(request), course_id)
        ctx.pool.forget(course_id)
        choices = course_choices()
        return message, course_rows(ctx), gr.update(choices=choices, value=choices[0] if choices else None)

    rm_course_btn.click(remove_course, [course], [rm_result, course_table, course])
    upload_tab.select(lambda: course_rows(ctx), None, [course_table])
    return UploadTab(upload_tab, rm_source, course_table)

"""Instructor tab "Question bank": generate draft items, review (approve, reject, edit), Moodle XML / GIFT
export and import."""

from __future__ import annotations

import gradio as gr
import pandas as pd

from tutor.services import progress, question_bank
from tutor.services.accounts import require_instructor
from tutor.services.context import ServiceContext
from tutor.app.tabs import UserOf
from tutor.app.tabs.guards import guard

BANK_COLUMNS = ["id", "concept", "status", "type", "question", "answer", "prompt"]


def build(ctx: ServiceContext, user_of: UserOf, *, course: gr.Dropdown) -> gr.Tab:
    """The tab (hidden until on_load finds an instructor) and its events; it lists the bank when opened."""
    with gr.Tab("Question bank", id="bank", visible=False) as bank_tab:
        with gr.Row():
            pool_md = gr.Markdown(elem_id="pool-status")
            pool_btn = gr.Button("Refresh pool status", elem_id="pool-refresh", scale=0)
        with gr.Row():
            bank_n = gr.Number(label="Items per concept", value=2, precision=0, minimum=1, maximum=question_bank.MAX_PER_CONCEPT, elem_id="bank-n")
            bank_gen = gr.Button("Generate", variant="primary", elem_id="bank-generate")
            bank_filter = gr.Dropdown(label="Show", choices=["all", "draft", "approved", "rejected"], value="all", elem_id="bank-filter")
        bank_table = gr.Dataframe(headers=BANK_COLUMNS, interactive=False, elem_id="bank-table")
        bank_id = gr.Textbox(label="Item id (click a row)", elem_id="bank-id")
        bank_q = gr.Textbox(label="Question", lines=2, elem_id="bank-q")
        bank_a = gr.Textbox(label="Answer")
        bank_opts = gr.Textbox(label="Options (one per line, multiple choice only)", lines=4)
        with gr.Row():
            approve_btn = gr.Button("Approve", elem_id="bank-approve")
            reject_btn = gr.Button("Reject", elem_id="bank-reject")
            save_btn = gr.Button("Save edit", elem_id="bank-save")
        bank_result = gr.Markdown(elem_id="bank-result")
        with gr.Row():  # LMS exchange: approved items out, Moodle XML / GIFT files in (as drafts)
            lms_format = gr.Radio(label="LMS format", choices=["moodle", "gift"], value="moodle", elem_id="lms-format")
            export_btn = gr.Button("Export approved", elem_id="bank-export")
            export_file = gr.File(label="Exported file", interactive=False, elem_id="bank-export-file")
            import_file = gr.File(label="Import Moodle XML or GIFT", file_types=[".xml", ".txt", ".gift"], elem_id="bank-import-file")

    @guard
    def bank_rows(course_id, status, request: gr.Request):
        rows = question_bank.items(ctx, user_of(request), course_id, None if status == "all" else status)
        return pd.DataFrame([[r[c] for c in BANK_COLUMNS] for r in rows], columns=BANK_COLUMNS)

    @guard
    def bank_generate(course_id, n, status, request: gr.Request):
        counts = question_bank.generate(ctx, user_of(request), course_id, int(n or 1))
        text = "Generated: " + ", ".join(f"{c} {k}" for c, k in counts.items())
        return text, bank_rows.__wrapped__(course_id, status, request)

    bank_gen.click(bank_generate, [course, bank_n, bank_filter], [bank_result, bank_table])
    bank_filter.change(bank_rows, [course, bank_filter], [bank_table])

    @guard
    def bank_pick(course_id, table, evt: gr.SelectData, request: gr.Request):
        row = table.iloc[evt.index[0]]
        item = {r["id"]: r for r in question_bank.items(ctx, user_of(request), course_id)}.get(row["id"], {})
        return row["id"], item.get("question", ""), item.get("answer", ""), "\n".join(item.get("options", []))

    bank_table.select(bank_pick, [course, bank_table], [bank_id, bank_q, bank_a, bank_opts])

    @guard
    def bank_status(course_id, item_id, status_filter, request: gr.Request, status="approved"):
        message = question_bank.set_status(ctx, user_of(request), item_id, status)
        return message, bank_rows.__wrapped__(course_id, status_filter, request)

    approve_btn.click(bank_status, [course, bank_id, bank_filter], [bank_result, bank_table])

    @guard
    def bank_reject(course_id, item_id, status_filter, request: gr.Request):
        return bank_status.__wrapped__(course_id, item_id, status_filter, request, status="rejected")

    reject_btn.click(bank_reject, [course, bank_id, bank_filter], [bank_result, bank_table])

    @guard
    def bank_save(course_id, item_id, q, a, opts, status_filter, request: gr.Request):
        options = [o for o in (opts or "").splitlines() if o.strip()] or None
        message = question_bank.edit(ctx, user_of(request), item_id, q, a, options)
        return message, bank_rows.__wrapped__(course_id, status_filter, request)

    save_btn.click(bank_save, [course, bank_id, bank_q, bank_a, bank_opts, bank_filter], [bank_result, bank_table])

    @guard
    def bank_export(course_id, fmt, request: gr.Request):
        path, count = question_bank.export_file(ctx, user_of(request), course_id, fmt)  # a safe name inside a new temp folder
        return f"Exported {count} approved item(s) as {fmt}.", str(path)

    export_btn.click(bank_export, [course, lms_format], [bank_result, export_file])

    @guard
    def bank_import(course_id, upload, status_filter, request: gr.Request):
        if upload is None:
            return gr.skip(), gr.skip(), gr.skip()
        path = upload if isinstance(upload, str) else upload.name
        with open(path, encoding="utf-8") as handle:
            result = question_bank.import_items(ctx, user_of(request), course_id, handle.read())
        skipped = "".join(f"\n- skipped {reason}" for reason in result["skipped"])
        return (f"Imported {result['imported']} item(s) as drafts.{skipped}", bank_rows.__wrapped__(course_id, status_filter, request),
                None)

    import_file.upload(bank_import, [course, import_file, bank_filter], [bank_result, bank_table, import_file])
    @guard
    def pool_status(course_id, request: gr.Request):
        require_instructor(user_of(request), "see the exercise pool")
        if not course_id:
            return "Choose a course to see its exercise pool."
        titles = {cid: title for title, cid in progress.concepts(ctx, course_id)}
        return ctx.pool.status_markdown(course_id, titles)

    bank_tab.select(bank_rows, [course, bank_filter], [bank_table])
    bank_tab.select(pool_status, [course], [pool_md])
    pool_btn.click(pool_status, [course], [pool_md])
    pool_btn.click(bank_rows, [course, bank_filter], [bank_table])  # the items the pool wrote meanwhile, too
    return bank_tab

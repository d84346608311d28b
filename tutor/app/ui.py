"""The Gradio Blocks: wires the handlers (chat, practice, progress, courses, concept_map, bank,
class_view) into learner and instructor tabs. No logic of its own beyond turning the signed-in
Gradio user into a `User`, and a TutorError into one readable message.

Instructor tabs are hidden from learners, but the handlers check the role again: hiding is cosmetic.
"""

from __future__ import annotations

import functools

import gradio as gr
import pandas as pd

from tutor.app import bank, chat, class_view, community, concept_map, courses, evals_view, practice, progress
from tutor.app.accounts import User, local_user, session_user
from tutor.app.context import AppContext
from tutor.errors import TutorError

BANK_COLUMNS = ["id", "concept", "status", "type", "question", "answer", "prompt"]


def _guard(fn):
    """Show a TutorError as Gradio's error toast (one readable line), never a stack trace."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except TutorError as exc:
            raise gr.Error(str(exc)) from exc

    return wrapper


def _guard_stream(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            yield from fn(*args, **kwargs)
        except TutorError as exc:
            raise gr.Error(str(exc)) from exc

    return wrapper


def build(ctx: AppContext, *, accounts: bool) -> gr.Blocks:
    """The app. With `accounts`, every request carries a signed-in user name (Gradio's auth)."""

    def user_of(request: gr.Request | None) -> User:
        if not accounts:
            return local_user()
        name = getattr(request, "username", None)
        if not name:
            raise TutorError("Not signed in: reload the page and sign in.")
        return session_user(name, ctx.settings)  # SessionExpiredError after TUTOR_SESSION_HOURS

    def course_choices():
        return [c["course"] for c in courses.list_courses(ctx)]

    with gr.Blocks(title="tutor") as demo:
        who = gr.Markdown(elem_id="who")
        # Custom values allowed: courses appear at run time, and the handlers reject an unknown course anyway.
        course = gr.Dropdown(label="Course", choices=course_choices(), allow_custom_value=True, elem_id="course")
        presented = gr.State(None)  # the exercise on screen (server-side, per browser session)
        turns = gr.State({})  # chat message index -> logged event id, for thumbs up/down

        with gr.Tabs() as tabs:
            # ---------------------------------------------------------------- learner: chat
            with gr.Tab("Chat", id="chat"):
                chatbot = gr.Chatbot(label="Tutor", height=420, elem_id="chatbot", sanitize_html=True)
                with gr.Row():
                    question = gr.Textbox(label="Your question", placeholder="Ask about the course…", scale=5, elem_id="question")
                    send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
                with gr.Row():
                    quiz_btn = gr.Button("Quiz me", elem_id="quiz-me")
                    simpler_btn = gr.Button("Explain more simply", elem_id="simpler")
                    hint_btn = gr.Button("Give me a hint", elem_id="chat-hint")
                    next_btn = gr.Button("What next?", elem_id="what-next")

            # ---------------------------------------------------------------- learner: practice
            with gr.Tab("Practice", id="practice"):
                exercise_md = gr.Markdown("Press **Next exercise** for the one the tutor recommends.", elem_id="exercise")
                choice = gr.Radio(label="Choose one", choices=[], visible=False, elem_id="choice")
                answer_box = gr.Textbox(label="Your answer", visible=False, elem_id="answer")
                with gr.Row():
                    submit_btn = gr.Button("Submit answer", variant="primary", elem_id="submit")
                    p_hint_btn = gr.Button("Hint", elem_id="hint")
                    solution_btn = gr.Button("Show solution", elem_id="solution")
                    next_ex_btn = gr.Button("Next exercise", elem_id="next-exercise")
                feedback_md = gr.Markdown(elem_id="feedback")

            # ---------------------------------------------------------------- learner: progress
            with gr.Tab("Progress", id="progress") as progress_tab:
                with gr.Row():
                    learner_box = gr.Textbox(label="Learner (instructors may look at anyone; empty = me)", elem_id="learner")
                    refresh_btn = gr.Button("Refresh", elem_id="refresh-progress")
                mastery_plot = gr.BarPlot(x="concept", y="mastery", title="Mastery per concept", y_lim=[0, 1], elem_id="mastery-plot")
                mastery_table = gr.Dataframe(headers=["concept", "mastery", "attempts", "correct", "next review"],
                                             interactive=False, elem_id="mastery-table")
                summary_md = gr.Markdown(elem_id="progress-summary")
                recs_md = gr.Markdown(elem_id="recommendations")
                shown_recs = gr.State([])  # the recommendations on screen (server-side), for thumbs up/down
                with gr.Row():
                    rec_pick = gr.Dropdown(label="Rate a recommendation", choices=[], elem_id="rec-pick")
                    rec_up = gr.Button("👍", elem_id="rec-up")
                    rec_down = gr.Button("👎", elem_id="rec-down")
                rec_result = gr.Markdown(elem_id="rec-result")
                with gr.Row():
                    goal = gr.Dropdown(label="Goal concept", choices=[], elem_id="goal")
                    path_btn = gr.Button("Path to goal", elem_id="path")
                path_table = gr.Dataframe(headers=["concept", "title", "mastery", "needs"], interactive=False)

            # ---------------------------------------------------------------- learner: community
            with gr.Tab("Community", id="community") as community_tab:
                opt_in = gr.Checkbox(label="Show me to other learners as a study partner (display name and what we could "
                                     "help each other with)", value=False, elem_id="community-opt-in")
                community_btn = gr.Button("Refresh", elem_id="refresh-community")
                partners_md = gr.Markdown(elem_id="partners")
                topics_md = gr.Markdown(elem_id="topics")

            # ---------------------------------------------------------------- instructor: upload
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
                rm_result = gr.Markdown()

            # ---------------------------------------------------------------- instructor: concept map
            with gr.Tab("Concept map", id="map", visible=False) as map_tab:
                map_html = gr.HTML(elem_id="concept-map")
                with gr.Row():
                    map_concept = gr.Dropdown(label="Concept", choices=[])
                    map_prereq = gr.Dropdown(label="needs (prerequisite)", choices=[])
                    add_edge = gr.Button("Add prerequisite")
                    del_edge = gr.Button("Remove prerequisite")
                map_result = gr.Markdown()

            # ---------------------------------------------------------------- instructor: question bank
            with gr.Tab("Question bank", id="bank", visible=False) as bank_tab:
                with gr.Row():
                    bank_n = gr.Number(label="Items per concept", value=2, precision=0, minimum=1, maximum=bank.MAX_PER_CONCEPT)
                    bank_gen = gr.Button("Generate", variant="primary")
                    bank_filter = gr.Dropdown(label="Show", choices=["all", "draft", "approved", "rejected"], value="all")
                bank_table = gr.Dataframe(headers=BANK_COLUMNS, interactive=False, elem_id="bank-table")
                bank_id = gr.Textbox(label="Item id (click a row)")
                bank_q = gr.Textbox(label="Question", lines=2)
                bank_a = gr.Textbox(label="Answer")
                bank_opts = gr.Textbox(label="Options (one per line, multiple choice only)", lines=4)
                with gr.Row():
                    approve_btn = gr.Button("Approve")
                    reject_btn = gr.Button("Reject")
                    save_btn = gr.Button("Save edit")
                bank_result = gr.Markdown()
                with gr.Row():  # LMS exchange: approved items out, Moodle XML / GIFT files in (as drafts)
                    lms_format = gr.Radio(label="LMS format", choices=["moodle", "gift"], value="moodle", elem_id="lms-format")
                    export_btn = gr.Button("Export approved", elem_id="bank-export")
                    export_file = gr.File(label="Exported file", interactive=False, elem_id="bank-export-file")
                    import_file = gr.File(label="Import Moodle XML or GIFT", file_types=[".xml", ".txt", ".gift"], elem_id="bank-import-file")

            # ---------------------------------------------------------------- instructor: class
            with gr.Tab("Class", id="class", visible=False) as class_tab:
                class_btn = gr.Button("Refresh")
                weak_plot = gr.BarPlot(x="concept", y="mean_mastery", title="Weakest concepts (mean mastery)", y_lim=[0, 1])
                weak_table = gr.Dataframe(headers=["concept", "mean_mastery", "learners", "attempts"], interactive=False)
                stuck_table = gr.Dataframe(headers=["learner", "concept", "mastery", "attempts"], interactive=False, label="Stuck learners")
                items_table = gr.Dataframe(headers=["item", "mean_score", "attempts", "flag"], interactive=False, label="Items")
                ratings_md = gr.Markdown()
                evals_table = gr.Dataframe(headers=evals_view.COLUMNS, interactive=False, label="Latest eval run of each suite (tutor eval run)")

        instructor_tabs = [upload_tab, map_tab, bank_tab, class_tab]

        # ==================================================================== wiring
        def on_load(request: gr.Request):
            user = user_of(request)
            roles = " and ".join(user.roles)
            choices = course_choices()
            value = choices[0] if choices else None
            # Instructor tabs start hidden and are only ever shown (Gradio 6.31 does not hide a shown tab on
            # update); a learner never gets them, and the handlers check the role again anyway.
            shown = [gr.update(visible=True) if user.is_instructor else gr.skip() for _ in instructor_tabs]
            return [f"Signed in as **{user.name}** ({roles})", gr.update(choices=choices, value=value), *shown]

        demo.load(_guard(on_load), None, [who, course, *instructor_tabs])

        # -- chat
        @_guard_stream
        def ask(message, history, turn_ids, course_id, request: gr.Request, simpler=False):
            user = user_of(request)
            history = list(history or [])
            if simpler:
                asked = [m for m in history if m["role"] == "user"]
                if not asked:
                    raise TutorError("Ask a question first; then I can explain it more simply.")
                message = asked[-1]["content"]
            history += [{"role": "user", "content": message}, {"role": "assistant", "content": ""}]
            yield history, turn_ids, ""
            for shown, turn in chat.answer(ctx, user, course_id, message, simpler=simpler):
                history[-1] = {"role": "assistant", "content": shown}
                if turn is not None:
                    turn_ids = dict(turn_ids) | {len(history) - 1: turn.event_id}
                yield history, turn_ids, ""

        send.click(ask, [question, chatbot, turns, course], [chatbot, turns, question], concurrency_limit=4)
        question.submit(ask, [question, chatbot, turns, course], [chatbot, turns, question], concurrency_limit=4)

        @_guard_stream
        def ask_simpler(message, history, turn_ids, course_id, request: gr.Request):
            yield from ask.__wrapped__(message, history, turn_ids, course_id, request, simpler=True)

        simpler_btn.click(ask_simpler, [question, chatbot, turns, course], [chatbot, turns, question])

        @_guard
        def on_like(turn_ids, data: gr.LikeData, request: gr.Request):
            index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
            event_id = (turn_ids or {}).get(index)
            if event_id is None:
                raise TutorError("Only the tutor's answers can be rated.")
            chat.rate(ctx, user_of(request), event_id, bool(data.liked))
            gr.Info("Thanks: your rating was stored.")

        chatbot.like(on_like, [turns], None)

        @_guard
        def what_next(history, course_id, request: gr.Request):
            text = chat.what_next(ctx, user_of(request), course_id)
            return list(history or []) + [{"role": "user", "content": "What next?"}, {"role": "assistant", "content": text}]

        next_btn.click(what_next, [chatbot, course], [chatbot])

        @_guard
        def chat_hint(history, shown, request: gr.Request):
            if shown is None:
                text = "Press **Quiz me** first: the hint is for the exercise on the Practice tab."
            else:
                text = practice.hint(ctx, user_of(request), shown)
            return list(history or []) + [{"role": "user", "content": "Give me a hint"}, {"role": "assistant", "content": text}], shown

        hint_btn.click(chat_hint, [chatbot, presented], [chatbot, presented])

        # -- practice
        def show_exercise(shown: practice.Presented):
            is_choice = shown.type == "mcq"
            return (shown, shown.markdown(), gr.update(choices=shown.options, value=None, visible=is_choice),
                    gr.update(value="", visible=not is_choice), "")

        @_guard
        def next_exercise(course_id, request: gr.Request):
            return show_exercise(practice.next_exercise(ctx, user_of(request), course_id))

        practice_outputs = [presented, exercise_md, choice, answer_box, feedback_md]
        next_ex_btn.click(next_exercise, [course], practice_outputs)

        @_guard
        def quiz_me(course_id, request: gr.Request):
            return (*next_exercise.__wrapped__(course_id, request), gr.Tabs(selected="practice"))

        quiz_btn.click(quiz_me, [course], [*practice_outputs, tabs])

        @_guard
        def submit(shown, picked, typed, request: gr.Request):
            given = picked if shown is not None and shown.type == "mcq" else typed
            return practice.submit(ctx, user_of(request), shown, given or "").markdown()

        # One submit at a time per session, and the attempt key makes a repeat harmless anyway.
        submit_btn.click(submit, [presented, choice, answer_box], [feedback_md], concurrency_limit=4)

        @_guard
        def p_hint(shown, request: gr.Request):
            return f"Hint: {practice.hint(ctx, user_of(request), shown)}", shown

        p_hint_btn.click(p_hint, [presented], [feedback_md, presented])

        @_guard
        def show_solution(shown, request: gr.Request):
            return practice.solution(ctx, user_of(request), shown), shown

        solution_btn.click(show_solution, [presented], [feedback_md, presented])

        # -- progress
        @_guard
        def load_progress(course_id, learner_id, request: gr.Request):
            user = user_of(request)
            if not course_id:
                raise TutorError("Choose a course first.")
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
            return frame, view.table(), summary, recs, gr.update(choices=goals), items, picks

        progress_outputs = [mastery_plot, mastery_table, summary_md, recs_md, goal, shown_recs, rec_pick]
        refresh_btn.click(load_progress, [course, learner_box], progress_outputs)
        progress_tab.select(load_progress, [course, learner_box], progress_outputs)

        @_guard
        def rate_rec(items, index, request: gr.Request, liked=True):
            if index is None or not 0 <= int(index) < len(items or []):
                raise TutorError("Choose a recommendation to rate first.")
            return progress.rate_recommendation(ctx, user_of(request), items[int(index)], liked)

        rec_up.click(rate_rec, [shown_recs, rec_pick], [rec_result])

        @_guard
        def rate_rec_down(items, index, request: gr.Request):
            return rate_rec.__wrapped__(items, index, request, liked=False)

        rec_down.click(rate_rec_down, [shown_recs, rec_pick], [rec_result])

        @_guard
        def load_path(course_id, goal_id, request: gr.Request):
            if not goal_id:
                raise TutorError("Choose a goal concept first.")
            return pd.DataFrame(progress.path_to(ctx, user_of(request), course_id, goal_id), columns=["concept", "title", "mastery", "needs"])

        path_btn.click(load_path, [course, goal], [path_table])

        # -- community
        @_guard
        def load_community(course_id, request: gr.Request):
            user = user_of(request)
            if not course_id:
                raise TutorError("Choose a course first.")
            joined = community.is_opted_in(ctx, user)
            if joined:
                found = community.partners(ctx, user, course_id)
                partners = "**Study partners**\n\n" + ("\n".join(
                    f"- **{p['name']}** could help you with {', '.join(p['they_help_with'])}; you could help with "
                    f"{', '.join(p['you_help_with'])}" for p in found) or "No complementary partner yet.")
            else:
                partners = "Tick the box above to see study partners (they will see you too)."
            hard = community.topics(ctx, user, course_id)
            topics = "**Suggested discussion topics** (what the class finds hardest)\n\n" + ("\n".join(
                f"- {t['title']}: class mastery {t['mean_mastery']:.0%}, {t['missed']:.0%} of answers missed" for t in hard)
                or "Not enough practice in the class yet.")
            return joined, partners, topics

        community_outputs = [opt_in, partners_md, topics_md]
        community_tab.select(load_community, [course], community_outputs)
        community_btn.click(load_community, [course], community_outputs)

        @_guard
        def change_opt_in(on, course_id, request: gr.Request):
            gr.Info(community.set_opt_in(ctx, user_of(request), bool(on)))
            return load_community.__wrapped__(course_id, request)

        opt_in.input(change_opt_in, [opt_in, course], community_outputs)

        # -- upload
        def course_rows():
            return [[c["course"], c["title"], c["files"], c["chunks"]] for c in courses.list_courses(ctx)]

        @_guard
        def do_upload(course_id, title, files, request: gr.Request, bar=gr.Progress()):
            paths = [(f if isinstance(f, str) else f.name) for f in (files or [])]
            import os

            pairs = [(p, os.path.basename(getattr(f, "orig_name", None) or p)) for p, f in zip(paths, files or [])]
            result = courses.upload(ctx, user_of(request), course_id, pairs, title, progress=lambda x, text: bar(x, desc=text))
            choices = course_choices()
            return result.summary(), course_rows(), gr.update(choices=choices, value=result.course), None

        up_btn.click(do_upload, [up_course, up_title, up_files], [up_result, course_table, course, up_files])

        @_guard
        def remove_file(course_id, source, request: gr.Request):
            if not source:
                raise TutorError("Choose a file to remove.")
            return courses.remove(ctx, user_of(request), course_id, source), course_rows()

        rm_file_btn.click(remove_file, [course, rm_source], [rm_result, course_table])

        @_guard
        def remove_course(course_id, request: gr.Request):
            message = courses.remove(ctx, user_of(request), course_id)
            choices = course_choices()
            return message, course_rows(), gr.update(choices=choices, value=choices[0] if choices else None)

        rm_course_btn.click(remove_course, [course], [rm_result, course_table, course])

        # -- concept map
        def map_view(course_id):
            if not course_id:
                return "", gr.update(choices=[]), gr.update(choices=[])
            ids = [cid for _, cid in progress.concepts(ctx, course_id)]
            return concept_map.svg(ctx, course_id), gr.update(choices=ids), gr.update(choices=ids)

        @_guard
        def edge_change(course_id, concept_id, prereq_id, request: gr.Request, add=True):
            if not (concept_id and prereq_id):
                raise TutorError("Choose a concept and its prerequisite.")
            fn = concept_map.add_prerequisite if add else concept_map.remove_prerequisite
            message = fn(ctx, user_of(request), course_id, concept_id, prereq_id)
            return message, concept_map.svg(ctx, course_id)

        add_edge.click(edge_change, [course, map_concept, map_prereq], [map_result, map_html])

        @_guard
        def edge_remove(course_id, concept_id, prereq_id, request: gr.Request):
            return edge_change.__wrapped__(course_id, concept_id, prereq_id, request, add=False)

        del_edge.click(edge_remove, [course, map_concept, map_prereq], [map_result, map_html])

        # -- question bank
        @_guard
        def bank_rows(course_id, status, request: gr.Request):
            rows = bank.items(ctx, user_of(request), course_id, None if status == "all" else status)
            return pd.DataFrame([[r[c] for c in BANK_COLUMNS] for r in rows], columns=BANK_COLUMNS)

        @_guard
        def bank_generate(course_id, n, status, request: gr.Request):
            counts = bank.generate(ctx, user_of(request), course_id, int(n or 1))
            text = "Generated: " + ", ".join(f"{c} {k}" for c, k in counts.items())
            return text, bank_rows.__wrapped__(course_id, status, request)

        bank_gen.click(bank_generate, [course, bank_n, bank_filter], [bank_result, bank_table])
        bank_filter.change(bank_rows, [course, bank_filter], [bank_table])

        @_guard
        def bank_pick(course_id, table, evt: gr.SelectData, request: gr.Request):
            row = table.iloc[evt.index[0]]
            item = {r["id"]: r for r in bank.items(ctx, user_of(request), course_id)}.get(row["id"], {})
            return row["id"], item.get("question", ""), item.get("answer", ""), "\n".join(item.get("options", []))

        bank_table.select(bank_pick, [course, bank_table], [bank_id, bank_q, bank_a, bank_opts])

        @_guard
        def bank_status(course_id, item_id, status_filter, request: gr.Request, status="approved"):
            message = bank.set_status(ctx, user_of(request), item_id, status)
            return message, bank_rows.__wrapped__(course_id, status_filter, request)

        approve_btn.click(bank_status, [course, bank_id, bank_filter], [bank_result, bank_table])

        @_guard
        def bank_reject(course_id, item_id, status_filter, request: gr.Request):
            return bank_status.__wrapped__(course_id, item_id, status_filter, request, status="rejected")

        reject_btn.click(bank_reject, [course, bank_id, bank_filter], [bank_result, bank_table])

        @_guard
        def bank_save(course_id, item_id, q, a, opts, status_filter, request: gr.Request):
            options = [o for o in (opts or "").splitlines() if o.strip()] or None
            message = bank.edit(ctx, user_of(request), item_id, q, a, options)
            return message, bank_rows.__wrapped__(course_id, status_filter, request)

        save_btn.click(bank_save, [course, bank_id, bank_q, bank_a, bank_opts, bank_filter], [bank_result, bank_table])

        @_guard
        def bank_export(course_id, fmt, request: gr.Request):
            import tempfile
            from pathlib import Path

            from tutor.app.lms_export import SUFFIX

            text, count = bank.export_items(ctx, user_of(request), course_id, fmt)
            path = Path(tempfile.mkdtemp(prefix="tutor-bank-")) / f"{course_id}-bank{SUFFIX[fmt]}"
            path.write_text(text, encoding="utf-8")
            return f"Exported {count} approved item(s) as {fmt}.", str(path)

        export_btn.click(bank_export, [course, lms_format], [bank_result, export_file])

        @_guard
        def bank_import(course_id, upload, status_filter, request: gr.Request):
            if upload is None:
                return gr.skip(), gr.skip(), gr.skip()
            path = upload if isinstance(upload, str) else upload.name
            with open(path, encoding="utf-8") as handle:
                result = bank.import_items(ctx, user_of(request), course_id, handle.read())
            skipped = "".join(f"\n- skipped {reason}" for reason in result["skipped"])
            return (f"Imported {result['imported']} item(s) as drafts.{skipped}", bank_rows.__wrapped__(course_id, status_filter, request),
                    None)

        import_file.upload(bank_import, [course, import_file, bank_filter], [bank_result, bank_table, import_file])

        # -- class
        @_guard
        def class_board(course_id, request: gr.Request):
            board = class_view.dashboard(ctx, user_of(request), course_id)
            weak = pd.DataFrame(board["weakest"], columns=["concept", "mean_mastery", "learners", "attempts"])
            stuck = pd.DataFrame(board["stuck"], columns=["learner", "concept", "mastery", "attempts"])
            items = pd.DataFrame(board["items"], columns=["item", "mean_score", "attempts", "flag"])
            ratings = "; ".join(f"{r['target']}: net {r['net']:+d} of {r['count']}" for r in board["ratings"]) or "no ratings yet"
            evals = pd.DataFrame(evals_view.latest_runs(ctx, user_of(request)), columns=evals_view.COLUMNS)
            return weak, weak, stuck, items, f"Feedback ratings: {ratings}", evals

        class_btn.click(class_board, [course], [weak_plot, weak_table, stuck_table, items_table, ratings_md, evals_table])

        # -- when the course or a tab changes, refresh what depends on it
        def on_course(course_id):
            sources = courses.list_sources(ctx, course_id) if course_id else []
            return gr.update(choices=sources, value=sources[0] if sources else None), course_rows()

        course.change(on_course, [course], [rm_source, course_table])
        upload_tab.select(lambda: course_rows(), None, [course_table])
        map_tab.select(_guard(map_view), [course], [map_html, map_concept, map_prereq])
        bank_tab.select(bank_rows, [course, bank_filter], [bank_table])
        class_tab.select(class_board, [course], [weak_plot, weak_table, stuck_table, items_table, ratings_md, evals_table])
    return demo

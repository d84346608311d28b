"""The Gradio app: learner tabs (chat, practice, progress) and instructor tabs (upload, concept map,
question bank, class), served by `tutor serve`.

Handlers live in plain modules by noun (chat, practice, progress, courses, concept_map, bank, class_view)
and take explicit inputs, including the signed-in `User`, so they are tested without a browser and
check permissions themselves. `ui.py` and `tabs/` (one module a tab) only wire them into gr.Blocks;
`server.py` decides who may sign in and launches. Gradio is imported only by ui.py, tabs/ and server.py.
"""

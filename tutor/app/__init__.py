"""The Gradio app: learner tabs (chat, practice, progress, community) and instructor tabs (upload, concept
map, question bank, class), served by `tutor serve`.

Thin by rule: `ui.py` and `tabs/` (one module a tab) lay out components, turn the signed-in Gradio user into
a `User`, call a function of tutor.services and render what it returns; `server.py` decides who may sign in
and launches. The actions themselves (answer, next exercise, submit, hint, upload, question bank, accounts)
live in tutor.services, which the CLI calls too. Gradio is imported only here.
"""

"""The web layer `tutor serve` runs: a FastAPI app the tutor owns, with the Gradio Blocks mounted inside it
(app.py), the request guard in front of everything (guard.py), the tutor's sign-in pages (login.py) and the
upload cache's bound (uploads.py)."""

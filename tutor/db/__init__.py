"""The learner database: engine, sessions, models and migrations.

`get_engine` and `session_scope` are the whole public entry point; the tables are in `models`,
exercise items behind `items` (the generation layer's seam into storage).
"""

from tutor.db.engine import dispose_engines, get_engine, session_scope

__all__ = ["dispose_engines", "get_engine", "session_scope"]

"""One module a tab of the Gradio app, each with a `build(...)` that lays out the tab's components and wires
its own events. `ui.build` calls them in tab order inside its gr.Tabs and hands each what it needs: the app
context, `user_of` (the signed-in `User` of a request), the shared course picker and states. A tab returns
only what other parts of ui.py use: the gr.Tab itself (shown to instructors by on_load) and the components
on_course refreshes.

Gradio names an endpoint after its function (`/gradio_api/call/load_progress`; a second event with the
same function gets `_1`), and tests and API clients call those names: keep the handler names and the
order in which a tab registers the same function twice.
"""

from __future__ import annotations

from collections.abc import Callable

import gradio as gr

from tutor.services.accounts import User

UserOf = Callable[[gr.Request | None], User]

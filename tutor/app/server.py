"""`tutor serve`: decide who may sign in, load the models once, and launch the Gradio app.

Rules (issue 5): on a loopback address with no accounts the app runs as one local user with both
roles; with accounts, everyone signs in (Gradio's login form, checked against argon2 hashes); on any
other address without accounts it refuses to start, so no open tutor is ever exposed to a network.
"""

from __future__ import annotations

import asyncio
import ipaddress

from tutor.services.accounts import authenticate, has_users
from tutor.services.context import ServiceContext
from tutor.errors import TutorError, UnsafeBindError


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def sign_in_help(host: str, port: int, accounts: bool) -> str:
    url = f"http://{host}:{port}"
    if accounts:
        how = "Sign in with an account made by `tutor user add NAME --role learner|instructor`."
    else:
        how = "No accounts yet: you are the local user, with learner and instructor roles (loopback only)."
    return f"tutor is serving on {url}\n{how}"


def create(ctx: ServiceContext | None = None, host: str = "127.0.0.1"):
    """The Blocks and its auth callback (None when running as the local user)."""
    from tutor import offline

    offline.enforce()
    ctx = ctx or ServiceContext()
    accounts = has_users(ctx.settings)
    if not accounts and not is_loopback(host):
        raise UnsafeBindError(host)
    from tutor.app.ui import build

    ctx.warm()  # models loaded once, before the first learner arrives
    _prepare_courses(ctx)
    auth = None
    if accounts:
        async def auth(name: str, password: str) -> bool:
            # Gradio awaits an async callback on its event loop; argon2 takes ~0.1 s of CPU on purpose,
            # so it runs in a thread, or every sign-in would stall every other request.
            return await asyncio.to_thread(_check, name, password)

        def _check(name: str, password: str) -> bool:
            try:
                return authenticate(name, password, ctx.settings) is not None
            except TutorError as exc:  # rate-limited: Gradio's form can only say no; the log says why
                print(f"sign-in refused: {exc}", flush=True)
                return False
    return build(ctx, accounts=accounts), auth, accounts


def _prepare_courses(ctx: ServiceContext) -> None:
    """Build every course's concept graph and search index now, one course at a time.

    The learner model builds a graph on first use (reading the course outline from the store), which the
    first learners would otherwise wait for; concurrent builds, here or in another app process over the same
    database, are safe (sync_from_outline skips rows another writer inserted). The first search builds the
    BM25 index and warms the embedding model (about 10 s on 2 cores)."""
    from tutor.db import session_scope
    from tutor.learners.concepts import ensure_course

    for course in ctx.store.course_ids():
        try:
            with session_scope(ctx.settings) as session:
                ensure_course(session, course, ctx.settings)
            ctx.retriever.search("warm up", course, k=1)
        except TutorError as exc:  # an empty course must not keep the others from being served
            print(f"warning: course {course}: {exc}", flush=True)


def serve(host: str = "127.0.0.1", port: int = 7860, *, ctx: ServiceContext | None = None, prevent_thread_lock: bool = False):
    demo, auth, accounts = create(ctx, host)
    print(sign_in_help(host, port, accounts), flush=True)
    demo.queue(default_concurrency_limit=4)
    demo.launch(server_name=host, server_port=port, share=False, auth=auth, auth_message="Sign in to tutor",
                prevent_thread_lock=prevent_thread_lock, show_error=True, quiet=True)
    return demo

"""`tutor serve`: decide who may sign in, load the models once, and serve the app with uvicorn.

Rules: on a loopback address with no accounts the app runs as one local user with both roles; with
accounts, everyone signs in (the tutor's /login, argon2 hashes, sessions in the database); on any other
address without accounts it refuses to start, so no open tutor is ever exposed to a network. The Gradio
Blocks is mounted inside the tutor's FastAPI app (tutor.web.app), which owns CORS, the Host allowlist,
security headers, size limits and the upload cache.
"""

from __future__ import annotations

import ipaddress
import os

from tutor.services.accounts import has_users
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
    """The Blocks and whether accounts are on (without accounts: the local user, loopback only)."""
    from tutor import offline

    offline.enforce()
    ctx = ctx or ServiceContext()
    accounts = has_users(ctx.settings)
    if not accounts and not is_loopback(host):
        raise UnsafeBindError(host)
    # Gradio's upload cache lives in the tutor's home, where tutor.web.uploads bounds and cleans it.
    os.environ["GRADIO_TEMP_DIR"] = str(ctx.settings.upload_cache_dir)
    from tutor.app.ui import build

    ctx.warm()  # models loaded once, before the first learner arrives
    _prepare_courses(ctx)
    ctx.pool.start()  # exercises written ahead, in the background, learners first on the model
    for course in ctx.store.course_ids():
        try:
            ctx.pool.fill(course)
        except TutorError as exc:
            print(f"warning: exercise pool for course {course}: {exc}", flush=True)
    return build(ctx, accounts=accounts), accounts


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


def web_app(ctx: ServiceContext | None = None, host: str = "127.0.0.1", port: int = 7860):
    """The FastAPI app to serve (tutor.web.app): Gradio mounted behind the Host, origin, size and session rules."""
    from tutor.web.app import create_web_app

    ctx = ctx or ServiceContext()
    demo, accounts = create(ctx, host)
    demo.queue(default_concurrency_limit=4)
    return create_web_app(demo, ctx.settings, accounts=accounts, host=host), accounts


def serve(host: str = "127.0.0.1", port: int = 7860, *, ctx: ServiceContext | None = None) -> None:
    import uvicorn

    ctx = ctx or ServiceContext()
    app, accounts = web_app(ctx, host, port)
    print(sign_in_help(host, port, accounts), flush=True)
    proxies = ctx.settings.trusted_proxy_list
    # X-Forwarded-For/-Proto are believed only from TUTOR_TRUSTED_PROXIES (uvicorn's default would trust
    # 127.0.0.1, letting any local client pick the address the sign-in limits count).
    uvicorn.run(app, host=host, port=port, proxy_headers=bool(proxies), forwarded_allow_ips=",".join(proxies) or None,
                log_level="warning", server_header=False, timeout_graceful_shutdown=5)

"""`tutor serve`: decide who may sign in, load the models once, and launch the Gradio app.

Rules (issue 5): on a loopback address with no accounts the app runs as one local user with both
roles; with accounts, everyone signs in (Gradio's login form, checked against argon2 hashes); on any
other address without accounts it refuses to start, so no open tutor is ever exposed to a network.
"""

from __future__ import annotations

import ipaddress

from tutor.app.accounts import authenticate, has_users
from tutor.app.context import AppContext
from tutor.errors import UnsafeBindError


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


def create(ctx: AppContext | None = None, host: str = "127.0.0.1"):
    """The Blocks and its auth callback (None when running as the local user)."""
    from tutor import offline

    offline.enforce()
    ctx = ctx or AppContext()
    accounts = has_users(ctx.settings)
    if not accounts and not is_loopback(host):
        raise UnsafeBindError(host)
    from tutor.app.ui import build

    ctx.warm()  # models loaded once, before the first learner arrives
    auth = (lambda name, password: authenticate(name, password, ctx.settings) is not None) if accounts else None
    return build(ctx, accounts=accounts), auth, accounts


def serve(host: str = "127.0.0.1", port: int = 7860, *, ctx: AppContext | None = None, prevent_thread_lock: bool = False):
    demo, auth, accounts = create(ctx, host)
    print(sign_in_help(host, port, accounts), flush=True)
    demo.queue(default_concurrency_limit=4)
    demo.launch(server_name=host, server_port=port, share=False, auth=auth, auth_message="Sign in to tutor",
                prevent_thread_lock=prevent_thread_lock, show_error=True, quiet=True)
    return demo

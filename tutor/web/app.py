"""The FastAPI app the tutor serves: the Gradio Blocks mounted inside it, behind the tutor's own rules.

Layers, outermost first:
1. TrustedHostMiddleware: only 127.0.0.1/localhost, the bind address, and TUTOR_ALLOWED_HOSTS (400 otherwise);
2. WebGuard (tutor.web.guard): cross-site writes, body sizes, who may upload, the sign-in redirect,
   security headers;
3. Starlette's CORSMiddleware with exactly TUTOR_ALLOWED_ORIGINS (none by default: same origin only).
   Its presence is also what switches Gradio's own CORS middleware off: Gradio 6 skips its
   CustomCORSMiddleware when the parent app configures CORSMiddleware (route_utils.parent_configures_cors),
   and that middleware would otherwise echo any Origin with credentials for a non-localhost Host;
4. the tutor's /login and /logout (tutor.web.login), then Gradio at "/", whose `auth_dependency` reads the
   tutor's session cookie, so every Gradio route (page, config, API calls, queue, upload) sees only a
   user with a live session in the database.
"""

from __future__ import annotations

from http.cookies import SimpleCookie

from fastapi import FastAPI, Request
from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware

from tutor.errors import ConfigError, TutorError
from tutor.web.guard import LOOPBACK_HOSTS, WebGuard
from tutor.web.login import COOKIE
from tutor.web.uploads import sweep

WILDCARD_BINDS = ("0.0.0.0", "::", "")


def _token(headers: Headers) -> str | None:
    cookie = SimpleCookie()
    try:
        cookie.load(headers.get("cookie", ""))
    except Exception:  # a malformed Cookie header is no session
        return None
    morsel = cookie.get(COOKIE)
    return morsel.value if morsel else None


def allowed_hosts(settings, host: str, accounts: bool) -> list[str]:
    names = list(LOOPBACK_HOSTS)
    if accounts:  # without accounts the app only ever binds loopback (server.create refuses otherwise)
        if host not in WILDCARD_BINDS:
            names.append(host)
        names += settings.allowed_host_list
    return names


def create_web_app(demo, settings, *, accounts: bool, host: str = "127.0.0.1") -> FastAPI:
    import gradio as gr

    from tutor.services import accounts as accounts_mod, sign_in
    from tutor.web.login import router

    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    def live_name(token: str | None) -> str | None:
        try:
            return sign_in.session_name(token, settings)
        except TutorError:
            return None

    def auth_dependency(request: Request) -> str | None:
        return live_name(request.cookies.get(COOKIE))

    def signed_in(headers: Headers) -> bool:
        return live_name(_token(headers)) is not None

    def may_upload(headers: Headers) -> bool:
        try:
            return accounts_mod.token_user(_token(headers), settings).is_instructor
        except TutorError:
            return False

    cache = settings.upload_cache_dir
    max_cache = int(settings.upload_cache_mb * 1e6)
    max_age = settings.upload_cache_hours * 3600

    def after_upload() -> None:
        sweep(cache, max_cache, max_age)

    sweep(cache, max_cache, max_age)  # what an earlier run left behind
    if accounts:
        app.include_router(router(settings))
    origins = settings.allowed_origin_list
    if "*" in origins:
        raise ConfigError("TUTOR_ALLOWED_ORIGINS cannot be '*': list the origins (https://tutor.example.org).")
    app.add_middleware(CORSMiddleware, allow_origins=origins, allow_credentials=bool(origins),
                       allow_methods=["GET", "POST"], allow_headers=["content-type", "x-gradio-user"])
    app.add_middleware(WebGuard, allowed_origins=origins, max_upload_bytes=int(settings.max_upload_mb * 1e6),
                       max_request_bytes=int(settings.max_request_kb * 1e3),
                       signed_in=signed_in if accounts else None, may_upload=may_upload if accounts else None,
                       after_upload=after_upload)
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts(settings, host, accounts), www_redirect=False)
    return gr.mount_gradio_app(app, demo, path="/", auth_dependency=auth_dependency if accounts else None,
                               max_file_size=int(settings.max_file_mb * 1e6), show_error=True, ssr_mode=False,
                               server_name=host)

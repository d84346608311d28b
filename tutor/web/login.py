"""Sign-in and sign-out pages of the served app (accounts mode): the tutor's own, not Gradio's.

POST /login checks the name and password (argon2, in a thread), applies the limits of
tutor.services.sign_in, and on success starts a database session whose random token goes into the
`tutor_session` cookie: HttpOnly, SameSite=Lax, Secure when the request came over HTTPS. POST /logout
ends that session in the database (every app process sees it at once) and clears the cookie.
"""

from __future__ import annotations

import asyncio
import html

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from tutor.config import Settings
from tutor.errors import TutorError

COOKIE = "tutor_session"

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in to tutor</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 22rem; margin: 4rem auto; padding: 0 1rem; }}
label {{ display: block; margin-top: 1rem; }} input {{ width: 100%; padding: .5rem; box-sizing: border-box; }}
button {{ margin-top: 1.5rem; padding: .5rem 1.5rem; }} .message {{ color: #b00020; }}
</style></head>
<body><h1>{title}</h1>{message}{body}</body></html>"""

_FORM = """<form method="post" action="/login">
<label for="username">username</label><input id="username" name="username" autocomplete="username" required maxlength="64" autofocus>
<label for="password">password</label><input id="password" name="password" type="password" autocomplete="current-password" required maxlength="256">
<button type="submit">Login</button></form>"""

_SIGN_OUT = """<form method="post" action="/logout"><button type="submit">Sign out</button></form>"""


def page(title: str, body: str, message: str = "", status: int = 200) -> HTMLResponse:
    note = f'<p class="message" role="alert">{html.escape(message)}</p>' if message else ""
    return HTMLResponse(_PAGE.format(title=html.escape(title), message=note, body=body), status_code=status,
                        headers={"Cache-Control": "no-store"})


def client_address(request: Request) -> str:
    """The caller's address: uvicorn rewrites it from X-Forwarded-For only for TUTOR_TRUSTED_PROXIES."""
    return request.client.host if request.client else ""


def router(settings: Settings) -> APIRouter:
    from tutor.services import accounts, sign_in

    routes = APIRouter()

    @routes.get("/login")
    def login_form(request: Request):
        return page("Sign in to tutor", _FORM)

    @routes.post("/login")
    async def login(request: Request):
        form = await request.form()
        name = str(form.get("username", ""))[:64].strip()
        password = str(form.get("password", ""))[:256]
        try:
            result = await asyncio.to_thread(accounts.sign_in_user, name, password, client_address(request), settings)
        except TutorError as exc:  # too many attempts: say so, without checking the password
            return page("Sign in to tutor", _FORM, str(exc), status=429)
        if result is None:
            return page("Sign in to tutor", _FORM, "Wrong user name or password.", status=401)
        _user, token = result
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(COOKIE, token, max_age=int(settings.session_hours * 3600), httponly=True, samesite="lax",
                            secure=request.url.scheme == "https", path="/")
        return response

    @routes.get("/logout")
    def logout_form(request: Request):
        # Sign-out is a POST (a link on another site cannot sign anyone out); this page holds its button.
        return page("Sign out of tutor", _SIGN_OUT)

    @routes.post("/logout")
    async def logout(request: Request):
        await asyncio.to_thread(sign_in.end_session, request.cookies.get(COOKIE), settings)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax", secure=request.url.scheme == "https")
        return response

    return routes

"""The outermost layer of the served app (pure ASGI, so streamed answers pass through untouched).

Per request, before anything else reads it:
- Host allowlist: a Host that is not ours gets 400 (a web page that rebinds its DNS name to 127.0.0.1
  cannot talk to the local tutor);
- cross-site writes: a POST/PUT/PATCH/DELETE whose Origin is neither the page's own nor one of
  TUTOR_ALLOWED_ORIGINS, or that the browser marks `Sec-Fetch-Site: cross-site`, gets 403 (CSRF);
- body size: a body larger than its route's limit gets 413 from its Content-Length, before one byte of
  it is read, and a body without a length (chunked) gets 411: nothing of an oversized upload is stored;
- uploads: in accounts mode only an instructor's session may post to /gradio_api/upload;
- the page itself: without a live session, GET / redirects to /login.
Per response: security headers, and any Access-Control-* header dropped unless the Origin is allowed
(a second lock behind the CORS policy, in case a Gradio upgrade brings its own permissive one back).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import PlainTextResponse, RedirectResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UPLOAD_PATH = "/gradio_api/upload"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "[::1]", "::1"]

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Gradio's page needs its inline scripts and styles; what it never needs is to be framed, to post
    # forms elsewhere, plugins, or a <base> moved away.
    "Content-Security-Policy": "frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}
HSTS = "max-age=31536000"


def _default_port(scheme: str) -> str:
    return "443" if scheme in ("https", "wss") else "80"


def origin_key(origin: str) -> str | None:
    """'https://Tutor.example:443' -> 'https://tutor.example:443'; None for 'null' or garbage."""
    try:
        parts = urlsplit(origin.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return None
        port = str(parts.port) if parts.port else _default_port(parts.scheme)
    except ValueError:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host.lower()}:{port}"


class WebGuard:
    def __init__(self, app: ASGIApp, *, allowed_origins: list[str], max_upload_bytes: int, max_request_bytes: int,
                 signed_in: Callable[[Headers], bool] | None = None, may_upload: Callable[[Headers], bool] | None = None,
                 after_upload: Callable[[], None] | None = None):
        self.app = app
        self.allowed = {k for k in (origin_key(o) for o in allowed_origins) if k}
        self.max_upload_bytes = max_upload_bytes
        self.max_request_bytes = max_request_bytes
        self.signed_in = signed_in  # None: no accounts (the local user)
        self.may_upload = may_upload
        self.after_upload = after_upload

    def origin_allowed(self, origin: str | None, scope: Scope, headers: Headers) -> bool:
        """No Origin (not a browser's cross-origin request), the page's own origin, or an allowed one."""
        if origin is None:
            return True
        key = origin_key(origin)
        if key is None:
            return False
        if key in self.allowed:
            return True
        host = headers.get("host", "")
        # Same origin: the browser's Origin names the Host it sent. The scheme may differ behind a TLS proxy
        # that is not trusted for X-Forwarded-Proto, so the host and port decide; the port is written out.
        scheme = scope.get("scheme", "http")
        own = origin_key(f"{scheme}://{host}")
        if own is None:
            return False
        if key.split("://", 1)[1] == own.split("://", 1)[1]:
            return True
        other = "https" if scheme == "http" else "http"  # Host without a port: the default of either scheme
        return ":" not in host.rsplit("]", 1)[-1] and key == origin_key(f"{other}://{host}")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        method = scope["method"]
        path = scope.get("path", "")
        origin = headers.get("origin")
        origin_ok = self.origin_allowed(origin, scope, headers)

        refusal = None
        if method in UNSAFE and (not origin_ok or headers.get("sec-fetch-site") == "cross-site"):
            refusal = PlainTextResponse("Cross-site request refused.", status_code=403)
        elif method in UNSAFE or "content-length" in headers or "transfer-encoding" in headers:
            refusal = self._size_refusal(headers, path)
        if refusal is None and path.rstrip("/") == UPLOAD_PATH and self.may_upload is not None and not self.may_upload(headers):
            refusal = PlainTextResponse("Only an instructor's session may upload files.", status_code=403)
        if refusal is None and self.signed_in is not None and method in ("GET", "HEAD") and path == "/" \
                and not self.signed_in(headers):
            refusal = RedirectResponse("/login", status_code=303)
        if refusal is not None:
            await self._send_with_headers(refusal, scope, receive, send, origin_ok=False)
            return

        is_upload = path.rstrip("/") == UPLOAD_PATH and method == "POST"
        await self.app(scope, receive, self._wrap_send(send, scope, origin_ok))
        if is_upload and self.after_upload is not None:
            await asyncio.to_thread(self.after_upload)

    def _size_refusal(self, headers: Headers, path: str):
        limit = self.max_upload_bytes if path.rstrip("/") == UPLOAD_PATH else self.max_request_bytes
        length = headers.get("content-length")
        if length is None:
            if "chunked" in headers.get("transfer-encoding", "").lower():
                return PlainTextResponse("A request body needs a Content-Length.", status_code=411)
            return None
        try:
            size = int(length)
        except ValueError:
            return PlainTextResponse("Bad Content-Length.", status_code=400)
        if size > limit:
            return PlainTextResponse(f"Request too large: {size / 1e6:.1f} MB, the limit here is {limit / 1e6:.1f} MB.",
                                     status_code=413, headers={"Connection": "close"})
        return None

    async def _send_with_headers(self, response, scope, receive, send, *, origin_ok: bool):
        await response(scope, receive, self._wrap_send(send, scope, origin_ok))

    def _wrap_send(self, send: Send, scope: Scope, origin_ok: bool) -> Send:
        https = scope.get("scheme") == "https"

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if not origin_ok:
                    for name in [k for k in headers.keys() if k.lower().startswith("access-control-")]:
                        del headers[name]
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
                if https:
                    headers["Strict-Transport-Security"] = HSTS
            await send(message)

        return wrapped

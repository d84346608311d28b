"""Secrets out of anything printed or stored: passwords in URLs, API keys in query strings, key settings.

`redact_url("postgresql://tutor:s3cret@db/tutor")` -> "postgresql://tutor:***@db/tutor"; a bare user
name in a URL stays (it names the account, it opens nothing); query parameters named like a secret
(key, token, password, secret, signature ...) become ***. Anything that is not a URL comes back as it was.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "***"
SECRET_NAME = re.compile(r"(pass|secret|token|key|auth|signature|sig|credential)", re.IGNORECASE)
# scheme://user:password@host — also for URLs urlsplit cannot take apart (SQLAlchemy's "+driver" schemes are fine).
_USERINFO = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<user>[^:@/]*):(?P<password>[^@/]*)@")


def redact_url(url: str | None) -> str | None:
    if not url or "://" not in str(url):
        return url
    text = _USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@" if m["password"] else m[0], str(url))
    try:
        parts = urlsplit(text)
    except ValueError:
        return text
    if not parts.query:
        return text
    query = [(k, MASK if SECRET_NAME.search(k) and v else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit(parts._replace(query=urlencode(query, safe="*")))


def redact_text(text: str, secrets: list[str | None]) -> str:
    """`text` with every non-trivial secret value replaced (for messages that quote a URL or a key)."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, MASK)
    return text


def redacted_settings(values: dict) -> dict:
    """Settings as printed: URL values redacted, values of secret-named settings masked."""
    out = {}
    for key, value in values.items():
        if isinstance(value, str) and SECRET_NAME.search(key) and value not in ("", "not-needed"):
            out[key] = MASK
        elif isinstance(value, str):
            out[key] = redact_url(value)
        else:
            out[key] = value
    return out

"""Secrets out of every text reportgen shows: the one place that masks them.

A server's answer may echo what it was sent: the token as written, the
``Authorization`` header (``Basic`` = base64 of ``user:password``, ``Bearer``
= the token), the SMTP ``AUTH PLAIN`` blob (base64 of ``NUL user NUL
password``), a URL with the password percent-encoded. :class:`Redactor`
removes every such form of the secrets it is given, and every value after
``Basic``/``Bearer``/``Token`` whatever it is, so a header echoed in an error
body never reaches a terminal or a log. A run of base64 characters is decoded
and masked when it holds a secret, so a truncated echo (``Basic YWdlbnRA…``)
is caught too. :func:`excerpt` is the most of a server's error body a message
may quote: one short, scrubbed line.

A secret of four characters or more is masked wherever it stands; a shorter
one only where it stands whole (a one-letter password must not mangle host
names).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

MASK = "***"
EXCERPT_CHARS = 120  # the most of a server's error body a message quotes
_MASK_ANYWHERE = 4  # a secret this long is masked wherever it stands; a shorter one only whole

# characters that continue a value: a secret next to one of them is part of another word
# (with password `x`, `smtp.example.com` and `x@example.com` stay as they are)
_BEFORE = r"[\w.@+/=:-]"
_AFTER = r"[\w@+/=:-]|\.\w"  # a full stop ends a sentence unless a word follows it
# the value of an Authorization-like header, whatever it is
_SCHEME = re.compile(r"\b(Basic|Bearer|Token|Digest)(\s+|%20|\+)[^\s\"'<>,;]+", re.IGNORECASE)
_B64_RUN = re.compile(r"[A-Za-z0-9+/_-]{8,}={0,2}")


def mask_whole(text: str, secret: str) -> str:
    """``text`` with every whole occurrence of ``secret`` (not inside a longer value) as ``***``."""
    if not secret:
        return text
    return re.sub(rf"(?<!{_BEFORE}){re.escape(secret)}(?!{_AFTER})", MASK, text)


def _b64(data: str) -> list[str]:
    raw = data.encode()
    return [base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode().rstrip("=")]


def _decoded(run: str) -> bytes:
    body = run.rstrip("=").replace("-", "+").replace("_", "/")
    body = body[: len(body) - len(body) % 4]
    try:
        return base64.b64decode(body, validate=True) if body else b""
    except (binascii.Error, ValueError):
        return b""


class Redactor:
    """Removes every form of the given secrets (and any ``Basic``/``Bearer`` value) from text.

    ``users`` are the user names that go with the secrets in a credential pair
    (``user:secret``, ``NUL user NUL secret``): their base64 forms are masked too.
    """

    def __init__(self, secrets: Iterable[str | None], users: Iterable[str | None] = ()):
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)
        self._long = [s for s in self.secrets if len(s) >= _MASK_ANYWHERE]
        self._short = [s for s in self.secrets if len(s) < _MASK_ANYWHERE]
        forms: set[str] = set()
        names = [u for u in users if u]
        for secret in self.secrets:
            for form in (quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]):
                if form != secret and len(form) >= _MASK_ANYWHERE:
                    forms.add(form)
            forms.update(_b64(secret))
            for user in names:
                for pair in (f"{user}:{secret}", f"\0{user}\0{secret}"):
                    forms.update(_b64(pair))
        self._forms = sorted(forms, key=len, reverse=True)
        self._needles = [s.encode() for s in self._long]

    def __call__(self, text: str) -> str:
        if not text:
            return text
        text = _SCHEME.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
        for form in self._forms:
            text = text.replace(form, MASK)
        for secret in self._long:
            text = text.replace(secret, MASK)
        if self._needles:
            text = _B64_RUN.sub(self._b64_run, text)
        for secret in self._short:
            text = mask_whole(text, secret)
        return text

    def _b64_run(self, match: re.Match[str]) -> str:
        decoded = _decoded(match.group(0))
        return MASK if decoded and any(self._holds(decoded, needle) for needle in self._needles) \
            else match.group(0)

    @staticmethod
    def _holds(decoded: bytes, needle: bytes) -> bool:
        """The secret, or (a truncated echo) its first four bytes or more at the very end."""
        if needle in decoded:
            return True
        return any(decoded.endswith(needle[:size]) for size in range(len(needle) - 1, _MASK_ANYWHERE - 1, -1))


def excerpt(text: str, redact: Redactor, limit: int = EXCERPT_CHARS) -> str:
    """At most ``limit`` characters of ``text`` (a server's error body) on one scrubbed line."""
    flat = " ".join(redact(text[: limit * 8]).split())
    flat = "".join(c for c in flat if c.isprintable())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"

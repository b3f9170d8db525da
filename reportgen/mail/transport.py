"""Sending one message over SMTP: TLS verified, bounded retries, one clear error line.

Policy:

* ``starttls`` (default): plain connection upgraded with STARTTLS before
  anything else; a server that does not offer it is an error, never a silent
  downgrade. ``ssl``: implicit TLS from the first byte (port 465).
  ``none``: no encryption (settings allow it for localhost only).
* Certificates are verified with ``ssl.create_default_context`` (system CAs, or
  ``ca_file`` for a private CA), host name included.
* Retried (``attempts`` times in all, waiting ``retry_delay`` then twice as
  long each time): connection failures, timeouts, dropped connections and
  temporary ``4xx`` replies. Never retried: authentication failures,
  certificate problems, permanent ``5xx`` replies, or anything after the
  server accepted the message (a retry then would send it twice).
* The password is only ever passed to ``SMTP.login``; error texts are built
  from host, port, user name and the server's reply, and scrubbed of the
  password all the same.
"""

from __future__ import annotations

import smtplib
import ssl
import time
from collections.abc import Callable, Sequence
from email.message import EmailMessage
from pathlib import Path

from reportgen.errors import OutputError, ReportgenError
from reportgen.redact import Redactor
from reportgen.redact import mask_whole as mask_whole  # re-exported: the SMTP tests use it

from .settings import EmailSettings


class _Temporary(ReportgenError):
    """A failure worth another attempt; carries the one-line reason."""


def _reply(code: int, text: bytes | str) -> str:
    body = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(body.split())}".strip()


def mask_secret(text: str, password: str, username: str | None = None) -> str:
    """``text`` without the password: as written (``password=…``, ``user:…`` too) and in the
    base64 forms an SMTP client sends it (``AUTH LOGIN``: the password; ``AUTH PLAIN``:
    NUL user NUL password), which a server may echo back in its reply (``reportgen.redact``)."""
    return Redactor([password], [username])(text) if password else text


class SmtpSender:
    """Sends messages with the given settings; ``sleep`` is injectable for tests."""

    def __init__(self, settings: EmailSettings, ca_file: Path | None = None,
                 sleep: Callable[[float], None] = time.sleep):
        if settings.host is None:
            raise OutputError("outputs.email.host is not set", hint="add the SMTP server's host name")
        self.settings = settings
        self.host: str = settings.host
        self.port = settings.server_port
        self.ca_file = ca_file
        self.sleep = sleep

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    def _context(self) -> ssl.SSLContext:
        try:
            return ssl.create_default_context(cafile=str(self.ca_file) if self.ca_file else None)
        except (OSError, ssl.SSLError) as exc:
            raise OutputError(f"outputs.email.ca_file: cannot load {self.ca_file} ({exc})",
                              hint="give a PEM file of the CA that signed the server's certificate") from None

    def _scrub(self, text: str) -> str:
        """A last guard (messages are built without the password, but hold the server's replies,
        which may echo it): no form of the password stays (``mask_secret``)."""
        password = self.settings.password.get_secret_value() if self.settings.password else ""
        return mask_secret(text, password, self.settings.username)

    def _error(self, problem: str, hint: str | None = None) -> OutputError:
        return OutputError(self._scrub(problem), hint=self._scrub(hint) if hint else None)

    def send(self, message: EmailMessage, recipients: Sequence[str]) -> None:
        """Deliver ``message`` to ``recipients`` (the envelope: to + cc + bcc)."""
        if not recipients:
            raise OutputError("no recipients", hint="set outputs.email.to (or cc/bcc) or pass --to")
        context = None if self.settings.security == "none" else self._context()
        attempts = self.settings.attempts
        delay = self.settings.retry_delay
        last = ""
        for attempt in range(1, attempts + 1):
            try:
                self._send_once(message, list(recipients), context)
                return
            except _Temporary as exc:
                last = str(exc)
            if attempt < attempts:
                self.sleep(delay)
                delay *= 2
        tries = f"{attempts} attempts" if attempts > 1 else "1 attempt"
        raise self._error(f"could not send the email via {self.where} after {tries}: {last}",
                          hint="check outputs.email.host/port/security and that the server is reachable")

    def _connect(self, context: ssl.SSLContext | None) -> smtplib.SMTP:
        timeout = self.settings.timeout
        if self.settings.security == "ssl":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=timeout, context=context)
        return smtplib.SMTP(self.host, self.port, timeout=timeout)

    def _send_once(self, message: EmailMessage, recipients: list[str],
                   context: ssl.SSLContext | None) -> None:
        settings = self.settings
        client: smtplib.SMTP | None = None
        try:
            client = self._connect(context)
            client.ehlo()
            if settings.security == "starttls":
                if not client.has_extn("starttls"):
                    raise self._error(f"SMTP server {self.where} does not offer STARTTLS",
                                      hint="use security: ssl (port 465) if it speaks implicit TLS; "
                                           "never send the password unencrypted")
                client.starttls(context=context)
                client.ehlo()
            if settings.username:
                assert settings.password is not None  # settings guarantee both or neither
                client.login(settings.username, settings.password.get_secret_value())
            refused = client.send_message(message, from_addr=settings.envelope_sender, to_addrs=recipients)
        except OutputError:
            raise
        except smtplib.SMTPAuthenticationError as exc:
            raise self._error(f"SMTP login failed for user {settings.username} at {self.where} "
                              f"({_reply(exc.smtp_code, exc.smtp_error)}): check "
                              "outputs.email.username/password") from None
        except smtplib.SMTPNotSupportedError as exc:
            raise self._error(f"SMTP server {self.where}: {exc}",
                              hint="check outputs.email.security and username") from None
        except smtplib.SMTPException as exc:
            raise self._classify(exc) from None
        except ssl.SSLCertVerificationError as exc:
            raise self._error(f"TLS certificate of {self.where} could not be verified "
                              f"({exc.verify_message or exc.reason})",
                              hint="for a private CA set outputs.email.ca_file; check outputs.email.host "
                                   "matches the certificate's name") from None
        except ssl.SSLError as exc:
            raise self._error(f"TLS handshake with {self.where} failed ({exc.reason or exc})",
                              hint="check outputs.email.security matches the port (starttls: 587, "
                                   "ssl: 465)") from None
        except TimeoutError:
            raise _Temporary(f"timed out after {settings.timeout:g} s") from None
        except OSError as exc:
            raise _Temporary(exc.strerror or str(exc) or type(exc).__name__) from None
        finally:
            if client is not None:
                try:
                    client.quit()
                except (smtplib.SMTPException, OSError):
                    client.close()
        if refused:
            shown = ", ".join(f"{addr} ({_reply(code, text)})" for addr, (code, text) in refused.items())
            raise self._error(f"the email was sent, but {self.where} refused some recipients: {shown}",
                              hint="check the addresses in outputs.email.to/cc/bcc")

    def _classify(self, exc: smtplib.SMTPException) -> Exception:
        """A temporary failure (retry) or the final OutputError."""
        if isinstance(exc, smtplib.SMTPServerDisconnected):
            return _Temporary(f"connection closed by the server ({exc or 'no reason given'})")
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            codes = [code for code, _ in exc.recipients.values()]
            shown = ", ".join(f"{addr} ({_reply(code, text)})"
                              for addr, (code, text) in exc.recipients.items())
            if codes and all(400 <= code < 500 for code in codes):
                return _Temporary(f"recipients temporarily refused: {shown}")
            return self._error(f"SMTP server {self.where} refused every recipient: {shown}",
                               hint="check the addresses in outputs.email.to/cc/bcc")
        if isinstance(exc, smtplib.SMTPResponseException):
            reply = _reply(exc.smtp_code, exc.smtp_error)
            if 400 <= exc.smtp_code < 500:
                return _Temporary(f"temporary failure: {reply}")
            sender = isinstance(exc, smtplib.SMTPSenderRefused)
            what = "rejected the sender" if sender else "refused the email"
            return self._error(f"SMTP server {self.where} {what}: {reply}",
                               hint="check outputs.email.from and the server's size and relay limits")
        return _Temporary(str(exc) or type(exc).__name__)

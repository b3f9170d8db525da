"""Google's errors → one clear OutputError line saying what to do."""

from __future__ import annotations

from google.auth import exceptions as google_exceptions
from gspread.exceptions import APIError

from reportgen.errors import OutputError
from reportgen.redact import Redactor, excerpt
from reportgen.transport import AsksToWait, TransportError

SETTING = "outputs.google_sheets"


def _google_message(error: APIError) -> str:
    """Google's message, as one short line with any echoed ``Bearer``/``Basic`` value masked."""
    message = error.error.get("message") if isinstance(error.error, dict) else None
    return excerpt(str(message or ""), Redactor(()), 300)


def explain_api_error(error: APIError, *, key: str | None, email: str | None, action: str) -> OutputError:
    """An HTTP error from Sheets/Drive as one line naming the spreadsheet and the fix."""
    code = error.code if isinstance(error.code, int) and error.code > 0 else error.response.status_code
    status = str(error.error.get("status", "")) if isinstance(error.error, dict) else ""
    message = _google_message(error)
    target = f"spreadsheet {key}" if key else "the new spreadsheet"
    who = email or "the account of your application default credentials"
    if code == 403:
        lowered = message.lower()
        if "has not been used" in lowered or "is disabled" in lowered or "SERVICE_DISABLED" in status:
            return OutputError(f"Google refused to {action}: the API is not enabled for the project "
                               f"of {who} ({message})",
                               hint="enable the Google Sheets API and the Google Drive API in "
                                    "Google Cloud (APIs & Services → Library)")
        if "quota" in lowered or "storage" in lowered:
            return OutputError(f"Google refused to {action}: {message or 'quota exceeded'}",
                               hint=f"create the spreadsheet yourself, share it with {who} as Editor "
                                    f"and set {SETTING}.spreadsheet to its URL")
        return OutputError(f"Google refused to {action}: {target} is not shared with {who}",
                           hint=f"open it in Google Sheets, click Share and add {who} as Editor")
    if code == 404:
        return OutputError(f"Google Sheets: {target} does not exist or {who} cannot see it",
                           hint=f"check {SETTING}.spreadsheet (copy the URL from the browser), and "
                                f"share the spreadsheet with {who} as Editor")
    if code == 401:
        return OutputError(f"Google refused the credentials while trying to {action} (401 {message})",
                           hint=f"check {SETTING}.credentials, or renew the key of {who}")
    if code == 400:
        return OutputError(f"Google Sheets rejected the request to {action} (400 {status}: {message})",
                           hint="if a reportgen tab is protected or was changed by hand, unprotect it; "
                                "otherwise run with --verbose and report this as a reportgen bug")
    return OutputError(f"Google Sheets failed to {action} ({code} {status}: {message})".replace(" : ", ": "),
                       hint="try again in a few minutes")


def explain_auth_error(error: Exception, *, email: str | None) -> OutputError:
    """A failed sign-in (token exchange) without quoting any secret."""
    who = email or "the application default credentials"
    if isinstance(error, google_exceptions.RefreshError):
        first = error.args[0] if error.args and isinstance(error.args[0], str) else "refused"
        reason = first.split(":")[0][:80]
        return OutputError(f"cannot sign in to Google as {who} ({reason})",
                           hint=f"check {SETTING}.credentials: the key may be deleted or disabled; "
                                "download a new JSON key")
    return OutputError(f"cannot reach Google to sign in as {who} ({type(error).__name__})",
                       hint="check the network connection and any proxy settings")


def explain_transport_error(error: TransportError, *, action: str) -> OutputError:
    """Google kept failing, asked for a long wait, or answered what cannot be used: one line."""
    if isinstance(error, AsksToWait):
        return OutputError(f"Google Sheets: could not {action}: {error.what}",
                           hint="nothing was half-written (each write is atomic); publish again later")
    if not error.later:
        return OutputError(f"Google Sheets: could not {action}: {error.what}",
                           hint="nothing was half-written; check the network's proxy settings")
    return OutputError(f"Google Sheets: {error.what}",
                       hint="nothing was half-written (each write is atomic); wait a few minutes and "
                            "publish again")

"""The HTTP requests the publisher sends to Google Sheets and Drive, as plain data (``ApiCall``).

A dry run writes them; ``reportgen.sheets.client`` sends them. The bodies of
the batchUpdate come from ``reportgen.render.sheets``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SHEETS_API = "https://sheets.googleapis.com/v4/spreadsheets"
DRIVE_FILES_API = "https://www.googleapis.com/drive/v3/files"
SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"
APP_PROPERTY = "reportgen"  # marks spreadsheets reportgen created (Drive appProperties)
# what the one GET reads: enough to plan, nothing more (no cell data)
STATE_FIELDS = ("spreadsheetId,properties.title,spreadsheetUrl,"
                "sheets(properties(sheetId,title,index,gridProperties(rowCount,columnCount)),"
                "charts(chartId))")

@dataclass(frozen=True)
class ApiCall:
    """One HTTP request to Google: what a dry run writes and what the publisher sends."""

    purpose: str
    method: str
    url: str
    params: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"purpose": self.purpose, "method": self.method, "url": self.url}
        if self.params:
            out["params"] = self.params
        if self.body is not None:
            out["body"] = self.body
        return out


def get_call(key: str) -> ApiCall:
    return ApiCall("read the spreadsheet's tabs and charts", "GET", f"{SHEETS_API}/{key}",
                   {"fields": STATE_FIELDS, "includeGridData": "false"})


def batch_update_call(key: str, body: dict[str, Any]) -> ApiCall:
    return ApiCall("write every report tab: values, formats, charts (atomic)", "POST",
                   f"{SHEETS_API}/{key}:batchUpdate", {}, body)


def find_call(title: str) -> ApiCall:
    escaped = title.replace("\\", "\\\\").replace("'", "\\'")
    query = (f"name = '{escaped}' and mimeType = '{SPREADSHEET_MIME}' and trashed = false and "
             f"appProperties has {{ key='{APP_PROPERTY}' and value='report' }}")
    return ApiCall("find the spreadsheet reportgen created with this title", "GET", DRIVE_FILES_API,
                   {"q": query, "fields": "files(id,name,createdTime)", "orderBy": "createdTime",
                    "pageSize": "10", "supportsAllDrives": "true", "includeItemsFromAllDrives": "true"})


def create_call(title: str) -> ApiCall:
    return ApiCall("create the spreadsheet", "POST", DRIVE_FILES_API,
                   {"fields": "id,name", "supportsAllDrives": "true"},
                   {"name": title, "mimeType": SPREADSHEET_MIME,
                    "appProperties": {APP_PROPERTY: "report"}})


def permissions_call(key: str) -> ApiCall:
    return ApiCall("read who the spreadsheet is shared with", "GET",
                   f"{DRIVE_FILES_API}/{key}/permissions",
                   {"fields": "permissions(id,type,emailAddress,role)", "supportsAllDrives": "true"})


def share_call(key: str, email: str, role: str) -> ApiCall:
    return ApiCall(f"share with {email} ({role})", "POST", f"{DRIVE_FILES_API}/{key}/permissions",
                   {"sendNotificationEmail": "false", "supportsAllDrives": "true"},
                   {"type": "user", "role": role, "emailAddress": email})

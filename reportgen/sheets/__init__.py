"""Publishing to a shared Google Sheet: the transport only (the bodies come from reportgen.render.sheets).

settings.py  outputs.google_sheets → validated SheetsSettings
auth.py      service-account or application default credentials
calls.py     the Sheets/Drive HTTP requests as data (ApiCall)
client.py    sending them: bounded retries, 429 + Retry-After, uncertain writes
publish.py   read once, write once: plan the batchUpdate against the spreadsheet's state
failures.py  Google's errors → one actionable line
"""

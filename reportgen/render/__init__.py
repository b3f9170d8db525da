"""Renderers of the neutral report model (see reportgen.model). Pure: no network, no credentials.

styles.py  semantic cell styles → fonts, fills, number formats (units from reportgen.units); PALETTE
xlsx.py    report model → .xlsx (xlsxwriter), written atomically
sheets.py  report model → Google Sheets API v4 batchUpdate bodies (sent by reportgen.sheets)
"""

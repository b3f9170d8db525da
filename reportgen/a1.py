"""Spreadsheet column letters (A1 notation), shared by the report model and the Google Sheet source."""

from __future__ import annotations


def column_letter(col: int) -> str:
    """0-based column index → A1 letters (0 → A, 25 → Z, 26 → AA)."""
    letters = ""
    col += 1
    while col:
        col, remainder = divmod(col - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters

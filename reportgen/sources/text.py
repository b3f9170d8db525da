"""Control characters in text read from the data: one rule, wherever the text comes from.

Files, pulled records, Google Sheets and warehouse tables can all hold invisible control
characters in an id or a name: a NUL, an ESC that starts a terminal sequence
(``ESC ] 0;title BEL`` retitles the terminal), a C1 code, a right-to-left override that shows
"Ann" reversed or a zero-width space that makes two names look alike. The rule: **every C0
control character except tab, line feed and carriage return, DEL, every C1 control character
(U+0080–U+009F), the bidirectional embeddings, overrides and isolates (U+202A–U+202E,
U+2066–U+2069), the zero-width space (U+200B) and the byte order mark (U+FEFF) are dropped**
from ids and names (category, channel, agent, survey). A row
that had any dropped is counted on the Data Quality tab (``control_characters``). Tab and line
breaks stay in the data (a quoted multi-line cell is text); whatever is printed on a terminal
escapes them (``reportgen.errors.one_line``).

``CONTROL_PATTERN`` is the rule as a regular expression (Python ``re``, DuckDB's RE2 and
PostgreSQL alike read ``\\xHH`` classes); :func:`drop_controls` applies it in Python,
:func:`has_controls_sql` and :func:`drop_controls_sql` in DuckDB SQL.
"""

from __future__ import annotations

import re

# the invisible format characters that reorder or hide what a name shows: bidirectional embeddings
# and overrides (U+202A–U+202E), isolates (U+2066–U+2069), the zero-width space and the byte order
# mark; written with chr() so that this file holds none of them
_INVISIBLE = f"{chr(0x202A)}-{chr(0x202E)}{chr(0x2066)}-{chr(0x2069)}{chr(0x200B)}{chr(0xFEFF)}"
CONTROL_PATTERN = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f" + _INVISIBLE + "]"
_CONTROL = re.compile(CONTROL_PATTERN)


def drop_controls(text: str) -> str:
    """``text`` without the control characters the rule drops."""
    return _CONTROL.sub("", text)


def has_controls(text: str) -> bool:
    return _CONTROL.search(text) is not None


_SQL_PATTERN = "'" + CONTROL_PATTERN + "'"  # a DuckDB string keeps backslashes: RE2 reads \\xHH


def has_controls_sql(text: str) -> str:
    """SQL (DuckDB): true when ``text`` holds a character the rule drops (NULL for NULL)."""
    return f"regexp_matches({text}, {_SQL_PATTERN})"


def drop_controls_sql(text: str) -> str:
    """SQL (DuckDB): ``text`` (an expression or column) with the rule applied."""
    return f"regexp_replace({text}, {_SQL_PATTERN}, '', 'g')"

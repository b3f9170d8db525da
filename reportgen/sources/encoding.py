"""Which text encoding a CSV export is in, when the source does not say.

The rule is deterministic: UTF-8 (with or without BOM) when the bytes decode as
UTF-8, else Windows-1252 when they decode as it and hold no control characters
other than tab and line breaks, else no guess (the caller reports the file).

Why not a statistical detector (charset-normalizer): on a helpdesk export with
a handful of accented names it can pick a neighbouring code page (cp1250,
mac_roman…) and turn "Café" into another word without any error — a silently
wrong category or agent. The exports reportgen meets are UTF-8 (every vendor's
own export) or Windows-1252 (Excel "CSV" on a Western-European or American
Windows; ISO-8859-1 is the same for every printable character), so the rule
decides between exactly those two and refuses anything else.
"""

from __future__ import annotations

import re

FALLBACK = "cp1252"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def detect_encoding(sample: bytes, truncated: bool = True) -> str | None:
    """``utf-8`` or ``cp1252`` for this sample of a file, or None when it is neither.

    ``truncated``: the sample may end inside a multi-byte character (the file goes on).
    """
    try:
        sample.decode("utf-8-sig")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if truncated and exc.start >= len(sample) - 3 and exc.reason == "unexpected end of data":
            return "utf-8"
    try:
        text = sample.decode(FALLBACK)
    except UnicodeDecodeError:
        return None
    return None if _CONTROL.search(text) else FALLBACK

"""The manager's note: a Markdown file per month, shown at the top of the email and the tracker.

``report.notes`` (default ``notes/{month}.md``, relative to the config's folder) names
the file; a month without one has no note. The note is untrusted text like any data:

* HTML: rendered with markdown-it-py in its ``commonmark`` preset with raw HTML
  **disabled** (``html: False``: a ``<script>`` is shown as text, never markup) and
  links limited to its default safe schemes (``javascript:``, ``vbscript:``, ``file:``
  and non-image ``data:`` URLs are refused by its ``validateLink``). A maintained
  CommonMark parser, rather than hand-written escaping, because a note is written
  for people and deserves lists, emphasis and links done right.
* Spreadsheets and plain text: the Markdown source as text, control characters
  dropped, cut at :data:`MAX_NOTE` characters — a string cell, never a formula.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import Markup

from reportgen.config import Config
from reportgen.errors import ConfigError
from reportgen.voice import cut

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

MAX_NOTE = 4000  # characters of a note shown


@dataclass(frozen=True)
class ManagerNote:
    text: str  # the Markdown source, cleaned and cut (workbook, Sheet, plain-text email)
    source: str  # the file, for messages

    @property
    def html(self) -> Markup:
        return render_markdown(self.text)


def note_path(config: Config, month: str) -> Path:
    return config.resolve(config.report.notes.replace("{month}", month))


def read_note(config: Config, month: str) -> ManagerNote | None:
    """The month's note, or None when its file does not exist (or is empty)."""
    path = note_path(config, month)
    if not path.is_file():
        return None
    try:
        raw = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(f"report.notes: {path} is not UTF-8 text",
                          hint="save the note as UTF-8") from None
    text = cut(raw.replace("\r\n", "\n"), MAX_NOTE)
    return ManagerNote(text, str(path)) if text else None


@cache
def _markdown() -> MarkdownIt:
    """The Markdown parser, made when a note is first rendered (most months have none)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


# inline styles (mail clients drop <style> blocks): a note's headings stay modest
_STYLES = {"heading_open": "margin:6px 0 2px 0;font-size:14px;", "paragraph_open": "margin:0 0 6px 0;",
           "bullet_list_open": "margin:0 0 6px 0;padding-left:20px;",
           "ordered_list_open": "margin:0 0 6px 0;padding-left:20px;"}


def render_markdown(text: str) -> Markup:
    """Safe HTML of a Markdown text: raw HTML is escaped, unsafe link schemes are not links."""
    markdown = _markdown()
    tokens = markdown.parse(text)
    for token in tokens:
        if token.type in _STYLES:
            token.attrSet("style", _STYLES[token.type])
    return Markup(markdown.renderer.render(tokens, markdown.options, {}))

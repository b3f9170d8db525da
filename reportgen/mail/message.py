"""Templates + summary + workbook → the email message (``email.message.EmailMessage``).

Structure (what mail clients expect for an HTML mail with an inline image and
an attachment)::

    multipart/mixed
    ├── multipart/alternative
    │   ├── text/plain                  email.txt.j2
    │   └── multipart/related
    │       ├── text/html               email.html.j2 (autoescaped)
    │       └── image/png               the volume chart, referenced as cid:…
    └── application/vnd.openxmlformats-officedocument.spreadsheetml.sheet   the workbook

Templates come from ``templates_dir`` when configured (a template missing
there falls back to the built-in one), else from the package
``reportgen.templates`` (the repository's top-level ``templates/``).
"""

from __future__ import annotations

import hashlib
import importlib.resources
from collections.abc import Callable, Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

import jinja2

from reportgen.config import Config
from reportgen.errors import ConfigError
from reportgen.render.templates import bytecode_cache

from .settings import EmailSettings
from .summary import EmailSummary

HTML_TEMPLATE = "email.html.j2"
TEXT_TEMPLATE = "email.txt.j2"
XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


class _PackageLoader(jinja2.BaseLoader):
    """Templates shipped in the ``reportgen.templates`` package (works from a wheel or a zip too)."""

    def get_source(self, environment: jinja2.Environment, template: str
                   ) -> tuple[str, str | None, Callable[[], bool] | None]:
        resource = importlib.resources.files("reportgen.templates").joinpath(template)
        if "/" in template or "\\" in template or not resource.is_file():
            raise jinja2.TemplateNotFound(template)
        return resource.read_text(encoding="utf-8"), None, lambda: True


def _autoescape(name: str | None) -> bool:
    return name is not None and name.endswith((".html", ".htm", ".html.j2", ".htm.j2"))


def template_environment(config: Config) -> jinja2.Environment:
    """The jinja2 environment for the bodies: autoescape for HTML, undefined names are errors."""
    loaders: list[jinja2.BaseLoader] = []
    if config.templates_dir:
        folder = config.resolve(config.templates_dir)
        if not folder.is_dir():
            raise ConfigError(f"templates_dir: folder not found: {folder}",
                              hint="point it at a folder holding email.html.j2 and/or email.txt.j2")
        loaders.append(jinja2.FileSystemLoader(folder))
    loaders.append(_PackageLoader())
    return jinja2.Environment(loader=jinja2.ChoiceLoader(loaders), autoescape=_autoescape,
                              undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                              bytecode_cache=bytecode_cache())


def _render(environment: jinja2.Environment, name: str, context: dict[str, object], where: str) -> str:
    try:
        return environment.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise ConfigError(f"{where}: template {exc.name or name}, line {exc.lineno}: {exc.message}") from None
    except jinja2.TemplateError as exc:
        raise ConfigError(f"{where}: template {name}: {exc.message}",
                          hint="see docs/SCHEDULING.md for the names templates can use") from None


def render_subject(settings: EmailSettings, context: dict[str, object]) -> str:
    environment = jinja2.Environment(autoescape=False, undefined=jinja2.StrictUndefined)
    try:
        text = environment.from_string(settings.subject).render(context)
    except jinja2.TemplateError as exc:
        raise ConfigError(f"outputs.email.subject: {exc.message}",
                          hint="names available: title, month, month_label, …") from None
    return " ".join(text.split())  # one line: a header cannot hold line breaks


def render_bodies(config: Config, summary: EmailSummary) -> tuple[str, str]:
    """(plain text, HTML) of the email."""
    environment = template_environment(config)
    where = f"templates_dir ({config.templates_dir})" if config.templates_dir else "built-in templates"
    context = summary.context()
    return (_render(environment, TEXT_TEMPLATE, context, where),
            _render(environment, HTML_TEMPLATE, context, where))


def attachment_name(config: Config, month: str) -> str:
    """The workbook's file name in the email: the title's words and the month."""
    stem = "".join(ch if ch.isalnum() else "-" for ch in config.report.title).strip("-")
    stem = "-".join(part for part in stem.split("-") if part) or "report"
    return f"{stem}-{month}.xlsx"


def compose_message(config: Config, settings: EmailSettings, summary: EmailSummary, workbook: bytes,
                    to: Sequence[str], cc: Sequence[str], chart: bytes | None) -> EmailMessage:
    """The complete message. Bcc recipients are never written in it (only on the SMTP envelope)."""
    name = attachment_name(config, summary.month)
    summary.workbook_name = name
    if chart is not None:
        cid = f"volume-{hashlib.sha256(chart).hexdigest()[:16]}@reportgen"
        summary.chart_cid = f"cid:{cid}"
    text, html = render_bodies(config, summary)
    message = EmailMessage()
    message["Subject"] = render_subject(settings, summary.context())
    message["From"] = settings.sender
    if to:
        message["To"] = ", ".join(to)
    if cc:
        message["Cc"] = ", ".join(cc)
    message["Date"] = formatdate(localtime=True)
    domain = parseaddr(settings.sender)[1].rpartition("@")[2] or "reportgen"
    message["Message-ID"] = make_msgid(idstring=f"reportgen.{summary.month}", domain=domain)
    message.set_content(text, subtype="plain", charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    if chart is not None:
        html_part = next(part for part in message.iter_parts() if part.get_content_type() == "text/html")
        assert isinstance(html_part, EmailMessage)
        html_part.add_related(chart, maintype="image", subtype="png", cid=f"<{cid}>",
                              filename="ticket-volume.png", disposition="inline")
    message.add_attachment(workbook, maintype=XLSX_TYPE[0], subtype=XLSX_TYPE[1],
                           filename=name)
    return message

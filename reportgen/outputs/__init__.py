"""Where a month's report goes. Each output takes a ``reportgen.run.MonthRun`` and delivers it:

base.py           ``Output`` (the interface) and ``Delivered`` (what earlier outputs produced)
xlsx.py           ``XlsxOutput``: the local workbook (always built by ``reportgen run``)
google_sheets.py  ``GoogleSheetsOutput``: outputs.google_sheets
email.py          ``EmailOutput``: outputs.email
site.py           ``SiteOutput``: outputs.site (the report archive, a static site)

``configured_outputs`` lists them in the order ``reportgen run`` delivers them;
``output_problems`` checks their settings for ``reportgen validate``, and the credentials
files they name (they exist and can be read; nothing is sent).
"""

from __future__ import annotations

from reportgen.config import ENV_HINT, KNOWN_OUTPUTS, Config
from reportgen.errors import ConfigError
from reportgen.outputs.base import Delivered, Output
from reportgen.registry import OUTPUTS

__all__ = ["Delivered", "Output", "configured_outputs", "output_problems"]


def configured_outputs(config: Config) -> list[tuple[Output, bool]]:
    """Every output in delivery order, each with whether its outputs: section is configured.

    The workbook is always on (``key`` ""); Google Sheets before the email,
    so the email can link the sheet just published.
    """
    from reportgen.outputs.xlsx import XlsxOutput

    outputs: list[Output] = [XlsxOutput(), *(OUTPUTS.load(name)() for name in OUTPUTS)]
    return [(output, not output.key or output.key in config.outputs) for output in outputs]


def output_problems(config: Config) -> list[ConfigError]:
    """The problems of outputs.google_sheets and outputs.email (none when not configured)."""
    problems: list[ConfigError] = []
    for output in KNOWN_OUTPUTS:
        if output in config.outputs and config.env_problems(output):
            problems.append(ConfigError(f"{config.config_path or 'config'}: "
                                        f"{'; '.join(config.env_problems(output))}", hint=ENV_HINT))
    if "google_sheets" in config.outputs:
        from reportgen.sheets.auth import load_key_info
        from reportgen.sheets.settings import credentials_path, load_settings

        try:
            key = credentials_path(config, load_settings(config))
            if key is not None and not config.env_problems("google_sheets"):
                load_key_info(key)  # exists, readable, a service-account key (no network)
        except ConfigError as exc:
            problems.append(exc)
    if "site" in config.outputs:
        from reportgen.site import site_dir

        try:
            site_dir(config)
        except ConfigError as exc:
            problems.append(exc)
    if "email" in config.outputs:
        from reportgen.mail.settings import load_email_settings

        try:
            load_email_settings(config)
        except ConfigError as exc:
            problems.append(exc)
    return problems

"""`reportgen site`: the report archive, a static site of every stored month (``reportgen.site``).

Registered on the main group in cli.py (``main.add_command(site)``).
"""

from __future__ import annotations

from pathlib import Path

import click

from reportgen.cli_common import (
    allow_partial_option,
    config_option,
    friendly_errors,
    month_option,
    no_cache_option,
    open_config,
    site_target,
    to_stderr,
)
from reportgen.cli_pull import offline_option, pull_first


@click.command()
@config_option
@month_option
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder of the site (default: outputs.site.dir from the config, else 'site').")
@offline_option
@allow_partial_option
@no_cache_option
@friendly_errors
def site(config_path: Path, month: str, out: Path | None, offline: bool, allow_partial: bool,
         no_cache: bool) -> None:
    """Write the report archive: an HTML page per stored month and an index, to open in a browser."""
    from reportgen.run import MonthRun
    from reportgen.site import build_site

    config = open_config(config_path)
    site_target(config, month, out)  # refused before anything is pulled or computed
    pull_first(config, offline)
    run = MonthRun(config, month, notify=to_stderr, allow_partial=allow_partial,
                   cache=not no_cache)
    result = build_site(run, out)
    removed = f"; removed {', '.join(result.removed)} (no longer in history)" if result.removed else ""
    click.echo(f"Site of {len(result.months)} months written to {result.index}{removed}")

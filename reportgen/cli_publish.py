"""`reportgen publish`: the month's report into a shared Google Sheet.

Registered on the main group by cli.py (``main.add_command(publish)``).
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from reportgen.cli_common import (
    allow_partial_option,
    config_option,
    friendly_errors,
    month_option,
    no_cache_option,
    open_config,
    to_stderr,
)
from reportgen.cli_pull import offline_option, pull_first


@click.command()
@config_option
@month_option
@click.option("--dry-run", is_flag=True,
              help="Plan the Google Sheets requests without credentials or network; write nothing.")
@click.option("--requests-out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="With --dry-run: write the request bodies to this JSON file (default: print them).")
@offline_option
@allow_partial_option
@no_cache_option
@friendly_errors
def publish(config_path: Path, month: str, dry_run: bool, requests_out: Path | None, offline: bool,
            allow_partial: bool, no_cache: bool) -> None:
    """Publish the month's report to the Google Sheet in outputs.google_sheets (or create it)."""
    from reportgen.fileio import atomic_output
    from reportgen.output_guard import REQUESTS, check_file
    from reportgen.outputs.google_sheets import GoogleSheetsOutput
    from reportgen.run import MonthRun
    from reportgen.sheets.settings import load_settings

    if requests_out is not None and not dry_run:
        raise click.UsageError("--requests-out goes with --dry-run")
    config = open_config(config_path)
    if requests_out is not None:
        check_file(config, requests_out, REQUESTS, "--requests-out", month)
    settings = load_settings(config)  # settings problems show before any computing
    if not dry_run:
        config.require_env("google_sheets")  # the Google key, not the SMTP password
    pull_first(config, offline or dry_run)  # a dry run uses what is stored
    run = MonthRun(config, month, save=not dry_run, notify=to_stderr, allow_partial=allow_partial,
                     cache=not no_cache)
    output = GoogleSheetsOutput(warn=lambda line: click.echo(line, err=True))
    if dry_run:
        text = json.dumps(output.dry_run(run), indent=1, ensure_ascii=False) + "\n"
        if requests_out is None:
            click.echo(text, nl=False)
            return
        with atomic_output(requests_out) as temporary:
            temporary.write_text(text, encoding="utf-8")
        click.echo(f"Dry run for {run.month}: request bodies written to {requests_out} "
                   "(nothing was sent)")
        return
    result = output.publish(run)
    if result.created:
        click.echo(f"Created spreadsheet {settings.title!r}: {result.url}")
    for email in result.shared_with:
        click.echo(f"Shared with {email}")
    click.echo(f"Report for {run.month} published to {result.url} "
               f"({len(run.report.sheets)} tabs, {result.requests_sent} requests to Google)")

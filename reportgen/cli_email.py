"""`reportgen email` and `reportgen run`: the monthly email and every configured output in order.

Registered on the main group in cli.py (``main.add_command(email)``, ``main.add_command(run)``).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from functools import partial
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
    workbook_target,
)
from reportgen.cli_pull import offline_option, pull_first
from reportgen.errors import ConfigError, ReportgenError


def _addresses(context: click.Context, parameter: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    """--to checked before anything is computed: a line break is a usage error, not a recipient."""
    from reportgen.mail.settings import split_addresses

    try:
        split_addresses(list(value))
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    return value


@click.command()
@config_option
@month_option
@click.option("--to", "to", multiple=True, metavar="ADDRESS", callback=_addresses,
              help="Send only to these addresses (repeat or comma-separate); replaces outputs.email "
                   "to, cc and bcc — handy for a test.")
@click.option("--dry-run", is_flag=True, help="Send nothing: write the exact message to --eml instead "
                                              "(needs no SMTP settings).")
@click.option("--eml", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="With --dry-run: the .eml file to write (opens in any mail client).")
@offline_option
@allow_partial_option
@no_cache_option
@friendly_errors
def email(config_path: Path, month: str, to: tuple[str, ...], dry_run: bool, eml: Path | None,
          offline: bool, allow_partial: bool, no_cache: bool) -> None:
    """Email the month's workbook with an HTML summary (builds the workbook first if it is missing)."""
    from reportgen.output_guard import MESSAGE, check_file
    from reportgen.outputs.email import EmailOutput
    from reportgen.run import MonthRun

    if dry_run != (eml is not None):
        raise click.UsageError("--dry-run and --eml FILE go together: the dry run writes the message to FILE")
    config = open_config(config_path)
    workbook_target(config, month)  # built when missing or stale: refused before anything is computed
    if eml is not None:
        check_file(config, eml, MESSAGE, "--eml", month)
    pull_first(config, offline or dry_run)  # a dry run uses what is stored
    run = MonthRun(config, month, notify=to_stderr, allow_partial=allow_partial,
                   cache=not no_cache)
    outcome = EmailOutput(to=to, dry_run=dry_run, eml=eml).send(run)
    if outcome.built:
        click.echo(f"Report for {outcome.month} written to {outcome.workbook}")
    if outcome.eml is not None:
        who = outcome.describe() if outcome.recipients else "no recipients set"
        click.echo(f"Dry run: message for {who} written to {outcome.eml} (nothing sent)")
    else:
        click.echo(f"Report for {outcome.month} emailed to {outcome.describe()}")


def _step(name: str, action: Callable[[], str]) -> bool:
    """Run one step; print `name: ok — detail` or `name: failed: reason`; True when it worked."""
    try:
        detail = action()
    except ReportgenError as exc:
        click.echo(f"{name}: failed: {exc}")
        return False
    except Exception as exc:  # one output's bug must not stop the others
        first = str(exc).splitlines()[0] if str(exc) else ""
        click.echo(f"{name}: failed: internal error: {type(exc).__name__}: {first}")
        return False
    click.echo(f"{name}: ok — {detail}")
    return True


@click.command()
@config_option
@month_option
@offline_option
@allow_partial_option
@no_cache_option
@friendly_errors
def run(config_path: Path, month: str, offline: bool, allow_partial: bool, no_cache: bool) -> None:
    """Build the workbook, then publish and email it as configured; one line per step.

    Steps: build (always), publish (when outputs.google_sheets is set), email
    (when outputs.email is set), site (when outputs.site is set). The month is computed once and every step
    delivers that same run. A failing step does not stop the others; the
    exit code is 0 only when every step succeeded.
    """
    from reportgen.outputs import Delivered, configured_outputs
    from reportgen.run import MonthRun

    config = open_config(config_path)
    workbook_target(config, month)  # every file a step writes, refused before anything is computed
    if "site" in config.outputs:
        with contextlib.suppress(ConfigError):  # a wrong outputs.site is the site step's failure
            site_target(config, month)
    pull_first(config, offline)
    month_run = MonthRun(config, month, notify=to_stderr, allow_partial=allow_partial,
                         cache=not no_cache)
    month_run.check_whole_month()  # a partial month stops every step: one line, not one a step
    done = Delivered()
    results: list[bool] = []
    for output, configured in configured_outputs(config):
        if not configured:
            click.echo(f"{output.step}: skipped (outputs.{output.key} is not configured)")
            continue
        results.append(_step(output.step, partial(output.deliver, month_run, done)))
    if not all(results):
        sys.exit(1)


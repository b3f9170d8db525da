"""`reportgen history list|drop MONTH`: see what the history store holds and forget a bad month."""

from __future__ import annotations

import calendar
from pathlib import Path

import click

from reportgen.cli_common import config_option, friendly_errors, month_value, open_config


@click.group()
def history() -> None:
    """The history store: months remembered between runs."""


@history.command("list")
@config_option
@friendly_errors
def list_months(config_path: Path) -> None:
    """List stored months: usable rows, days with data, when stored."""
    from reportgen.history import HistoryStore

    config = open_config(config_path)
    store = HistoryStore(config.resolve(config.history.path))
    months = store.list_months()
    if not months:
        click.echo(f"No month stored in {store.path}")
        return
    click.echo(f"{'month':<8}  {'rows':>10}  {'days with data':<14}  stored (UTC)")
    for stored in months:
        if stored.completeness is None:
            rows, days = "?", "?"
        else:
            year, month = int(stored.month[:4]), int(stored.month[5:7])
            rows = f"{stored.completeness.usable_rows:,}"
            days = f"{stored.completeness.days_with_data}/{calendar.monthrange(year, month)[1]}"
        click.echo(f"{stored.month:<8}  {rows:>10}  {days:<14}  {stored.saved_at:%Y-%m-%d %H:%M}")


@history.command("drop")
@config_option
@click.argument("month", callback=month_value)
@friendly_errors
def drop(config_path: Path, month: str) -> None:
    """Forget MONTH (YYYY-MM): the next run stores it again from the sources."""
    from reportgen.errors import HistoryError
    from reportgen.history import HistoryStore

    config = open_config(config_path)
    store = HistoryStore(config.resolve(config.history.path))
    if not store.drop(month):
        stored = ", ".join(m.month for m in store.list_months()) or "none"
        raise HistoryError(f"{month} is not in the history store (stored: {stored})",
                           hint="`reportgen history list` shows the stored months")
    click.echo(f"Dropped {month} from {store.path}")

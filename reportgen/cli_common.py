"""Shared pieces of the command line: error handling and the common options.

Every command module uses these, so errors look the same everywhere: one line
on stderr, exit 1 (3 for a bug; click's usage errors exit 2), a traceback only with ``--verbose``.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from reportgen.errors import ReportgenError

if TYPE_CHECKING:
    from reportgen.config import Config

F = TypeVar("F", bound=Callable[..., Any])

config_option = click.option(
    "--config", "-c", "config_path", type=click.Path(dir_okay=False, path_type=Path),
    default="config.yaml", show_default=True, help="The reportgen config file.",
)
month_option = click.option(
    "--month", "-m", default="last", show_default=True,
    help="Report month as YYYY-MM, or 'last' for the last complete month.",
)

allow_partial_option = click.option(
    "--allow-partial", is_flag=True,
    help="Send a partial report month (data starting or ending more than quality.month_gap_days "
         "inside it) marked ◐, without verdicts, instead of stopping.")


def to_stderr(line: str) -> None:
    """A notice for the person running reportgen (rows excluded, …): one line on stderr."""
    click.echo(line, err=True)


def _verbose() -> bool:
    ctx = click.get_current_context(silent=True)
    return bool(ctx and ctx.find_root().params.get("verbose"))


INTERNAL_ERROR = 3  # 2 is click's: a wrong option or argument


def friendly_errors(func: F) -> F:
    """Turn errors into one clear line and a non-zero exit (traceback with --verbose)."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ReportgenError as exc:
            if _verbose():
                traceback.print_exc()
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except BrokenPipeError:  # output piped into `head`
            sys.stderr.close()
            sys.exit(0)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except Exception as exc:  # a bug: still one line unless --verbose
            if _verbose():
                traceback.print_exc()
            first = str(exc).splitlines()[0] if str(exc) else ""
            click.echo(f"internal error: {type(exc).__name__}: {first} (run with --verbose "
                       "for details and please report it)", err=True)
            sys.exit(INTERNAL_ERROR)

    return wrapper  # type: ignore[return-value]


def open_config(path: Path) -> Config:
    """Load the config; each warning about it (e.g. a legacy time zone) is one line on stderr."""
    from reportgen.config import load_config

    config = load_config(path)
    for warning in config.warnings:
        click.echo(f"warning: {warning}", err=True)
    return config

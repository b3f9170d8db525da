"""Shared pieces of the command line: error handling and the common options.

Every command module uses these, so errors look the same everywhere: one line
on stderr, exit 1 (3 for a bug; click's usage errors exit 2), a traceback only with ``--verbose``.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
import traceback
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from reportgen.errors import ReportgenError, one_line

if TYPE_CHECKING:
    from reportgen.config import Config

F = TypeVar("F", bound=Callable[..., Any])

config_option = click.option(
    "--config", "-c", "config_path", type=click.Path(dir_okay=False, path_type=Path),
    default="config.yaml", show_default=True, help="The reportgen config file.",
)


def month_value(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """A month given on the command line: ``YYYY-MM`` or ``last``; anything else is a usage error
    (exit 2) naming the option or argument as the user wrote it."""
    from reportgen.months import is_month

    option = param.param_type_name == "option"  # an argument (history drop MONTH) takes no 'last'
    if option and value.strip().lower() == "last":
        return value
    if not is_month(value):
        also = " or 'last'" if option else ""
        raise click.BadParameter(f"'{value}' is not a month: use YYYY-MM (e.g. 2026-10){also}")
    return value.strip()


month_option = click.option(
    "--month", "-m", default="last", show_default=True, callback=month_value,
    help="Report month as YYYY-MM, or 'last' for the last complete month.",
)

allow_partial_option = click.option(
    "--allow-partial", is_flag=True,
    help="Send a partial report month (data starting or ending more than quality.month_gap_days "
         "inside it) marked ◐, without verdicts, instead of stopping.")


no_cache_option = click.option(
    "--no-cache", "no_cache", is_flag=True,
    help="Read every source again instead of reusing the result of an earlier run on the same "
         "inputs (kept beside the history file).",
)


def to_stderr(line: str) -> None:
    """A notice for the person running reportgen (rows excluded, …): one line on stderr."""
    click.echo(one_line(line), err=True)


_VERBOSE = "reportgen.verbose"  # key of click's context meta, shared by a command and its group


def _verbose() -> bool:
    ctx = click.get_current_context(silent=True)
    return bool(ctx and (ctx.find_root().params.get("verbose") or ctx.meta.get(_VERBOSE)))


def _set_verbose(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        ctx.meta[_VERBOSE] = True


def accept_verbose(command: click.Command) -> None:
    """Give ``command`` (and every command under it) its own ``--verbose``/``-v``, so that
    ``reportgen build … --verbose`` works as well as ``reportgen --verbose build …``."""
    if not any(param.name == "verbose" for param in command.params):
        command.params.append(click.Option(
            ["--verbose", "-v"], is_flag=True, expose_value=False, callback=_set_verbose,
            help="Show tracebacks for errors."))
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            accept_verbose(sub)


class VerboseGroup(click.Group):
    """A command group whose every command, however it is added, also takes ``--verbose``.

    Called without arguments — as the process's entry point (the ``reportgen`` script,
    ``python -m reportgen``) — it ends the process without the interpreter's teardown
    (``exit_now``); ``main(args=…)`` (tests, embedding) behaves as any click group.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if args or kwargs:
            return self.main(*args, **kwargs)
        try:
            self.main()
        except SystemExit as exc:
            exit_now(exc.code)
        exit_now(0)

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        accept_verbose(cmd)
        super().add_command(cmd, name)


def exit_now(code: object) -> NoReturn:
    """End the process with ``code`` (as ``sys.exit`` takes it) once every output is flushed and
    the exit handlers ran, skipping the interpreter's teardown (freeing every module and object,
    tens of milliseconds once DuckDB and the report libraries are loaded). With another thread
    still running (which a normal exit would wait for), a normal exit."""
    status = 0 if code is None else code if isinstance(code, int) else 1
    if not isinstance(code, int | None):
        print(code, file=sys.stderr)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe (`| head`) or stream
            stream.flush()
    if threading.active_count() > 1:
        sys.exit(status)
    atexit._run_exitfuncs()  # logging's shutdown, temporary files' clean-up, …
    os._exit(status)


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
            first = one_line(str(exc).splitlines()[0], 300) if str(exc) else ""
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


def workbook_target(config: Config, month: str, out: Path | None = None) -> Path:
    """Where the month's workbook goes (``--out``, else report.output), checked before anything is
    computed: never over a file reportgen reads or keeps, always an .xlsx (``reportgen.output_guard``)."""
    from reportgen.months import parse_month_option
    from reportgen.output_guard import WORKBOOK, check_file
    from reportgen.run import report_path

    month = parse_month_option(month, config.report.timezone)
    if out is not None:
        return check_file(config, Path(out), WORKBOOK, "--out", month)
    return check_file(config, report_path(config, month), WORKBOOK, "report.output", month,
                      shown=config.report.output)


def site_target(config: Config, month: str, out: Path | None = None) -> Path:
    """The site's folder (``--out``, else outputs.site.dir), checked before anything is computed."""
    from reportgen.months import parse_month_option
    from reportgen.output_guard import check_site
    from reportgen.run import report_path
    from reportgen.site import site_dir

    month = parse_month_option(month, config.report.timezone)
    return check_site(config, site_dir(config, out), "--out" if out is not None else "outputs.site.dir",
                      month, report_path(config, month).name)

"""The `reportgen` command line: the only place that prints or exits.

Expected failures (ReportgenError) become one line on stderr and exit code 1;
anything unexpected exits 2 with a one-line summary. Tracebacks only with --verbose.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from reportgen import __version__
from reportgen.cli_common import (
    VerboseGroup,
    allow_partial_option,
    config_option,
    friendly_errors,
    month_option,
    month_value,
    no_cache_option,
    open_config,
    site_target,
    to_stderr,
    workbook_target,
)
from reportgen.cli_pull import offline_option, pull_first
from reportgen.i18n import LANGUAGES


@click.group(cls=VerboseGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--verbose", "-v", is_flag=True, help="Show tracebacks for errors.")
@click.version_option(__version__, prog_name="reportgen")
def main(verbose: bool) -> None:
    """reportgen — the monthly customer-service report from your helpdesk and survey exports."""


@main.command()
@config_option
@month_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="Output as a readable table or as JSON.")
@offline_option
@no_cache_option
@friendly_errors
def kpis(config_path: Path, month: str, fmt: str, offline: bool, no_cache: bool) -> None:
    """Compute the month's KPIs, remember them in history and print them."""
    from reportgen.run import MonthRun

    config = open_config(config_path)
    pull_first(config, offline)
    document = MonthRun(config, month, notify=to_stderr, cache=not no_cache).kpis_document()
    if fmt == "json":
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        from reportgen.textreport import kpi_table  # its units and number formats: for the table only

        click.echo(kpi_table(document, config))


@main.command()
@config_option
@friendly_errors
def validate(config_path: Path) -> None:
    """Check the config and every source file, list every problem; write nothing.

    Exit 0 when nothing is wrong or the only rows excluded are routine skips (a
    survey question left unanswered, a partial response); exit 1 when anything is
    fatal (`build` would stop), the quality gate included, or other rows would be
    excluded.
    """
    from reportgen.engine import Engine
    from reportgen.errors import ConfigError, OutputError, ReportgenError, one_line
    from reportgen.gates import QualityGateError, gate_failures
    from reportgen.outputs import output_problems
    from reportgen.sources.api import check_credentials
    from reportgen.textreport import validation_report

    config = open_config(config_path)
    targets: list[ReportgenError] = []
    try:  # report.output (and the site's folder): never a file reportgen reads or keeps
        workbook_target(config, "last")
        if "site" in config.outputs:
            site_target(config, "last")
    except OutputError as exc:
        targets.append(exc)
    except ConfigError:
        pass  # a wrong outputs.site: output_problems tells it
    result = Engine(config, max_problems=None, collect=True).run()
    for note in result.notes:
        click.echo(one_line(f"note: {note}"))
    gate = [QualityGateError(line) for line in gate_failures(result, config)]
    problems = [*output_problems(config), *targets, *check_credentials(config), *gate]
    text, ok = validation_report(result, problems)
    click.echo(text)
    if not ok:
        sys.exit(1)


@main.command()
@config_option
@month_option
@click.option("--out", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the workbook (default: report.output from the config).")
@offline_option
@allow_partial_option
@no_cache_option
@friendly_errors
def build(config_path: Path, month: str, out: Path | None, offline: bool, allow_partial: bool,
          no_cache: bool) -> None:
    """Build the month's workbook (.xlsx); an existing file is replaced only on success."""
    from reportgen.outputs.xlsx import XlsxOutput
    from reportgen.run import MonthRun

    config = open_config(config_path)
    target = workbook_target(config, month, out)  # refused before anything is pulled or computed
    pull_first(config, offline)
    run = MonthRun(config, month, notify=to_stderr, allow_partial=allow_partial,
                   cache=not no_cache)
    target = XlsxOutput(target).write(run)
    click.echo(f"Report for {run.month} written to {target}")


@main.command()
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path),
              default="reportgen-demo", show_default=True,
              help="Folder for the sample data, its config and the report.")
@click.option("--out", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the workbook (default: <dir>/reports/<month>.xlsx).")
@click.option("--month", "-m", default="last", show_default=True, callback=month_value,
              help="Last month of the sample year, YYYY-MM or 'last'.")
@friendly_errors
def demo(folder: Path, out: Path | None, month: str) -> None:
    """Generate a year of realistic sample data and build its report — no config needed."""
    from reportgen.demo import PLANTED_PROBLEMS, write_demo_project
    from reportgen.months import parse_month_option
    from reportgen.outputs.xlsx import XlsxOutput
    from reportgen.run import MonthRun

    end, last = parse_month_option(month, "Europe/Rome"), parse_month_option("last", "Europe/Rome")
    if end > last:  # its report (and the build it suggests) would stop on a month not over yet
        raise click.BadParameter(f"{end} has not ended yet: the sample year ends with a whole month "
                                 f"(e.g. --month {last}, the default 'last')", param_hint="'--month'")
    config_path = write_demo_project(folder, end_month=end)
    config = open_config(config_path)
    target = workbook_target(config, end, out)  # not over the sample data or its config
    to_stderr(PLANTED_PROBLEMS)  # before the run's "1 of … rows excluded" notice, which it explains
    run = MonthRun(config, end, notify=to_stderr)
    target = XlsxOutput(target).write(run)
    click.echo(f"Demo report for {run.month}: {target}")
    click.echo(f"Sample data:   {folder / 'data'}")
    click.echo(f"Its config:    {config_path}")
    click.echo(f"Next: reportgen build --config {config_path} --month {run.month}")


@main.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.option("--language", "-l", type=click.Choice(LANGUAGES), default="en", show_default=True,
              help="Language of the names, units, definitions and formulas.")
@friendly_errors
def catalog(fmt: str, language: str) -> None:
    """List every KPI: id, unit, direction and definition."""
    from reportgen.i18n import display_width, translator
    from reportgen.kpis import KPIS

    tr = translator(language)
    if fmt == "json":
        click.echo(json.dumps([
            {"id": k.id, "label": k.label_in(tr), "group": k.group, "unit": k.unit,
             "direction": k.direction, "breakdown": k.breakdown, "definition": k.definition_in(tr),
             "formula": k.formula_text_in(tr)} for k in KPIS
        ], indent=2, ensure_ascii=False))
        return
    import shutil

    units = {k.id: k.unit_text_in(tr) for k in KPIS}
    width, unit_width = max(len(k.id) for k in KPIS), max(display_width(u) for u in units.values())
    indent = " " * (2 + width + 2 + unit_width + 2)  # the definition column, wrapped under itself
    # definitions at least 36 wide: the longest ids (median_first_response_business_hours) fit 100 columns
    line_width = max(len(indent) + 36, shutil.get_terminal_size((100, 24)).columns)
    for group in ("primary", "secondary"):
        click.echo(tr.t(f"catalog.{group}"))
        for k in (k for k in KPIS if k.group == group):
            unit = units[k.id] + " " * (unit_width - display_width(units[k.id]))
            first = f"  {k.id:<{width}}  {unit}  "
            if tr.language != "en":  # the id is the config's key; its name is what a reader knows
                click.echo(_wrapped(k.label_in(tr), line_width, first, indent))
                first = indent
            click.echo(_wrapped(k.definition_in(tr), line_width, first, indent))
        click.echo("")


def _wrapped(text: str, line_width: int, first: str, indent: str) -> str:
    """``text`` wrapped under its column, by display width (Japanese characters take two columns)."""
    from reportgen.i18n import wrap_by_width

    lines = wrap_by_width(text, line_width - len(indent))
    return "\n".join((first if number == 0 else indent) + part for number, part in enumerate(lines))


# commands that live in their own modules
# (registered here so `reportgen --help` lists everything)
from reportgen.cli_email import email, run  # noqa: E402
from reportgen.cli_history import history  # noqa: E402
from reportgen.cli_init import init  # noqa: E402
from reportgen.cli_publish import publish  # noqa: E402
from reportgen.cli_pull import pull  # noqa: E402
from reportgen.cli_site import site  # noqa: E402

main.add_command(publish)
main.add_command(init)
main.add_command(email)
main.add_command(run)
main.add_command(history)
main.add_command(pull)
main.add_command(site)


if __name__ == "__main__":  # pragma: no cover
    main()

"""`reportgen init [FILE ...]`: write a commented config.yaml from the user's exports."""

from __future__ import annotations

from pathlib import Path

import click

from reportgen.cli_common import friendly_errors
from reportgen.registry import CONNECTORS


@click.command()
@click.argument("exports", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--api", "apis", multiple=True,
              type=click.Choice(CONNECTORS.names()),
              help="Also pull from this vendor's API (credentials as ${ENV} placeholders); repeatable.")
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path), default=".",
              show_default=True, help="Folder to write config.yaml into.")
@click.option("--force", is_flag=True, help="Replace an existing config.yaml.")
@friendly_errors
def init(exports: tuple[Path, ...], apis: tuple[str, ...], folder: Path, force: bool) -> None:
    """Write a commented config.yaml for your exports (FILE: a helpdesk or survey export).

    Each export's preset is recognised from its headers; the options it needs (the score
    question, the survey kind, comment and ticket columns, delimiter, date order) are chosen
    from the file. Every other key is written commented out with its default. An existing
    config.yaml is replaced only with --force.
    """
    from reportgen.starter import check_target, config_text, inspect_export, ratings_as_surveys, write_config

    target = folder / "config.yaml"
    check_target(target, force)  # before reading any export
    found = [inspect_export(path) for path in exports]
    for export in found:
        click.echo(export.summary)
    for export in ratings_as_surveys(found, apis):
        click.echo(f"{export.path.name}: its satisfaction ratings feed the surveys (preset zendesk_csat)")
    write_config(target, config_text(found, list(dict.fromkeys(apis)), folder), force)
    click.echo(f"Wrote {target}")
    click.echo(f"Next: reportgen validate --config {target}")

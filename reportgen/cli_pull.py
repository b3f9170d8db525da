"""`reportgen pull`: fetch what changed in the helpdesk's API into the embedded store.

Registered on the main group by cli.py (``main.add_command(pull)``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from reportgen.cli_common import config_option, friendly_errors

if TYPE_CHECKING:
    from reportgen.config import Config

offline_option = click.option(
    "--offline", is_flag=True,
    help="Use the records already pulled into the store; do not call the helpdesk's API first.")


def pull_first(config: Config, offline: bool) -> None:
    """What report commands do before computing: pull the api: sources (progress on stderr)."""
    if offline or not config.sources.of_kind("api"):
        return  # nothing to pull: the HTTP client and vendor modules are not even imported
    from reportgen.sources.api import pull_first as pull_sources_first
    from reportgen.sources.api.progress import stderr_progress

    pull_sources_first(config, offline=offline, progress=stderr_progress)


@click.command()
@config_option
@click.option("--full", is_flag=True,
              help="Start again from each source's start: date instead of continuing from the cursor.")
@click.option("--dataset", "datasets", multiple=True, type=click.Choice(["tickets", "surveys", "business"]),
              help="Pull only this dataset's sources (repeatable; default: every api: source).")
@friendly_errors
def pull(config_path: Path, full: bool, datasets: tuple[str, ...]) -> None:
    """Pull tickets/responses from the api: sources (Zendesk, Freshdesk, …) into the store.

    Each run asks only for what changed since the last one; a run that is stopped resumes
    from the last page it stored. Progress goes to stderr (one summary line per source
    when stderr is not a terminal).
    """
    from reportgen.config import load_config
    from reportgen.errors import ConfigError
    from reportgen.sources.api import api_sources
    from reportgen.sources.api import pull as pull_sources
    from reportgen.sources.api.progress import stderr_progress

    config = load_config(config_path)
    if not api_sources(config, datasets or None):
        raise ConfigError(f"{config_path}: no source with api: to pull"
                          + (f" among {', '.join(datasets)}" if datasets else ""),
                          hint="add e.g. `tickets: {api: zendesk, url: …, email: …, token: …}` "
                               "(see config.example.yaml)")
    pull_sources(config, full=full, datasets=datasets or None, progress=stderr_progress)

"""The connectors by `api:` name: the built-in ones (connectors.py) and any added with `@register`."""

from __future__ import annotations

import difflib

from reportgen.errors import ConfigError
from reportgen.sources.api import connectors  # noqa: F401  (importing registers the built-in connectors)
from reportgen.sources.api.base import CONNECTORS, Connector


def connector_class(dataset: str, api: str) -> type[Connector]:
    """The connector registered as ``api``; a ConfigError naming the closest name otherwise."""
    if api in CONNECTORS:
        return CONNECTORS[api]
    close = difflib.get_close_matches(api, list(CONNECTORS), n=1)
    hint = f"did you mean '{close[0]}'?" if close else f"known: {', '.join(sorted(CONNECTORS))}"
    raise ConfigError(f"sources.{dataset}.api: unknown api '{api}' ({hint})")

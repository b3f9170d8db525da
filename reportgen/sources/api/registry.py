"""The connector of an ``api:`` name, found in the one registry (``reportgen.registry``)."""

from __future__ import annotations

from reportgen.errors import ConfigError
from reportgen.registry import CONNECTORS
from reportgen.sources.api.base import Connector


def connector_class(dataset: str, api: str) -> type[Connector]:
    """The connector registered as ``api``; a ConfigError naming the closest name otherwise."""
    if api in CONNECTORS:
        found: type[Connector] = CONNECTORS.load(api)
        return found
    raise ConfigError(f"sources.{dataset}.api: {CONNECTORS.unknown(api)}")

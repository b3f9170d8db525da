"""Outbound channels: the channel values of tickets the team started, not a customer.

Freshdesk writes ``Outbound Email`` (its API: source 10) for a ticket an agent
opened by writing to a customer. Such a ticket is not a channel the customer
chose and no customer waited for its first response, so the engine leaves it
out of the preferred channels and the first-response KPIs and counts it apart
(docs/SPEC_NOTES.md). A preset or connector declares its vendor's outbound
values; a source's ``outbound_channels:`` replaces them (``[]``: none).

A channel is one name across sources (names differing only in case or
surrounding spaces are one), so a value is outbound in the report when any
ticket source declares it.
"""

from __future__ import annotations

from reportgen.config import ApiSource, Config, SourceConfig
from reportgen.sources.presets import PRESETS


def declared(source: SourceConfig) -> tuple[str, ...]:
    """A tickets source's outbound channel values, as configured or as its preset/connector declares."""
    if source.outbound_channels is not None:
        return tuple(source.outbound_channels)
    if isinstance(source, ApiSource):  # the connectors (and their HTTP client) only for a pulled source
        from reportgen.sources.api.registry import connector_class

        return connector_class("tickets", source.api).outbound_channels
    if source.kind in ("path", "google_sheet") and source.preset in PRESETS:
        return PRESETS[source.preset].outbound_channels
    return ()


def key(channel: str) -> str:
    """How a channel value is compared: trimmed, in lower case (the SQL side: ``lower(trim(channel))``)."""
    return channel.strip().lower()


def outbound_channels(config: Config) -> tuple[str, ...]:
    """Every outbound channel value of the ticket sources, compared as :func:`key` (sorted, unique)."""
    values = {key(value) for source in config.sources.of("tickets") for value in declared(source)}
    return tuple(sorted(values))


def outbound_notes(config: Config) -> list[str]:
    """A note (for ``validate``) naming the outbound channels in use, when there are any."""
    spellings: dict[str, str] = {}  # as a preset or the config writes them, one per key
    for source in config.sources.of("tickets"):
        for value in declared(source):
            spellings.setdefault(key(value), value.strip())
    if not spellings:
        return []
    listed = ", ".join(spellings[k] for k in sorted(spellings))
    return [f"tickets: channels of tickets the team started (outbound: counted as outbound_tickets, "
            f"not in the preferred channels nor the first-response KPIs): {listed} — "
            f"outbound_channels: on a tickets source changes them"]

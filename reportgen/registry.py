"""Every name a config file may give a pluggable part, and where its code lives: ONE lazy registry.

Four kinds of parts are chosen by name in config.yaml: file presets
(``preset:``), warehouse presets (``preset:`` of a ``warehouse:`` source),
API connectors (``api:``) and outputs (``outputs.<name>``). Each name is
declared here once, with the module and attribute that implement it and the
datasets it reads. Nothing is imported until a part is used
(:meth:`Registry.load`), so validating a config imports no vendor code, and
no module registers itself as a side effect of being imported.

This module imports nothing of reportgen: the config (the lowest layer) reads
the names and datasets from it; the implementing modules are found by
``importlib`` only when asked for.

Adding a part is one line in one list below (and its module); a plugin may
call :meth:`Registry.add` at run time.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Entry:
    """One part: its config name, ``module:attribute`` that implements it, the datasets it reads."""

    name: str
    target: str
    datasets: tuple[str, ...] = ()

    def load(self) -> Any:
        module, _, attribute = self.target.partition(":")
        loaded = importlib.import_module(module)
        return getattr(loaded, attribute) if attribute else loaded


class Registry:
    """Name → entry for one kind of part, in declaration order; parts are imported on first use."""

    def __init__(self, kind: str, entries: Iterable[Entry]):
        self.kind = kind
        self._entries: dict[str, Entry] = {}
        self._loaded: dict[str, Any] = {}
        for entry in entries:
            self.add(entry)

    def add(self, entry: Entry, implementation: Any = None) -> None:
        """Declare a part (a plugin may pass its ``implementation`` directly)."""
        self._entries[entry.name] = entry
        if implementation is not None:
            self._loaded[entry.name] = implementation

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def names(self, dataset: str | None = None) -> list[str]:
        """The names, in declaration order; with ``dataset``, those that read it."""
        return [name for name, entry in self._entries.items() if dataset is None or dataset in entry.datasets]

    def entry(self, name: str) -> Entry:
        return self._entries[name]

    def datasets_of(self) -> dict[str, tuple[str, ...]]:
        return {name: entry.datasets for name, entry in self._entries.items()}

    def load(self, name: str) -> Any:
        """The implementation of ``name`` (imported now, once)."""
        if name not in self._loaded:
            self._loaded[name] = self._entries[name].load()
        return self._loaded[name]

    def unknown(self, name: str, dataset: str | None = None) -> str:
        """``unknown <kind> 'x' (did you mean 'y'?)`` — or the known names when none is close."""
        known = self.names(dataset)
        close = difflib.get_close_matches(str(name), known, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"known: {', '.join(known)}"
        return f"unknown {self.kind} '{name}' ({hint})"


_T, _S, _B = ("tickets",), ("surveys",), ("business",)
_ALL = _T + _S + _B
_PRESETS = "reportgen.sources.presets"
_API = "reportgen.sources.api"

# file presets (`preset:` of a `path:` source; docs/PRESETS.md)
PRESETS = Registry("preset", [
    Entry("generic", f"{_PRESETS}:GENERIC", _ALL),
    Entry("zendesk", f"{_PRESETS}.zendesk:ZENDESK", _T),
    Entry("freshdesk", f"{_PRESETS}.freshdesk:FRESHDESK", _T),
    Entry("intercom", f"{_PRESETS}.intercom:INTERCOM", _T),
    Entry("zammad", f"{_PRESETS}.zammad:ZAMMAD", _T),
    Entry("delighted", f"{_PRESETS}.delighted:DELIGHTED", _S),
    Entry("typeform", f"{_PRESETS}.typeform:TYPEFORM", _S),
    Entry("surveymonkey", f"{_PRESETS}.surveymonkey:SURVEYMONKEY", _S),
    Entry("qualtrics", f"{_PRESETS}.qualtrics:QUALTRICS", _S),
    Entry("zendesk_csat", f"{_PRESETS}.zendesk:ZENDESK_CSAT", _S),
    Entry("google_forms", f"{_PRESETS}.google_forms:GOOGLE_FORMS", _S),
])

# presets of a `warehouse:` source (they map a table's columns)
WAREHOUSE_PRESETS = Registry("warehouse preset", [
    Entry("generic", "reportgen.sources.warehouse.presets:generic", _ALL),
    Entry("dbt_zendesk", "reportgen.sources.warehouse.presets:dbt_zendesk", _T),
])

# `api:` connectors (docs/PULL.md); each module's class declares its streams and settings
CONNECTORS = Registry("api", [
    Entry("zendesk", f"{_API}.zendesk:ZendeskTickets", _T),
    Entry("zendesk_csat", f"{_API}.zendesk_csat:ZendeskCsat", _S),
    Entry("freshdesk", f"{_API}.freshdesk:FreshdeskTickets", _T),
    Entry("delighted", f"{_API}.delighted:DelightedResponses", _S),
    Entry("typeform", f"{_API}.typeform:TypeformResponses", _S),
    Entry("intercom", f"{_API}.intercom:IntercomTickets", _T),
    Entry("intercom_csat", f"{_API}.intercom:IntercomCsat", _S),
    Entry("hubspot", f"{_API}.hubspot:HubSpotTickets", _T),
    Entry("helpscout", f"{_API}.helpscout:HelpScoutConversations", _T),
    Entry("gorgias", f"{_API}.gorgias:GorgiasTickets", _T),
    Entry("gorgias_csat", f"{_API}.gorgias:GorgiasSurveys", _S),
    Entry("surveymonkey", f"{_API}.surveymonkey:SurveyMonkeyResponses", _S),
    Entry("qualtrics", f"{_API}.qualtrics:QualtricsResponses", _S),
])

# `outputs:` sections, in the order `reportgen run` delivers them (the workbook is always built)
OUTPUTS = Registry("output", [
    Entry("google_sheets", "reportgen.outputs.google_sheets:GoogleSheetsOutput"),
    Entry("email", "reportgen.outputs.email:EmailOutput"),
    Entry("site", "reportgen.outputs.site:SiteOutput"),
])

"""Sources pulled from vendor APIs into the embedded store (``api:`` in config.yaml).

    pull(config, full=False, datasets=None) -> PullSummary   # incremental, resumable
    materialize(config, dataset, source) -> Path             # canonical CSV for the engine
    check_credentials(config) -> list[ReportgenError]        # one cheap request per source

Modules: http (polite HTTP + retry policy), store (records + cursors in DuckDB),
progress (stderr), base (the Connector interface), settings (typed settings per connector),
streams (streams, typed cursors, paging strategies), declarative (the declared connector),
pull (the loop), registry (``api:`` name → connector, from ``reportgen.registry``), one module per
vendor. README.md here says how to declare a connector.
"""

from __future__ import annotations

from reportgen.registry import CONNECTORS
from reportgen.sources.api.base import Connector, Page, register
from reportgen.sources.api.http import ApiError, AuthError, HttpClient, RetryPolicy, TimeBudgetSpent
from reportgen.sources.api.pull import (
    PullIncomplete,
    PullSummary,
    SourcePull,
    api_sources,
    check_credentials,
    materialize,
    pull,
    pull_first,
    pulled_file,
    pulled_until,
    source_key,
    store_for,
)
from reportgen.sources.api.store import PulledRecord, PullStore

__all__ = [
    "CONNECTORS", "ApiError", "AuthError", "Connector", "HttpClient", "Page", "PullIncomplete",
    "PullStore", "PullSummary", "PulledRecord", "RetryPolicy", "SourcePull", "TimeBudgetSpent",
    "api_sources", "check_credentials", "materialize", "pull", "pull_first", "pulled_file", "pulled_until",
    "register", "source_key", "store_for",
]

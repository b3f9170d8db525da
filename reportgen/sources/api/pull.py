"""The pull loop, the canonical file for the engine, and the credential check.

``pull(config)`` walks every ``api:`` source from its stored cursor, writing
each page (records + cursor) in one transaction as it arrives, so memory stays
flat in the number of records and a killed run resumes where it stopped.
``materialize(config, dataset, source)`` writes the stored records of one
source as canonical rows (docs/KPI_SPEC.md) to a CSV the engine reads with
``preset: generic``. ``check_credentials(config)`` sends one cheap request
per source (for ``reportgen validate``).
"""

from __future__ import annotations

import csv
import hashlib
import os
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

from reportgen.config import DATASETS, ApiSource, Config
from reportgen.errors import ConfigError, DataError, ReportgenError
from reportgen.settings_errors import file_line_numbers
from reportgen.sources.api.base import Connector, Page
from reportgen.sources.api.http import ApiError, AuthError, HttpClient, RetryPolicy
from reportgen.sources.api.progress import Progress, silent_progress
from reportgen.sources.api.registry import connector_class
from reportgen.sources.api.store import PullStore
from reportgen.store_file import private_files

ProgressFactory = Callable[[str], Progress]
PREFETCH = 2
STUCK_PAGES = 3  # a cursor unchanged this many pages in a row (with more to come) stops the pull


class PullIncomplete(ApiError):
    """A pull stopped (time limit, vendor trouble) after storing some pages; the store is intact."""


@dataclass(frozen=True)
class SourcePull:
    """What one pull of one source did."""

    dataset: str
    api: str
    pages: int
    records: int
    requests: int
    seconds: float
    kept: int  # records now stored (not deleted)
    line: str  # the summary line


@dataclass(frozen=True)
class PullSummary:
    store: Path
    sources: tuple[SourcePull, ...]


def api_sources(config: Config, datasets: Iterable[str] | None = None) -> list[tuple[str, ApiSource]]:
    """(dataset, source) for every ``api:`` source, in dataset order (a dataset may list several)."""
    return config.sources.of_kind(ApiSource, DATASETS if datasets is None else datasets)


def store_for(config: Config) -> PullStore:
    """The embedded store of pulled records: its own file beside the history (``api.split``),
    the pulled tables of an older project's history file moved there first."""
    from reportgen.sources.api.split import move_pulled_tables
    from reportgen.store_file import pulled_store_path

    history = config.resolve(config.history.path)
    path = pulled_store_path(history)
    move_pulled_tables(history, path)
    return PullStore(path)


def account_url(url: str | None) -> str:
    """The account part of a source's ``url:``: scheme, host, port and path; never a user name,
    password, query or fragment (a secret written into the URL stays out of the store)."""
    text = (url or "").strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return text.split("?", 1)[0].split("#", 1)[0].rpartition("@")[2].rstrip("/")
    if not parts.netloc:
        return text.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port is None else f"{host}:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", "")).rstrip("/")


def source_key(dataset: str, source: ApiSource) -> str:
    """The store's name for a source: dataset, api, account URL (and form), not the credentials."""
    return _key(dataset, source, account_url(source.url))


def _legacy_key(dataset: str, source: ApiSource) -> str:
    """The name stores written before keys dropped a URL's userinfo and query gave the source."""
    return _key(dataset, source, (source.url or "").rstrip("/"))


def _key(dataset: str, source: ApiSource, url: str) -> str:
    parts = [dataset, source.api or "", url]
    if source.form:
        parts.append(source.form)
    if source.survey_id:
        parts.append(source.survey_id)
    return ":".join(parts)


def _adopt_legacy_key(store: PullStore, dataset: str, source: ApiSource) -> str:
    """The source's key, after renaming what an older version stored under a key with secrets."""
    key, legacy = source_key(dataset, source), _legacy_key(dataset, source)
    if legacy != key:
        store.rename_source(legacy, key)
    return key


def _settings_error(config: Config, problems: list[str]) -> ConfigError:
    count = f"{len(problems)} problems" if len(problems) > 1 else "1 problem"
    name = str(config.config_path) if config.config_path else "config"
    return ConfigError(f"{name}: {count}: " + "; ".join(problems))


def settings_problems(config: Config, datasets: Iterable[str] | None = None) -> list[str]:
    """Every problem with the api settings of every api source, each naming its key."""
    problems: list[str] = []
    lines = file_line_numbers(config.config_path)
    for dataset, source in api_sources(config, datasets):
        try:
            cls = connector_class(dataset, source.api or "")
        except ConfigError as exc:
            problems.append(exc.problem)
            continue
        problems.extend(cls.problems(dataset, source, source_path(config, dataset, source), lines))
    return problems


def source_path(config: Config, dataset: str, source: ApiSource) -> tuple[str, ...]:
    """The key path of ``source`` in the config: ``sources.tickets``, or ``sources.tickets[1]``
    when the dataset lists several."""
    listed = config.sources.of(dataset)
    return ("sources", dataset) if len(listed) == 1 else ("sources", dataset, str(listed.index(source)))


def connector_for(config: Config, dataset: str, source: ApiSource) -> Connector:
    """The source's connector, after checking its api settings (one ConfigError lists them all)."""
    cls = connector_class(dataset, source.api or "")
    problems = cls.problems(dataset, source, source_path(config, dataset, source),
                            file_line_numbers(config.config_path))
    if problems:
        raise _settings_error(config, problems)
    return cls(dataset, source, config.source_timezone(source))


def _client(connector: Connector, policy: RetryPolicy,
            session_factory: Callable[[], requests.Session] | None) -> HttpClient:
    seconds = connector.max_seconds()
    if seconds is not None:
        policy = replace(policy, total_seconds=seconds)
    body = connector.max_body_bytes()
    if body is not None:
        policy = replace(policy, max_body_bytes=body)
    return HttpClient(connector.label, connector.url, auth=connector.credentials(),
                      headers=connector.headers(), secrets=connector.secrets(), policy=policy,
                      hint_auth=connector.auth_hint, rate_limit=connector.rate_limit,
                      session=session_factory() if session_factory else None)


def pull(config: Config, *, full: bool = False, datasets: Iterable[str] | None = None,
         progress: ProgressFactory = silent_progress, policy: RetryPolicy | None = None,
         session_factory: Callable[[], requests.Session] | None = None) -> PullSummary:
    """Pull every api source (of ``datasets``) into the store; ``full`` starts again from ``start``.

    Raises AuthError on refused credentials, PullIncomplete when the time bound or the vendor
    stops the pull midway (the pages stored so far are kept; the next pull continues).
    """
    sources = api_sources(config, datasets)
    problems = settings_problems(config, datasets)
    if problems:  # every source's settings are checked before any request
        raise _settings_error(config, problems)
    store = store_for(config)
    connectors = [(dataset, source, connector_for(config, dataset, source)) for dataset, source in sources]
    done: list[SourcePull] = []
    for dataset, source, connector in connectors:
        done.append(_pull_one(store, dataset, source, connector, full=full,
                              progress=progress(connector.label), policy=policy or RetryPolicy(),
                              session_factory=session_factory))
    return PullSummary(store.path, tuple(done))


class _Fetcher:
    """Runs a connector's page generator in a thread, at most ``ahead`` pages in hand.

    The vendor (or its network) prepares the next page while this process writes the current
    one to the store; the queue bound keeps memory flat however many pages there are.
    """

    _DONE = object()

    def __init__(self, pages: Iterator[Page], ahead: int = 2):
        self._pages = pages
        self._direct = ahead == 0
        if self._direct:
            return
        self._queue: queue.Queue[object] = queue.Queue(maxsize=ahead)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="reportgen-pull", daemon=True)
        self._thread.start()

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        try:
            for page in self._pages:
                if not self._put(page):
                    return
                if page.end_of_stream:
                    break
        except BaseException as exc:  # handed to the consuming thread, raised there
            self._put(exc)
            return
        self._put(self._DONE)

    def next(self, idle: Callable[[], None]) -> Page | None:
        """The next page (None at the end); calls ``idle`` while nothing has come for a second."""
        if self._direct:
            return next(self._pages, None)
        while True:
            try:
                item = self._queue.get(timeout=1.0)
            except queue.Empty:
                idle()
                continue
            if item is self._DONE:
                return None
            if isinstance(item, BaseException):
                raise item
            assert isinstance(item, Page)
            return item

    def close(self) -> None:
        if self._direct:
            return
        self._stop.set()
        self._thread.join(timeout=5)


def pull_first(config: Config, *, offline: bool = False,
               progress: ProgressFactory = silent_progress) -> PullSummary | None:
    """Before a report: pull every api source, unless ``offline`` (then the stored records are used).

    None when nothing was pulled (offline, or no api source).
    """
    if offline or not api_sources(config):
        return None
    return pull(config, progress=progress)


def _pull_one(store: PullStore, dataset: str, source: ApiSource, connector: Connector, *, full: bool,
              progress: Progress, policy: RetryPolicy,
              session_factory: Callable[[], requests.Session] | None) -> SourcePull:
    key = _adopt_legacy_key(store, dataset, source)
    api = connector.api
    state = store.begin_full(key, dataset, api) if full else store.ensure(key, dataset, api)
    with _client(connector, policy, session_factory) as http, store.holding():
        fetcher = _Fetcher(connector.pages(http, state.cursor), ahead=PREFETCH)
        same = 0  # pages in a row whose cursor did not move although more was to come
        try:
            while (page := fetcher.next(idle=store.release)) is not None:
                same = same + 1 if page.cursor == state.cursor and not page.end_of_stream else 0
                state = store.commit_page(key, dataset, api, state, page.records, page.cursor, page.lookups,
                                          end_of_stream=page.end_of_stream)
                progress.page(len(page.records))
                if page.end_of_stream:
                    break
                if same >= STUCK_PAGES:
                    raise ApiError(f"{connector.label}: the API answered {same + 1} pages in a row with the "
                                   "same cursor and more to come, so the pull would never end",
                                   hint="check the source's url; if it is right, the vendor's API is "
                                        "misbehaving: try again later")
        except AuthError:
            raise
        except ApiError as exc:
            store.release()
            kept, _ = store.counts(key)
            progress.finish("stopped")
            why = exc.problem.removeprefix(f"{connector.label}: ")
            later = "run `reportgen pull` again later to continue from there"
            raise PullIncomplete(
                f"{connector.label}: pull stopped ({why}); not pulled yet: "
                f"{connector.position(state.cursor)}; the stored data is intact "
                f"({kept:,} records up to the last complete page)",
                hint=(exc.hint or later) if not exc.later else later) from None
        finally:
            fetcher.close()
        store.release()
        kept, _ = store.counts(key)
        line = progress.finish(f"{kept:,} stored")
        return SourcePull(dataset, api, progress.pages, progress.records, http.sent, progress.seconds, kept,
                          line)


def pulled_file(config: Config, dataset: str, source: ApiSource) -> Path:
    """Where ``materialize`` writes a source's canonical rows: a cache folder next to the store."""
    store = store_for(config).path
    digest = hashlib.sha256(source_key(dataset, source).encode()).hexdigest()[:10]
    return store.parent / f"{store.name}.pulled" / f"{dataset}-{source.api}-{digest}.csv"


def materialize(config: Config, dataset: str, source: ApiSource) -> Path:
    """Write the stored records of one source as canonical rows (CSV) and return the file.

    Deleted records are left out. Raises DataError when nothing was ever pulled completely.
    """
    connector = connector_for(config, dataset, source)
    store = store_for(config)
    key = _adopt_legacy_key(store, dataset, source)
    state = store.state(key)
    if state is None or not state.ever_complete:
        what = "nothing was pulled yet" if state is None else "the first pull has not finished"
        raise DataError(f"sources.{dataset} ({source.api}): {what}",
                        hint="run `reportgen pull --config …` (without --offline)")
    lookups = store.lookups(key)
    target = pulled_file(config, dataset, source)
    partial = target.with_name(target.name + ".partial")
    columns = connector.columns
    with private_files():  # customer ids: the owner's only, like the store
        target.parent.mkdir(parents=True, exist_ok=True)
        handle = partial.open("w", newline="", encoding="utf-8")
    with handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for batch in store.records(key):
            for _, record in batch:
                row = connector.canonical(record, lookups)
                if row is not None:
                    writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])
    os.replace(partial, target)
    return target


def pulled_until(config: Config, dataset: str, source: ApiSource) -> datetime | None:
    """When the source's last pull reached the end of the stream (UTC): the data covers time up to
    then, however quiet its last days were; None when the last pull did not finish."""
    state = store_for(config).state(source_key(dataset, source))
    if state is None or not state.complete:
        return None
    return datetime.fromisoformat(state.committed_at)


def check_credentials(config: Config, *, policy: RetryPolicy | None = None,
                      session_factory: Callable[[], requests.Session] | None = None) -> list[ReportgenError]:
    """One cheap request per api source; the problems found (empty: every credential works)."""
    problems: list[ReportgenError] = [ConfigError(p) for p in settings_problems(config)]
    if problems:
        return problems
    quick = policy or RetryPolicy(max_attempts=2, total_seconds=30, read_timeout=20)
    for dataset, source in api_sources(config):
        try:
            connector = connector_for(config, dataset, source)
            with _client(connector, quick, session_factory) as http:
                connector.probe(http)
        except ReportgenError as exc:
            problems.append(exc)
    return problems


def store_version(config: Config, dataset: str, source: ApiSource) -> list[Any]:
    """What identifies the records pulled for a source as they are now (its store key, pull
    generation, pages committed and when the last was): any page committed since changes it.
    Raises DataError when nothing was pulled yet (as ``materialize`` does)."""
    key = source_key(dataset, source)
    state = store_for(config).state(key)
    if state is None:
        raise DataError(f"sources.{dataset} ({source.api}): nothing was pulled yet",
                        hint="run `reportgen pull --config …` (without --offline)")
    return [key, state.generation, state.pages, state.committed_at, state.complete, state.full_pending]

"""The shared HTTP client's policy: Retry-After, backoff, bounds, no retry on 401/4xx, no secrets."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from fakes.clock import FakeClock
from fakes.server import FakeApi, Reply, Request

from reportgen.sources.api.http import (
    ApiError,
    AuthError,
    HttpClient,
    RetryPolicy,
    TimeBudgetSpent,
    retry_after_seconds,
)

SECRET = "s3cr3t-TOKEN-abc123"


class Echo(FakeApi):
    def route(self, request: Request) -> Reply:
        if request.auth != ("user", SECRET):
            return Reply(401, {"error": "Couldn't authenticate you"})
        if request.path == "/leak":
            return Reply(400, {"error": f"bad token {SECRET}"})
        if request.path == "/missing":
            return Reply(404, {"error": "RecordNotFound"})
        return Reply(200, {"ok": True, "n": len(self.requests)})


@pytest.fixture
def echo() -> Iterator[Echo]:
    fake = Echo()
    fake.start()
    yield fake
    fake.stop()


def client(fake: Echo, clock: FakeClock | None = None, secret: str = SECRET, **policy: float) -> HttpClient:
    settings = {"base_seconds": 0.01, "cap_seconds": 0.02, "total_seconds": 10.0, **policy}
    chosen = clock.policy(**settings) if clock else RetryPolicy(**settings)  # type: ignore[arg-type]
    return HttpClient("tickets (test)", fake.url, auth=("user", secret), secrets=(secret,), policy=chosen)


def test_retry_after_takes_seconds_or_an_http_date() -> None:
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds(" 0 ") == 0.0
    later = datetime.now(UTC) + timedelta(seconds=20)
    assert 18 <= (retry_after_seconds(format_datetime(later, usegmt=True)) or 0) <= 20
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_backoff_is_exponential_with_a_cap_and_bounded_tries(echo: Echo) -> None:
    echo.fail("/x", 503, times=10)
    clock = FakeClock(jitter=1.0)  # 1: the ceiling of full jitter
    http = client(echo, clock, base_seconds=1, cap_seconds=4, max_attempts=5, total_seconds=60)
    with pytest.raises(ApiError, match="503 server error, still after 5 tries in 11 s"):
        http.get_json("/x")
    assert clock.waits == [1, 2, 4, 4]  # min(cap, base·2ⁿ) × jitter
    assert len(echo.requests) == 5


@pytest.mark.slow
def test_retry_after_wins_over_a_shorter_backoff(echo: Echo) -> None:
    echo.fail("/x", 429, retry_after="1")
    clock = FakeClock(jitter=0.5)
    http = client(echo, clock)
    assert http.get_json("/x")["ok"] is True
    assert http.waits == clock.waits == [1.0]  # not the 5 ms of the backoff
    assert len(echo.requests) == 2


def test_a_slow_answer_times_out_and_is_asked_again(echo: Echo) -> None:
    echo.delay("/x", 5)
    http = client(echo, read_timeout=0.3)
    started = time.monotonic()
    assert http.get_json("/x")["ok"] is True
    assert len(echo.requests) == 2 and time.monotonic() - started < 4  # did not wait out the 5 s


def test_401_is_one_error_with_no_retry(echo: Echo) -> None:
    http = client(echo, secret="not-the-token")
    with pytest.raises(AuthError) as caught:
        http.get_json("/x")
    assert "401 unauthorized" in str(caught.value) and "not-the-token" not in str(caught.value)
    assert len(echo.requests) == 1


def test_other_client_errors_are_not_retried_and_secrets_are_masked(echo: Echo) -> None:
    http = client(echo)
    with pytest.raises(ApiError) as caught:
        http.get_json("/leak")
    assert SECRET not in str(caught.value) and "***" in str(caught.value)
    with pytest.raises(ApiError, match="HTTP 404 at /missing"):
        http.get_json("/missing")
    assert len(echo.requests) == 2
    assert SECRET not in repr(http) and SECRET not in str(vars(http).get("name"))


def test_the_total_time_bound_is_never_crossed(echo: Echo) -> None:
    echo.fail("/x", 503, times=3)
    clock = FakeClock(jitter=1.0)
    http = client(echo, clock, base_seconds=2, cap_seconds=10, total_seconds=5.0)
    with pytest.raises(TimeBudgetSpent, match="503 server error; the time limit of 5 s is reached"):
        http.get_json("/x")
    assert clock.waits == [2] and len(echo.requests) == 2  # the next 4 s wait would cross 5 s: not begun


def test_refused_connection_is_retried_then_reported() -> None:
    http = HttpClient("tickets (test)", "http://127.0.0.1:9", policy=RetryPolicy(
        base_seconds=0.01, cap_seconds=0.01, max_attempts=3, total_seconds=5))
    with pytest.raises(ApiError, match=r"cannot connect \(connection refused\), still after 3 tries") as raised:
        http.get_json("/x")
    # nothing answered at that address: the fix is the address first, not "the vendor is having trouble"
    assert raised.value.hint.startswith("check the source's url (or subdomain)")


def test_a_host_name_that_does_not_resolve_is_said_so() -> None:
    """What urllib3 relays when the resolver fails (no lookup is made here: nothing leaves the machine)."""
    import requests

    from reportgen.transport import connect_failure

    unresolved = requests.ConnectionError("HTTPSConnectionPool(host='acme.zendesk.example', port=443): Max retries "
                                          "exceeded (Caused by NameResolutionError(\"Failed to resolve 'acme'\"))")
    assert connect_failure(unresolved) == "cannot connect (the host name does not resolve)"
    assert connect_failure(requests.ConnectionError("RemoteDisconnected('closed')")) == "cannot connect"

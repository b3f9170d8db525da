"""api: sources end to end: `reportgen kpis` pulls first, the engine reads the pulled rows."""
# ruff: noqa: F811  (pytest fixtures imported from fakes.fixtures are parameters here)

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fakes.fixtures import (  # noqa: F401  (fixtures)
    ZD_TOKEN,
    change_zendesk,
    csat_source,
    write_config,
    zendesk,
    zendesk_source,
)
from fakes.zendesk import ZendeskFake

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "reportgen", *args], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, "ZD_TOKEN": ZD_TOKEN}, timeout=180)


@pytest.mark.slow
def test_kpis_pulls_first_then_offline_uses_the_store(zendesk: ZendeskFake, tmp_path: Path) -> None:
    config = write_config(tmp_path, zendesk_source(zendesk.url, token="${ZD_TOKEN}"),
                          csat_source(zendesk.url, token="${ZD_TOKEN}"))
    first = run_cli("kpis", "--config", str(config), "--month", "2025-01", "--format", "json")
    assert first.returncode == 0, first.stderr
    kpis = json.loads(first.stdout)["kpis"]
    assert kpis["ticket_volume"] == 6  # before the change: ticket 5 still there, 6 open
    assert kpis["resolution_rate"] == pytest.approx(3 / 6)  # 1, 2, 4
    assert kpis["csat"] == pytest.approx(2 / 3)
    assert "tickets (zendesk): 3 pages, 6 records" in first.stderr

    change_zendesk(zendesk)
    offline = run_cli("kpis", "--config", str(config), "--month", "2025-01", "--format", "json", "--offline")
    assert offline.returncode == 0, offline.stderr
    before = len(zendesk.requests)
    assert json.loads(offline.stdout)["kpis"]["ticket_volume"] == 6  # what is stored, no request
    assert len(zendesk.requests) == before

    again = run_cli("kpis", "--config", str(config), "--month", "2025-01", "--format", "json")
    assert again.returncode == 0, again.stderr
    kpis = json.loads(again.stdout)["kpis"]
    assert kpis["ticket_volume"] == 5  # 5 deleted
    assert kpis["resolution_rate"] == pytest.approx(4 / 5)  # 6 solved since
    assert kpis["avg_resolution_hours"] == pytest.approx((4 + 24 + 2 + 24) / 4)
    assert kpis["fcr_rate"] == pytest.approx(2 / 4)
    assert ZD_TOKEN not in first.stdout + first.stderr + again.stdout + again.stderr


@pytest.mark.slow
def test_validate_checks_the_credentials_with_one_request(zendesk: ZendeskFake, tmp_path: Path) -> None:
    config = write_config(tmp_path, zendesk_source(zendesk.url, token="${ZD_TOKEN}"))
    assert run_cli("pull", "--config", str(config)).returncode == 0
    good = run_cli("validate", "--config", str(config))
    assert good.returncode == 0, good.stdout + good.stderr
    bad_config = write_config(tmp_path / "bad", zendesk_source(zendesk.url, token="not-it-12345"))
    before = len(zendesk.requests)
    bad = run_cli("validate", "--config", str(bad_config))
    assert bad.returncode == 1
    assert "401 unauthorized" in bad.stdout + bad.stderr and "not-it-12345" not in bad.stdout + bad.stderr
    assert [r.path for r in zendesk.requests[before:]] == ["/api/v2/users/me.json"]

"""A test that starts LibreOffice, PostgreSQL or a browser carries the marker of that program.

Then ``-m "not libreoffice"`` (or postgres, browser) really leaves out every test that would start
one: the helpers that find the program call ``require_marker``, which fails a test missing it.
"""

from __future__ import annotations

import pytest

running: pytest.Item | None = None  # the test being set up or run (conftest keeps it up to date)


def require_marker(name: str) -> None:
    if running is not None and running.get_closest_marker(name) is None:
        pytest.fail(f"{running.nodeid} starts {name}: mark it @pytest.mark.{name} (and slow if it takes seconds)",
                    pytrace=False)

"""A clock for the transport's policy that never sleeps: waits move it forward and are recorded."""

from __future__ import annotations

import threading
from typing import Any

from reportgen.transport import Policy


class FakeClock:
    def __init__(self, jitter: float = 1.0) -> None:
        self.now = 0.0
        self.waits: list[float] = []
        self.jitter = jitter
        self._lock = threading.Lock()

    def time(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.waits.append(seconds)
            self.now += seconds

    def policy(self, **settings: Any) -> Policy:
        """The pulls' policy (or ``settings``) on this clock; full jitter at ``self.jitter``."""
        return Policy(sleep=self.sleep, clock=self.time, jitter=lambda: self.jitter, **settings)

"""One simulated clock for the whole twin.

Every duration the twin knows (AWS async states, Wait states and Retry intervals inside moto's ASL
interpreter, the sampler's period) is in *simulated* seconds. ``time_scale`` maps simulated seconds to
real seconds: at 0.01, one simulated minute takes 0.6 real seconds. Every figure the twin reports is
in simulated seconds.

The clock is process-wide (moto's backends and the ASL interpreter threads all need it) and is
installed with :func:`install_clock`; :func:`get_clock` returns it.
"""

from __future__ import annotations

import threading
import time


class SimClock:
    """Simulated time = (real time elapsed since start) / time_scale + offset."""

    def __init__(self, time_scale: float = 0.01) -> None:
        if time_scale <= 0:
            raise ValueError(f"time_scale must be > 0, got {time_scale}")
        self.time_scale = time_scale
        self._real_start = time.monotonic()
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        """Simulated seconds since the clock started."""
        with self._lock:
            return (time.monotonic() - self._real_start) / self.time_scale + self._offset

    def sleep(self, simulated_seconds: float) -> None:
        """Block for ``simulated_seconds`` of simulated time."""
        if simulated_seconds > 0:
            time.sleep(simulated_seconds * self.time_scale)

    def real_seconds(self, simulated_seconds: float) -> float:
        return simulated_seconds * self.time_scale

    def advance(self, simulated_seconds: float) -> None:
        """Jump forward (tests only: lets a test settle async states without sleeping)."""
        with self._lock:
            self._offset += simulated_seconds


_clock: SimClock = SimClock(time_scale=0.01)
_clock_lock = threading.Lock()


def install_clock(clock: SimClock) -> SimClock:
    global _clock
    with _clock_lock:
        _clock = clock
    return clock


def get_clock() -> SimClock:
    return _clock

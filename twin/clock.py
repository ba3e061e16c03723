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
from collections.abc import Iterator
from contextlib import contextmanager

from twin.current import Current


class SimClock:
    """Simulated seconds, advancing at ``1 / time_scale`` per real second while the twin *waits*
    (AWS durations, Wait states, retry intervals, a person between console actions) and at real speed
    while it *works* (inside :meth:`busy`: a Lambda handler or the replay's API calls).

    So the twin's own compute (moto is milliseconds per call, not AWS's tens) does not masquerade as
    minutes of AWS time: at ``time_scale`` 0.01, 10 ms of handler work is 10 simulated ms, not 1 s.
    """

    def __init__(self, time_scale: float = 0.01) -> None:
        if time_scale <= 0:
            raise ValueError(f"time_scale must be > 0, got {time_scale}")
        self.time_scale = time_scale
        self._lock = threading.Lock()
        self._anchor_real = time.monotonic()
        self._anchor_sim = 0.0
        self._busy = 0
        self._local = threading.local()  # this thread's busy depth

    def _rate(self) -> float:
        """Simulated seconds per real second, now."""
        return 1.0 if self._busy else 1.0 / self.time_scale

    def _now_locked(self) -> float:
        return self._anchor_sim + (time.monotonic() - self._anchor_real) * self._rate()

    def now(self) -> float:
        """Simulated seconds since the clock started."""
        with self._lock:
            return self._now_locked()

    @contextmanager
    def busy(self) -> Iterator[None]:
        """Work in progress: while any thread is inside, simulated time runs at real speed."""
        self._shift(+1)
        try:
            yield
        finally:
            self._shift(-1)

    def _shift(self, n: int) -> None:
        with self._lock:
            self._anchor_sim, self._anchor_real = self._now_locked(), time.monotonic()
            self._busy += n
            self._local.depth = getattr(self._local, "depth", 0) + n

    def sleep(self, simulated_seconds: float) -> None:
        """Block for ``simulated_seconds`` of simulated time. A busy thread that sleeps is waiting, not
        working: its busy sections are suspended for the sleep."""
        depth = getattr(self._local, "depth", 0)
        if depth:
            self._shift(-depth)
        try:
            target = self.now() + simulated_seconds
            while True:
                remaining = target - self.now()
                if remaining <= 0:
                    return
                time.sleep(min(self.real_seconds(remaining), 0.05))
        finally:
            if depth:
                self._shift(+depth)

    def real_seconds(self, simulated_seconds: float) -> float:
        """Real seconds that ``simulated_seconds`` take at the current rate (callers re-check ``now``)."""
        return max(simulated_seconds, 0.0) / self._rate()

    def advance(self, simulated_seconds: float) -> None:
        """Jump forward (tests, and settling the starting estate without waiting)."""
        with self._lock:
            self._anchor_sim += simulated_seconds


_clock: Current[SimClock] = Current(SimClock(time_scale=0.01))
install_clock = _clock.install
get_clock = _clock.get

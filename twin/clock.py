"""One simulated clock for the whole twin.

Every duration the twin knows (AWS async states, Wait states and Retry intervals inside moto's ASL
interpreter, the sampler's period) is in *simulated* seconds. ``time_scale`` maps simulated seconds to
real seconds: at 0.01, one simulated minute takes 0.6 real seconds. Every figure the twin reports is
in simulated seconds.

The clock is process-wide (moto's backends and the ASL interpreter threads all need it) and is
installed with :func:`install_clock`; :func:`get_clock` returns it.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from twin.current import Current


class SimClock:
    """Simulated seconds, advancing at ``1 / time_scale`` per real second while the twin *waits*
    (AWS durations, Wait states, retry intervals, a person between console actions) and at real speed
    while it *works* (inside :meth:`busy`: a Lambda handler, the ASL interpreter, the replay's API calls).

    So the twin's own compute (moto is milliseconds per call, not AWS's tens) does not masquerade as
    minutes of AWS time: at ``time_scale`` 0.01, 10 ms of handler work is 10 simulated ms, not 1 s.

    A thread that waits until a simulated time (:meth:`sleep`, or :meth:`idle` with ``until``) is woken
    *at* that time: the clock does not pass the earliest such deadline before its thread has woken. A
    thread's wake-up latency on a loaded machine (the OS, the GIL: milliseconds, i.e. simulated seconds
    at 0.01) is the twin's, not AWS's, and must not show in the figures either.
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
        self._deadlines: list[tuple[float, int]] = []  # sorted (simulated deadline, waiter id)
        self._next_waiter = 0

    def _rate(self) -> float:
        """Simulated seconds per real second, now."""
        return 1.0 if self._busy else 1.0 / self.time_scale

    def _now_locked(self) -> float:
        t = self._anchor_sim + (time.monotonic() - self._anchor_real) * self._rate()
        if self._deadlines and t > self._deadlines[0][0]:
            return max(self._deadlines[0][0], self._anchor_sim)  # a waiter's time: it has not woken yet
        return t

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
            self._reanchor()
            self._busy += n
            self._local.depth = getattr(self._local, "depth", 0) + n

    def hold(self, n: int = 1) -> None:
        """Keep the clock at real speed on behalf of threads about to wake: a busy thread that wakes
        another (sets its event, ends the thread it joins) holds the clock until the woken thread,
        back at work, calls :meth:`release` — its wake-up latency is the twin's, not AWS time."""
        with self._lock:
            self._reanchor()
            self._busy += n

    def release(self, n: int = 1) -> None:
        with self._lock:
            self._reanchor()
            self._busy -= n

    def _reanchor(self) -> None:
        self._anchor_sim, self._anchor_real = self._now_locked(), time.monotonic()

    @contextmanager
    def idle(self, until: float | None = None) -> Iterator[None]:
        """This thread waits (on AWS, a child, another thread): its busy sections are suspended inside.
        ``until``: the simulated time it waits for at most; the clock stops there until it has woken."""
        depth = getattr(self._local, "depth", 0)
        waiter = None
        with self._lock:
            self._reanchor()
            self._busy -= depth
            self._local.depth = 0
            if until is not None and until > self._anchor_sim:
                self._next_waiter += 1
                waiter = (until, self._next_waiter)
                bisect.insort(self._deadlines, waiter)
        try:
            yield
        finally:
            with self._lock:  # one step: awake and back at work, so no simulated time slips between
                self._reanchor()
                if waiter is not None:
                    self._deadlines.remove(waiter)
                self._busy += depth
                self._local.depth = depth

    def sleep(self, simulated_seconds: float) -> None:
        """Block for ``simulated_seconds`` of simulated time. A busy thread that sleeps is waiting, not
        working: its busy sections are suspended for the sleep (:meth:`idle`)."""
        target = self.now() + simulated_seconds
        with self.idle(until=target):
            while True:
                remaining = target - self.now()
                if remaining <= 0:
                    return
                time.sleep(min(self.real_seconds(remaining), 0.05))

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

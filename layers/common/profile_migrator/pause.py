"""How a function waits inside its own invocation (in-task polling, issue 11).

A step function that waits for AWS polls its change with short sleeps instead of returning to a Wait
state of the state machine after every poll: a loop of states costs three transitions per poll, a
second of a 256 MB function a tenth of one. On AWS the sleep is :func:`time.sleep`; the twin installs
its simulated clock's sleep (``twin.dispatch``), so a handler that waits 20 s waits 20 simulated seconds
— counted in the rehearsal's simulated time and in its GB-seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable

_sleep: Callable[[float], None] = time.sleep
_now: Callable[[], float] = time.time


def sleep(seconds: float) -> None:
    """Block for ``seconds`` (no-op when not positive)."""
    if seconds > 0:
        _sleep(seconds)


def now() -> float:
    """Seconds since the epoch (comparable across invocations: a step's polls measure from its call)."""
    return _now()


def install(sleep_fn: Callable[[float], None] | None, now_fn: Callable[[], float] | None = None) -> None:
    """Replace the sleep and the clock (the twin's simulated ones); ``None`` puts :mod:`time`'s back."""
    global _sleep, _now
    _sleep = sleep_fn if sleep_fn is not None else time.sleep
    _now = now_fn if now_fn is not None else time.time

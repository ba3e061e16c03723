"""Performing step actions directly against the twin (no state machine): fast simulated durations and the
wait-until-settled loop the action tests share."""

from __future__ import annotations

from typing import Any

from profile_migrator import actions

from twin.clock import get_clock

# A scenario's ``twin`` section: AWS's asynchronous durations short, and time fast.
FAST: dict[str, Any] = {
    "time_scale": 0.005,
    "durations": {
        "endpoint_pending": 4,
        "profile_association": 2,
        "resource_association": 2,
        "phz_change": 2,
    },
}


def settle(ctx: actions.Context, waits: list[actions.Wait]) -> str:
    """Poll ``waits`` once a simulated second until none is pending (at most 600 s); the final state."""
    clock = get_clock()
    t0 = clock.now()
    while (state := actions.poll_all(ctx, waits)) == "pending":
        assert clock.now() - t0 < 600, waits
        clock.sleep(1)
    return state

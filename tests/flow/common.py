"""What the flow tests share: short AWS durations, a scenario with faults, the zero-downtime check."""

from __future__ import annotations

from typing import Any

from profile_migrator.estate import Scenario, parse_scenario

from twin.rehearsal import Result

# Short AWS durations keep each rehearsal to a few seconds of wall time.
FAST: dict[str, Any] = {
    "time_scale": 0.01,
    "durations": {
        "endpoint_pending": 10,
        "profile_association": 5,
        "resource_association": 5,
        "phz_change": 5,
    },
}


def fast_scenario(doc: dict[str, Any], name: str, faults: tuple[dict[str, Any], ...] = ()) -> Scenario:
    """``doc`` with the short durations and ``faults`` (scenario-format.md "Faults")."""
    doc["twin"] = {**FAST, "faults": list(faults)}
    return parse_scenario(doc, name)


def no_downtime(result: Result) -> None:
    assert result.resolution
    for row in result.resolution:
        assert row["downtime_seconds"] == 0.0 and row["private"] == row["samples"], row

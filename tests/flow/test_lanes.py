"""Lanes in the real state machine (issue 8 items 2 and 3): endpoints that share no zone and no name
migrate side by side (Distributed Map children in the twin), with zero downtime; a failure in one lane while
another is in flight rolls back everything either lane started, newest first, proven by the probes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from profile_migrator.estate import Scenario, dump_scenario

from twin.rehearsal import Result
from twin.run import rehearse_state_machine

from .common import fast_scenario, no_downtime

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from plan_scale import build_estate

pytestmark = pytest.mark.flow


def scenario(*faults: dict[str, Any]) -> Scenario:
    """Four VPCs, two endpoints in their own zones: svc00 direct PHZ (path 1), svc01 profile PHZ (path 2)."""
    doc = build_estate(4, 2)
    doc["migration"]["approvals"] = "none"
    return fast_scenario(doc, "two-lanes", faults)


def span(result: Result, endpoint: str, mode: str = "forward") -> tuple[float, float]:
    steps = [s for s in result.steps if s["endpoint"] == endpoint and s["mode"] == mode]
    assert steps, (endpoint, mode)
    return min(s["start"] for s in steps), max(s["end"] for s in steps)


def test_two_independent_endpoints_migrate_at_the_same_time() -> None:
    result = rehearse_state_machine(scenario())
    assert result.status == "SUCCEEDED", result.error
    no_downtime(result)
    (a0, a1), (b0, b1) = span(result, "ep-svc00"), span(result, "ep-svc01")
    assert a0 < b1 and b0 < a1, "the two lanes' steps overlap in time"
    # Each endpoint's own steps keep their proven (plan) order, wave by wave (a wave's steps run together,
    # in either order: the plan is proven in both, tests/unit/test_polling.py).
    for ep in ("ep-svc00", "ep-svc01"):
        forward = [s for s in result.steps if s["endpoint"] == ep and s["mode"] == "forward"]
        in_time = sorted(forward, key=lambda s: (s["start"], s["index"]))
        assert [s["wave"] for s in in_time] == sorted(s["wave"] for s in forward)
        assert [s["index"] for s in sorted(forward, key=lambda s: (s["wave"], s["index"]))] == sorted(
            s["index"] for s in forward
        )


def test_a_failure_in_one_lane_rolls_back_both_lanes_newest_first() -> None:
    scn = scenario({"kind": "association-fails", "profile": "central", "resource": "ep-svc01"})
    result = rehearse_state_machine(scn)
    assert result.status == "ROLLED_BACK", result.error
    assert "associate-endpoint-with-profile (endpoint ep-svc01" in result.error, result.error
    assert "rolled back:" in result.error
    no_downtime(result)
    (a0, a1), (b0, b1) = span(result, "ep-svc00"), span(result, "ep-svc01")
    assert a0 < b1 and b0 < a1, "the failing lane ran beside the other"
    forward = [s for s in result.steps if s["mode"] == "forward"]
    undo = [s for s in result.steps if s["mode"] == "undo"]
    # Everything done is undone, and a step stopped in flight too once its function had started (its audit
    # record is written before its AWS call); nothing else ...
    done = {s["index"] for s in forward if s["done"]}
    assert done <= {s["index"] for s in undo} <= {s["index"] for s in forward}
    # ... newest first: inside each lane the reverse of the order it ran in (the steps of one wave run
    # together, so among them any order); the shared steps last.
    wave_of = {s["index"]: s["wave"] for s in forward}
    for ep in ("ep-svc00", "ep-svc01"):
        lane = [s for s in forward if s["endpoint"] == ep]
        assert len({w for w in (s["wave"] for s in lane)}) > 1, "the lane ran in several waves"
        undone = [
            wave_of[s["index"]]
            for s in sorted((s for s in undo if s["endpoint"] == ep), key=lambda s: s["start"])
        ]
        assert undone == sorted(undone, reverse=True), (ep, undone)
        started = {w: min(s["start"] for s in lane if s["wave"] == w) for w in set(undone)}
        assert [started[w] for w in undone] == sorted((started[w] for w in undone), reverse=True), ep
    last_lane_undo = max(s["start"] for s in undo if s["endpoint"])
    assert all(s["start"] > last_lane_undo for s in undo if not s["endpoint"])
    # The starting estate, read back through discovery.
    start = dump_scenario(scn)
    final = result.final
    assert sorted(final["vpcs"]) == sorted(start["vpcs"]), "no parking VPC left"
    for ep in ("ep-svc00", "ep-svc01"):
        assert final["endpoints"][ep].get("private_dns", False) is False
    assert {z: sorted(v["vpcs"]) for z, v in final["hosted_zones"].items()} == {
        z: sorted(v["vpcs"]) for z, v in start["hosted_zones"].items()
    }
    central = final["profiles"]["central"]
    assert sorted(central.get("vpcs", [])) == sorted(start["profiles"]["central"].get("vpcs", []))
    assert sorted(central.get("hosted_zones", [])) == sorted(
        start["profiles"]["central"].get("hosted_zones", [])
    )
    assert not central.get("endpoints")

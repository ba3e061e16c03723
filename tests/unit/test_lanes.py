"""Lanes (issue 8 item 3): endpoints that share no zone and no name migrate side by side. Every
interleaving of the lanes must keep the planner's promise: checked by the independent replay
(tests/unit/replay.py, AWS's control-plane rules and the resolution model) on random estates."""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Any

import pytest
from profile_migrator.estate import parse_scenario
from profile_migrator.planner import Plan, plan
from profile_migrator.resolution import PRECEDENCES
from profile_migrator.workflow import interleave, lanes, phases

from .replay import check_plan_under

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from plan_scale import build_estate


def _plan_of(endpoints: dict[str, dict[str, Any]]) -> Plan:
    return Plan("mixed", endpoints=endpoints)


def _lane_sets(p: Plan) -> list[set[str]]:
    shared, forward, _ = lanes(p, "none")
    return [{s["endpoint"] for w in lane for s in w["steps"]} for lane in forward]


def test_unrelated_endpoints_get_a_lane_each_and_related_ones_share() -> None:
    from profile_migrator.workflow import _lane_of_endpoints

    eps = {
        "a": {"dns_name": "a.us-east-1.amazonaws.com", "zones": ["za"]},
        "b": {"dns_name": "b.us-east-1.amazonaws.com", "zones": ["zb"]},
        "c": {"dns_name": "x.b.us-east-1.amazonaws.com", "zones": ["zc"]},  # a child name of b's
        "d": {"dns_name": "d.us-east-1.amazonaws.com", "zones": ["za"]},  # shares a's zone
        "e": {"dns_name": "e.us-east-1.amazonaws.com", "zones": []},
    }
    lane = _lane_of_endpoints(_plan_of(eps))
    assert lane["a"] == lane["d"] and lane["b"] == lane["c"]
    assert len({lane["a"], lane["b"], lane["e"]}) == 3


def _estate(rng: random.Random) -> dict[str, Any]:
    doc = build_estate(rng.randint(3, 7), rng.randint(2, 5))
    for zone in doc["hosted_zones"].values():  # some zones reach only some VPCs (mixed architectures)
        if len(zone["vpcs"]) > 2 and rng.random() < 0.3:
            zone["vpcs"] = zone["vpcs"][: rng.randint(2, len(zone["vpcs"]))]
    if rng.random() < 0.5:  # a child name of the first service, in its own zone: the two share a lane
        svc = "svc00"
        doc["endpoints"]["ep-child"] = {
            "vpc": "shared-services",
            "service": f"api.{svc}",
            "private_dns": False,
        }
        dns = f"api.{svc}.us-east-1.amazonaws.com"
        doc["hosted_zones"]["zone-child"] = {
            "account": "network",
            "name": dns,
            "vpcs": list(doc["vpcs"]),
            "records": [{"name": dns, "type": "A", "alias_to": "ep-child"}],
        }
        doc["migration"]["endpoints"].append("ep-child")
    return doc


@pytest.mark.parametrize("seed", range(12))
def test_every_interleaving_of_the_lanes_keeps_every_vpc_private(seed: int) -> None:
    rng = random.Random(seed)
    doc = _estate(rng)
    scn = parse_scenario(doc, f"random-{seed}")
    p = plan(scn)
    assert p.safe, p.problems
    shared, forward, cleanup = lanes(p, "none")
    switch, clean = phases(p, "none")
    # Nothing lost, nothing added, each endpoint's steps in plan order.
    flat = sorted(s["index"] for w in [*shared, *(w for lane in forward for w in lane)] for s in w["steps"])
    assert flat == sorted(s["index"] for w in switch for s in w["steps"])
    assert sorted(s["index"] for lane in cleanup for w in lane for s in w["steps"]) == sorted(
        s["index"] for w in clean for s in w["steps"]
    )
    for lane in forward:
        idx = [s["index"] for w in lane for s in w["steps"]]
        assert idx == sorted(idx)
    if "ep-child" in doc["endpoints"]:
        assert any(
            {"ep-svc00", "ep-child"} <= {s["endpoint"] for w in lane for s in w["steps"]} for lane in forward
        )
    base = p.to_json()
    for _trial in range(6):
        order = [
            rng.randrange(len(forward)) for _ in range(sum(len(w["steps"]) for ln in forward for w in ln))
        ]
        steps = interleave(shared, forward, order)
        corder = (
            [rng.randrange(len(cleanup)) for _ in range(sum(len(w["steps"]) for ln in cleanup for w in ln))]
            if cleanup
            else []
        )
        steps += interleave([], cleanup, corder)
        assert len(steps) == len(base["steps"])
        for precedence in PRECEDENCES:
            check_plan_under(scn, {**base, "steps": steps}, precedence)


def test_a_bad_interleaving_inside_one_lane_is_caught_by_the_replay() -> None:
    """The checker is not vacuous: one endpoint's switch before its zone left its own VPC fails (CP-1)."""
    scn = parse_scenario(build_estate(3, 2), "bad")
    p = plan(scn)
    steps = p.to_json()["steps"]
    i = next(k for k, s in enumerate(steps) if s["action"] == "enable-private-dns")
    j = next(
        k
        for k, s in enumerate(steps)
        if s["action"] == "disassociate-vpc-from-zone" and s["endpoint"] == steps[i]["endpoint"]
    )
    steps[i], steps[j] = steps[j], steps[i]
    with pytest.raises(AssertionError):
        check_plan_under(scn, {**p.to_json(), "steps": steps}, "priority-first")


def _stored(n_vpcs: int, n_endpoints: int) -> tuple[dict[str, Any], dict[str, Any]]:
    from profile_migrator.workflow import STEP_FUNCTIONS, run_documents

    doc = build_estate(n_vpcs, n_endpoints, 5)
    for zone in doc["hosted_zones"].values():
        zone["max_vpcs"] = max(300, n_vpcs + 10)  # a raised quota
    p = plan(parse_scenario(doc, f"{n_vpcs}x{n_endpoints}"))
    assert p.safe, p.problems[:3]
    # Each step carries its function's ARN (as the state machine's map gives them: SAM's long names).
    arns = {
        f: f"arn:aws:lambda:us-east-1:111111111111:function:stack-{f}Function-ABCDEFGHIJKL"
        for f in STEP_FUNCTIONS
    }
    return run_documents(p, "none", "runs/x/", "x", 8, arns)


def test_what_the_state_carries_does_not_grow_with_the_estate() -> None:
    """SF-5: the summary the execution carries is the same size for 10 or 300 VPCs; the plan, the lanes and
    their waves are in the run bucket, each map item (a wave) far under 256 KiB."""
    import json

    small_docs, small = _stored(10, 3)
    big_docs, big = _stored(300, 3)
    size = lambda d: len(json.dumps(d, separators=(",", ":")))  # noqa: E731
    assert abs(size(big) - size(small)) < 64, (small, big)
    assert size(big_docs["plan.json"]) > 20 * size(small_docs["plan.json"])  # what moved out of the state
    waves = [w for k, v in big_docs.items() if k.startswith(("lanes/", "cleanups/")) for w in v]
    assert max(size(w) for w in waves) < 64 * 1024
    assert (
        abs(size(big_docs["lanes.json"]) - size(small_docs["lanes.json"])) < 16
    )  # one item per lane, not per VPC

"""Path 2 past a zone's VPC limit (Q-1) in the twin: the real state machine bridges the overflow with
tagged copies of the zone, each on its own parking VPC, switches every VPC with zero downtime and leaves
no copy or parking VPC behind; a failure in the middle of bridging rolls back to the starting estate."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from profile_migrator.estate import Scenario, dump_scenario
from profile_migrator.planner import plan

from twin.run import rehearse_state_machine

from .common import fast_scenario, no_downtime

pytestmark = pytest.mark.flow

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "path2-bridge-copies.yaml"


def scenario(*faults: dict[str, Any]) -> Scenario:
    doc = yaml.safe_load(EXAMPLE.read_text())
    return fast_scenario(doc, "bridge-copies", faults)


def test_path2_past_the_zones_limit_succeeds_with_zero_downtime_and_leaves_no_copy() -> None:
    scn = scenario()
    p = plan(scn)
    assert p.safe and sorted(p.bridges) == ["lambda-zone-bridge-1", "lambda-zone-bridge-2"]
    result = rehearse_state_machine(scn)
    # The twin answers LimitsExceeded past 3 VPCs on the zone: success means no zone went past it.
    assert result.status == "SUCCEEDED", result.error
    assert not result.warnings
    no_downtime(result)
    assert {r["vpc"] for r in result.resolution} == set(scn.vpcs)
    final = result.final
    assert final["hosted_zones"] == {}, "the zone and its bridge copies are gone"
    assert sorted(final["vpcs"]) == sorted(scn.vpcs), "no parking VPC left"
    central = final["profiles"]["central"]
    assert central.get("endpoints") == ["lambda"] and not central.get("hosted_zones")
    assert final["endpoints"]["lambda"].get("private_dns") is True
    assert result.api_calls.get("route53:CreateHostedZone") == 2  # one per copy
    assert result.api_calls.get("route53:DeleteHostedZone") == 3  # the copies and the zone


def test_a_failure_in_the_middle_of_bridging_rolls_back_to_the_starting_estate() -> None:
    # The first copy exists (on its parking VPC) when its alias record cannot be written.
    scn = scenario(
        {"kind": "error", "operation": "ChangeResourceRecordSets", "times": 100, "code": "InvalidChangeBatch"}
    )
    result = rehearse_state_machine(scn)
    assert result.status == "ROLLED_BACK", result.error
    assert "create-zone-record (endpoint lambda, zone lambda-zone-bridge-1, record " in result.error, (
        result.error
    )
    assert "rolled back:" in result.error and "the probes prove every watched VPC" in result.error
    undone = [s["action"] for s in result.steps if s["mode"] == "undo"]
    assert "delete-bridge-zone" in undone and "delete-parking-vpc" in undone, undone
    no_downtime(result)
    start = dump_scenario(scn)
    final = result.final
    assert sorted(final["vpcs"]) == sorted(start["vpcs"]), "no parking VPC left"
    assert list(final["hosted_zones"]) == ["lambda-zone"], "no bridge copy left"
    zone = final["hosted_zones"]["lambda-zone"]
    assert (
        zone["vpcs"] == ["shared-services"]
        and zone["records"] == start["hosted_zones"]["lambda-zone"]["records"]
    )
    assert final["profiles"]["central"].get("hosted_zones") == ["lambda-zone"]

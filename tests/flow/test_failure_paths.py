"""Failure paths of the real state machine in the twin (issue 9): a Profile resource association that
ends FAILED rolls back to the starting estate, proven by probes, and says which step, which resource and
what AWS said; past the point of no return a cleanup step that keeps failing leaves a warning instead of
undoing the migration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from profile_migrator.estate import Scenario, dump_scenario

from twin.rehearsal import Result
from twin.run import rehearse_state_machine

from .common import fast_scenario, no_downtime

pytestmark = pytest.mark.flow

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "path1-direct-phz.yaml"


def scenario(*faults: dict[str, Any]) -> Scenario:
    doc = yaml.safe_load(EXAMPLE.read_text())
    return fast_scenario(doc, "failure-paths", faults)


def estate_is_the_start(scn: Scenario, result: Result) -> None:
    start = dump_scenario(scn)
    assert sorted(result.final["vpcs"]) == sorted(start["vpcs"]), "no parking VPC left"
    assert result.final["endpoints"]["lambda"].get("private_dns", False) is False
    zone = result.final["hosted_zones"]["lambda-zone"]
    assert sorted(zone["vpcs"]) == ["dev", "prod", "shared-services"]
    assert zone["records"] == start["hosted_zones"]["lambda-zone"]["records"]
    central = result.final["profiles"]["central"]
    # Nothing left in the Profile, not even the FAILED association (it is removed by the undo, AS-1).
    assert not central.get("vpcs") and not central.get("hosted_zones") and not central.get("endpoints"), (
        central
    )


@pytest.mark.parametrize(
    ("resource", "step"),
    [
        ("lambda", "step 10 associate-endpoint-with-profile (endpoint lambda, Profile central)"),
        (
            "lambda-zone",
            "step 4 associate-zone-with-profile (endpoint lambda, zone lambda-zone, Profile central)",
        ),
    ],
)
def test_failed_resource_association_rolls_back_and_says_where(resource: str, step: str) -> None:
    scn = scenario({"kind": "association-fails", "profile": "central", "resource": resource})
    result = rehearse_state_machine(scn)
    assert result.status == "ROLLED_BACK", result.error
    assert result.error.startswith(step + ": Profile resource association rpr-"), result.error
    assert "ended FAILED — Failed to associate the resource with the Profile" in result.error
    assert "rolled back:" in result.error and "the probes prove every watched VPC" in result.error
    assert [s for s in result.steps if s["mode"] == "undo"], "compensation ran"
    assert not result.warnings
    no_downtime(result)
    estate_is_the_start(scn, result)


def test_parking_vpc_that_cannot_be_deleted_is_a_warning_not_a_rollback() -> None:
    scn = scenario({"kind": "error", "operation": "DeleteVpc", "times": 50, "code": "DependencyViolation"})
    result = rehearse_state_machine(scn)
    assert result.status == "SUCCEEDED", result.error
    assert not result.error
    assert [(w["code"], w["resource"]) for w in result.warnings] == [
        ("PARKING_VPC_LEFT", "parking-lambda-zone")
    ]
    message = result.warnings[0]["message"]
    assert message.startswith("step 15 delete-parking-vpc (")
    assert "DependencyViolation" in message and "DeleteVpc" in message
    assert not [s for s in result.steps if s["mode"] == "undo"], "nothing undone"
    no_downtime(result)
    assert "lambda" in result.final["profiles"]["central"]["endpoints"]
    assert result.final["hosted_zones"] == {}, "the zone and its record were cleaned up"
    assert "parking-lambda-zone" in result.final["vpcs"]


def test_record_that_cannot_be_removed_leaves_record_zone_and_parking_vpc() -> None:
    scn = scenario(
        {"kind": "error", "operation": "ChangeResourceRecordSets", "times": 50, "code": "InvalidChangeBatch"}
    )
    result = rehearse_state_machine(scn)
    assert result.status == "SUCCEEDED", result.error
    assert [w["code"] for w in result.warnings] == ["RECORD_LEFT", "ZONE_LEFT", "PARKING_VPC_LEFT"]
    assert "InvalidChangeBatch" in result.warnings[0]["message"]
    assert "still holds" in result.warnings[1]["message"]
    no_downtime(result)
    # The zone stays parked (never orphaned): a person deletes the record, the zone, then the VPC.
    assert result.final["hosted_zones"]["lambda-zone"]["vpcs"] == ["parking-lambda-zone"]
    assert "lambda" in result.final["profiles"]["central"]["endpoints"]

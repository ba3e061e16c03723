"""Approvals in the twin (scenario-format.md "Approvals in the twin"): every-step approved succeeds with
one approval per step; a rejection or no answer rolls back to the starting resolution."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from profile_migrator.estate import Scenario, parse_scenario

from twin.run import rehearse_state_machine

pytestmark = pytest.mark.flow

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "path1-direct-phz.yaml"


def scenario(approvals: str, approver: dict[str, Any]) -> Scenario:
    doc = yaml.safe_load(EXAMPLE.read_text())
    doc["migration"]["approvals"] = approvals
    doc["twin"]["approver"] = approver
    return parse_scenario(doc, "approvals")


def start_estate_back(result: Any) -> None:
    zone = result.final["hosted_zones"]["lambda-zone"]
    assert sorted(zone["vpcs"]) == ["dev", "prod", "shared-services"]
    assert result.final["endpoints"]["lambda"].get("private_dns", False) is False
    for row in result.resolution:
        assert row["downtime_seconds"] == 0.0, row


def test_every_step_approved_succeeds_with_one_approval_per_step() -> None:
    result = rehearse_state_machine(scenario("every-step", {"answer": "approve"}))
    assert result.status == "SUCCEEDED", result.error
    forward = [s for s in result.steps if s["mode"] == "forward"]
    assert len(result.approvals) == len(forward) > 0
    assert all(a["answer"] == "approved" for a in result.approvals)
    assert sorted(a["action"] for a in result.approvals) == sorted(s["action"] for s in forward)


def test_rejected_disassociation_rolls_back() -> None:
    result = rehearse_state_machine(
        scenario("every-step", {"answer": "reject", "at": "disassociate-vpc-from-zone"})
    )
    assert result.status == "ROLLED_BACK", result.error
    rejected = [a for a in result.approvals if a["answer"] == "rejected"]
    assert [a["action"] for a in rejected] == ["disassociate-vpc-from-zone"]
    start_estate_back(result)


def test_unanswered_approval_times_out_and_rolls_back() -> None:
    result = rehearse_state_machine(scenario("destructive", {"answer": "ignore"}))
    assert result.status == "ROLLED_BACK", result.error
    assert result.approvals and result.approvals[0]["answer"] == "timed_out"
    start_estate_back(result)

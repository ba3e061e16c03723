"""The product's real state machine and handlers, deployed from template.yaml into the twin, on the
published estates and under faults (issue: state machine). Each test is a whole rehearsal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from profile_migrator.estate import Scenario, dump_scenario, load_scenario, parse_scenario

from twin.asl import state_listeners
from twin.config import get_settings
from twin.core import Twin
from twin.faults import is_mutating
from twin.rehearsal import Result, replay_published
from twin.run import rehearse_state_machine

pytestmark = pytest.mark.flow

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PUBLISHED = ["path1-direct-phz.yaml", "path2-profile-phz.yaml"]


def scenario(name: str, **changes: Any) -> Scenario:
    doc = yaml.safe_load((EXAMPLES / name).read_text())
    for key, value in changes.items():
        section, _, sub = key.partition("__")
        if sub:
            doc.setdefault(section, {})[sub] = value
        else:
            doc[section] = value
    return parse_scenario(doc, name)


def target_reached(scn: Scenario, result: Result) -> None:
    """migration-procedure.md's target state, read back through discovery."""
    final = result.final
    assert scn.migration is not None
    prof = final["profiles"][scn.migration.profile]
    for ep in scn.migration.endpoints:
        assert final["endpoints"][ep].get("private_dns") is True
        assert ep in prof.get("endpoints", [])
    for row in result.resolution:
        assert row["vpc"] in prof["vpcs"], row
    assert final["hosted_zones"] == {}, "the self-managed zone is gone"
    assert not [v for v in final["vpcs"] if v.startswith("parking-")], "the parking VPC is gone"


def normalized(obj: Any) -> Any:
    """Lists of names compare as sets (discovery's order is the API's, not the scenario's)."""
    if isinstance(obj, dict):
        return {k: normalized(v) for k, v in obj.items()}
    if isinstance(obj, list):
        items = [normalized(v) for v in obj]
        return sorted(items, key=repr)
    return obj


def no_downtime(result: Result) -> None:
    assert result.resolution, "the sampler watched something"
    for row in result.resolution:
        assert row["downtime_seconds"] == 0.0, row
        assert row["private"] == row["samples"], row


@pytest.mark.parametrize("example", PUBLISHED)
def test_published_example_succeeds_with_zero_downtime(example: str) -> None:
    scn = load_scenario(EXAMPLES / example)
    gates: list[dict[str, Any]] = []

    def gate_results(_arn: str, state: str, inp: Any, _now: float) -> None:
        if state.endswith("GateDecide") and isinstance(inp, dict) and isinstance(inp.get("gate"), dict):
            gates.append(inp["gate"])

    state_listeners.append(gate_results)
    try:
        ours = rehearse_state_machine(scn)
    finally:
        state_listeners.remove(gate_results)
    assert ours.status == "SUCCEEDED", ours.error
    # The gates overlapped their changes (runtime.Observer): each started from the streaks the steps counted
    # while their changes settled, and every gate took at least one answer of its own after its wave.
    passed = [g for g in gates if g["status"] == "passed"]
    assert passed and all(g["own"] >= 1 for g in passed)
    assert sum(1 for g in passed if g.get("seeded")) >= len(passed) // 2, gates
    no_downtime(ours)
    target_reached(scn, ours)
    assert ours.state_transitions > 0 and ours.lambda_invocations > 0
    # The published procedure on the same estate shows its step-7 window in the last VPC only.
    baseline = replay_published(scn)
    assert baseline.status == "SUCCEEDED", baseline.error
    lost = {r["vpc"]: r for r in baseline.resolution if r["downtime_seconds"] > 0}
    assert list(lost) == ["prod"]
    assert lost["prod"]["nxdomain"] > 0


def test_resolver_outage_on_canary_rolls_back_and_proves_the_start() -> None:
    # dev's resolver fails from the moment the canary step (dev leaves the zone) starts, for 400 simulated
    # seconds: its gate cannot pass, and nothing gated on dev before it is touched. The window is armed by
    # the step itself (a state listener), so it does not depend on how fast the machine runs.
    start = dump_scenario(load_scenario(EXAMPLES / "path1-direct-phz.yaml"))
    outage = {"kind": "resolver-outage", "vpc": "dev", "from": 1e9, "to": 1e9 + 1}
    scn = scenario("path1-direct-phz.yaml", twin={"time_scale": 0.01, "faults": [outage]})
    tw = Twin(scn).start()

    def arm_on_canary(arn: str, state: str, inp: Any, now: float) -> None:
        step = inp.get("step") if isinstance(inp, dict) else None
        if (
            isinstance(step, dict)
            and not state.startswith("Undo")
            and state.endswith("Perform")
            and step.get("action") == "disassociate-vpc-from-zone"
            and step.get("vpc") == "dev"
        ):
            for fault in get_settings().faults_of("resolver-outage"):
                if fault[1]["from"] >= 1e9:
                    fault[1].update({"from": now - tw.start_time, "to": now - tw.start_time + 400})

    state_listeners.append(arm_on_canary)
    try:
        result = rehearse_state_machine(scn, twin=tw)
    finally:
        state_listeners.remove(arm_on_canary)
        tw.stop()
    assert result.status == "ROLLED_BACK", result.error
    forward = [s for s in result.steps if s["mode"] == "forward"]
    assert forward[-1]["action"] == "disassociate-vpc-from-zone" and forward[-1]["target"].endswith("dev")
    assert [s for s in result.steps if s["mode"] == "undo"], "compensation ran"
    # Every VPC resolves as at the start: the final estate is the starting one.
    for key in ("vpcs", "endpoints", "hosted_zones", "profiles"):
        want = {k: v for k, v in start.get(key, {}).items()}
        got = {k: v for k, v in result.final[key].items() if not k.startswith("parking-")}
        if key == "profiles":
            assert sorted(got["central"].get("vpcs", [])) in ([], sorted(want["central"].get("vpcs", [])))
            assert got["central"].get("endpoints", []) == []
            assert got["central"].get("hosted_zones", []) == []
        else:
            assert normalized(got) == normalized(want), key
    for row in result.resolution:
        if row["vpc"] != "dev":
            assert row["downtime_seconds"] == 0.0, row
        else:  # dev lost only what its own resolver's outage took
            assert row["nxdomain"] == 0 and row["public"] == 0, row


def test_stuck_endpoint_times_out_and_rolls_back() -> None:
    scn = scenario(
        "path1-direct-phz.yaml",
        twin={"time_scale": 0.01, "faults": [{"kind": "stuck", "endpoint": "lambda"}]},
    )
    result = rehearse_state_machine(scn)
    assert result.status == "ROLLED_BACK", result.error
    no_downtime(result)
    assert sorted(result.final["hosted_zones"]["lambda-zone"]["vpcs"]) == ["dev", "prod", "shared-services"]


def test_throttling_and_a_crash_are_retried_to_success() -> None:
    scn = scenario(
        "path1-direct-phz.yaml",
        twin={
            "time_scale": 0.01,
            "faults": [
                {
                    "kind": "error",
                    "operation": "AssociateResourceToProfile",
                    "times": 2,
                    "code": "ThrottlingException",
                },
                {"kind": "crash", "function": "enable-private-dns", "times": 1},
                {"kind": "throttle", "service": "route53", "rate": 5},
            ],
        },
    )
    result = rehearse_state_machine(scn)
    assert result.status == "SUCCEEDED", result.error
    no_downtime(result)
    target_reached(scn, result)


def test_unsafe_estate_is_refused_before_any_change() -> None:
    doc = yaml.safe_load((EXAMPLES / "path1-direct-phz.yaml").read_text())
    doc["hosted_zones"]["lambda-zone"]["records"].append(
        {"name": "legacy.lambda.us-east-1.amazonaws.com", "type": "A", "values": ["10.9.9.9"]}
    )
    scn = parse_scenario(doc, "foreign")
    result = rehearse_state_machine(scn)
    assert result.status == "REFUSED"
    assert [p["code"] for p in result.problems] == ["FOREIGN_RECORDS"]
    assert not [
        op
        for op in result.api_calls
        if is_mutating(op.split(":", 1)[1])
        and not op.startswith(("dynamodb:", "stepfunctions:", "lambda:", "sts:"))
    ], result.api_calls
    assert sorted(result.final["hosted_zones"]["lambda-zone"]["vpcs"]) == ["dev", "prod", "shared-services"]


@pytest.mark.parametrize("after", [1, 6, 11, 14])
def test_abort_then_new_execution_converges_with_zero_downtime(after: int) -> None:
    scn = load_scenario(EXAMPLES / "path1-direct-phz.yaml")
    result = rehearse_state_machine(scn, abort_after_step=after)
    assert len(result.executions) == 2
    assert result.status == "SUCCEEDED", result.error
    no_downtime(result)
    target_reached(scn, result)


@pytest.mark.parametrize("example", ["multi-account.yaml", "greenfield.yaml"])
def test_other_estates_succeed_with_zero_downtime(example: str) -> None:
    # Two accounts, three endpoints in three architectures (RAM sharing, cross-account authorisations);
    # and an estate with no zone at all.
    scn = load_scenario(EXAMPLES / example)
    result = rehearse_state_machine(scn)
    assert result.status == "SUCCEEDED", result.error
    for row in result.resolution:  # (greenfield: nothing resolved privately at the start)
        assert row["downtime_seconds"] == 0.0, row
    assert scn.migration is not None
    prof = result.final["profiles"][scn.migration.profile]
    # Every VPC of the Profile ends resolving the service privately (the sampler saw it switch).
    for vpc in prof["vpcs"]:
        for name in {scn.endpoint_dns_name(e) for e in scn.migration.endpoints}:
            changes = result.transitions.get(f"{vpc}|{name}", [])
            assert not changes or changes[-1][2] == "private", (vpc, changes)
            if not any(r["vpc"] == vpc and r["name"] == name for r in result.resolution):
                assert changes, f"{vpc} did not start private, so it must have switched"
    for ep in scn.migration.endpoints:
        assert result.final["endpoints"][ep].get("private_dns") is True
        assert ep in prof.get("endpoints", [])
    migrated = {scn.endpoint_dns_name(e) for e in scn.migration.endpoints}
    assert not [z for z in result.final["hosted_zones"].values() if z["name"] in migrated]

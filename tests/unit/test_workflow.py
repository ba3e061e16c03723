"""The workflow's action table, point of no return and the words of failures (issue 9, failure paths)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from profile_migrator.estate import load_scenario
from profile_migrator.planner import plan
from profile_migrator.preflight import InvalidInput, check_functions
from profile_migrator.vocabulary import SPECS, STEP_FUNCTIONS, Action
from profile_migrator.workflow import (
    CLEANUP,
    IrreversibleStep,
    explain_step_failure,
    failure_text,
    left_warning,
    phases,
    run_documents,
    undo_waves,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
MIGRATIONS = [
    "path1-direct-phz.yaml",
    "path2-profile-phz.yaml",
    "multi-account.yaml",
    "greenfield.yaml",
    "path2-bridge-copies.yaml",
]


@pytest.mark.parametrize("example", MIGRATIONS)
def test_cleanup_runs_after_the_point_of_no_return_and_changes_no_watched_answer(example: str) -> None:
    p = plan(load_scenario(EXAMPLES / example))
    switch, cleanup = phases(p, "none")
    switch_steps = [s for w in switch for s in w["steps"]]
    cleanup_steps = [s for w in cleanup for s in w["steps"]]
    assert not [s for s in switch_steps if s["action"] in CLEANUP]
    assert all(s["action"] in CLEANUP for s in cleanup_steps)
    assert [s["index"] for s in switch_steps] == sorted(s["index"] for s in switch_steps)
    assert [s["index"] for s in cleanup_steps] == sorted(s["index"] for s in cleanup_steps)
    assert sorted(s["index"] for s in switch_steps + cleanup_steps) == list(range(1, len(p.steps) + 1))
    assert [w["wave"] for w in switch + cleanup] == list(range(1, len(switch) + len(cleanup) + 1))
    assert not [w for w in cleanup if w["gate"]]
    # Deferring the deletions is safe: no prediction changes at a cleanup step (nothing watched resolves
    # through what it deletes) ...
    cleanup_indices = {s["index"] for s in cleanup_steps}
    assert not [r for r in p.predicted if r.after_step in cleanup_indices]
    # ... and at the point of no return every watched pair already resolves privately.
    last: dict[tuple[str, str], str] = {}
    for r in sorted(p.predicted, key=lambda r: r.after_step):
        last[(r.vpc, r.name)] = r.answer
    start = {(r.vpc, r.name) for r in p.predicted if r.after_step == 0 and r.answer == "private"}
    assert all(last[k] == "private" for k in start)


def test_undo_plan_skips_cleanup_and_refuses_an_irreversible_step_before_the_point_of_no_return() -> None:
    performed = [
        {"index": 1, "action": "associate-vpc-with-profile", "vpc": "dev", "mode": "forward"},
        {
            "index": 2,
            "action": "delete-zone-record",
            "zone": "z",
            "record": "r",
            "mode": "forward",
            "saved": {"record": {"Name": "r"}},
        },
        {"index": 3, "action": "delete-zone", "zone": "z", "mode": "cleanup"},
    ]
    undo = undo_waves(performed, ["dev"])
    assert [[s["action"] for s in w["steps"]] for w in undo] == [
        ["create-zone-record"],
        ["disassociate-vpc-from-profile"],
        [],
    ]
    assert undo[0]["steps"][0]["saved"] == {"record": {"Name": "r"}} and "mode" not in undo[0]["steps"][0]
    assert undo[-1]["gate"] == ["dev"]
    with pytest.raises(IrreversibleStep, match="step 3 delete-zone"):
        undo_waves([{**performed[2], "mode": "forward"}], ["dev"])


ARNS = {fn: f"arn:aws:lambda:us-east-1:111111111111:function:{fn}Function" for fn in STEP_FUNCTIONS}


def test_every_step_the_maps_read_carries_its_functions_arn() -> None:
    """The state machine runs a step with one Task invoking ``$.step.function_arn``: every step of every item
    file (shared waves, lanes, cleanup lanes) and of plan.json carries its action's function's ARN, and an
    undo step its inverse's (not the forward step's, which it had in the audit record)."""
    p = plan(load_scenario(EXAMPLES / "path2-bridge-copies.yaml"))
    docs, _ = run_documents(p, "none", "runs/x/", "x", 8, ARNS)
    files = [docs["shared.json"], *(d for k, d in docs.items() if k.startswith(("lanes/", "cleanups/")))]
    files += [docs["plan.json"]["waves"], docs["plan.json"]["cleanup"]]
    steps = [s for waves in files for w in waves for s in w["steps"]]
    assert {s["action"] for s in steps} >= {"create-bridge-zone", "delete-zone", "enable-private-dns"}
    for s in steps:
        assert s["function_arn"] == ARNS[SPECS[Action(s["action"])].function], s
    forward = {**STEP, "index": 3, "action": "disassociate-zone-from-profile", "zone": "z", "at": 1.0}
    forward.update(function="DisassociateZoneFromProfile", function_arn=ARNS["DisassociateZoneFromProfile"])
    undo = undo_waves([forward], ["dev"], ARNS)[0]["steps"][0]
    assert undo["action"] == "associate-zone-with-profile"
    assert undo["function_arn"] == ARNS["AssociateZoneWithProfile"]
    # Without the map (a test, a bench) the steps carry none; a map missing a function is refused.
    assert (
        "function_arn" not in run_documents(p, "none", "runs/x/", "x", 8)[0]["lanes/0001.json"][0]["steps"][0]
    )
    with pytest.raises(InvalidInput, match="no ARN for step function.*DeleteZone"):
        check_functions({k: v for k, v in ARNS.items() if k != "DeleteZone"})


STEP = {"index": 8, "action": "associate-endpoint-with-profile", "endpoint": "lambda", "profile": "central"}


def test_failures_read_as_step_resource_and_aws_error() -> None:
    client_error = json.dumps(
        {
            "errorType": "ClientError",
            "errorMessage": "An error occurred (AccessDeniedException) when calling the "
            "AssociateResourceToProfile operation: not allowed",
        }
    )
    assert explain_step_failure(STEP, "ClientError", client_error) == (
        "step 8 associate-endpoint-with-profile (endpoint lambda, Profile central): An error occurred "
        "(AccessDeniedException) when calling the AssociateResourceToProfile operation: not allowed"
    )
    # Our own errors already name the step: not named twice.
    own = json.dumps(
        {
            "errorType": "ChangeFailed",
            "errorMessage": "step 8 associate-endpoint-with-profile "
            "(endpoint lambda, Profile central): Profile resource association rpr-1 ended FAILED — x",
        }
    )
    assert explain_step_failure(STEP, "ChangeFailed", own).count("step 8") == 1
    assert "approval was rejected" in explain_step_failure(STEP, "Rejected", "rejected by U123")
    assert explain_step_failure(STEP, "Rejected", "None").endswith("): the approval was rejected")
    assert "timed out" in failure_text("States.Timeout", "")
    crash = json.dumps({"errorType": "RuntimeError", "errorMessage": "boom"})
    assert explain_step_failure(STEP, "RuntimeError", crash).endswith("): RuntimeError: boom")


def test_cleanup_left_warnings_name_code_resource_and_what_to_do() -> None:
    ids = {"zones": {"lambda-zone": "Z123"}, "vpcs": {}}
    w = left_warning(
        {"index": 14, "action": "delete-zone", "zone": "lambda-zone"},
        "ClientError",
        json.dumps({"errorType": "ClientError", "errorMessage": "An error occurred (HostedZoneNotEmpty)"}),
        ids,
    )
    assert w["code"] == "ZONE_LEFT" and w["resource"] == "lambda-zone"
    assert "HostedZoneNotEmpty" in w["message"] and "Z123" in w["message"]
    w = left_warning(
        {"index": 15, "action": "delete-parking-vpc", "vpc": "parking-z"}, "States.Timeout", "", ids
    )
    assert (w["code"], w["resource"]) == ("PARKING_VPC_LEFT", "parking-z")

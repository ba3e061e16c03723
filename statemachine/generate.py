"""Generate ``statemachine/migrate.asl.json`` (JSONPath) from one description.

The forward run and the compensation run the same wave/step processor, and every step action has
its own Task; writing those by hand would duplicate a hundred lines. Run ``python statemachine/generate.py``
after a change; ``tests/unit/test_statemachine.py`` fails when the committed file is stale.

Design (see docs/state-machine.md):
Preflight (discover + plan; ``Refused`` before any change; the plan and the context go to the run bucket,
SF-5) -> Planned (the small state: where the run's documents are) -> lock -> JoinProfile (the shared waves,
one at a time) -> MigrateEndpoints (lanes of independent endpoints side by side, each a child execution
running its waves one at a time, each wave a child: its steps together — approval? -> action task ->
wait-and-poll — then its probe gate) -> point of no return -> Cleanup (lanes of deletions; a step that
keeps failing is left) -> Summarize (warnings) -> release -> Succeed. Any failure before the point of no
return -> LetStepsInFlightEnd -> PlanUndo (inverses of what the audit trail says was started, newest first)
-> Undo (same wave processor) -> proof gate -> release -> Fail ``RolledBack`` (cause: which step,
resource, AWS error). A failed rollback -> ``RollbackFailed`` with both reasons.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "layers" / "common"))

from profile_migrator.planner import MAX_WAVE  # noqa: E402
from profile_migrator.workflow import STEP_ERRORS, STEP_FUNCTIONS  # noqa: E402

OUT = Path(__file__).resolve().parent / "migrate.asl.json"

# The step functions' Timeout in template.yaml (Globals): after it no invocation of theirs is still running.
STEP_TIMEOUT_SECONDS = 60

# Errors a retry cannot fix: the step refuses, or the request is wrong. Everything else (throttling,
# PriorRequestNotComplete, a crashed runtime, Lambda service errors) is retried with backoff+jitter.
FINAL_ERRORS = ["Refused", "InvalidInput", *STEP_ERRORS]


def retry(final: list[str]) -> list[dict[str, Any]]:
    """No retry of the ``final`` errors; everything else retried with backoff and full jitter."""
    return [
        {"ErrorEquals": final, "MaxAttempts": 0},
        {
            "ErrorEquals": ["States.ALL"],
            "IntervalSeconds": 2,
            "MaxAttempts": 4,
            "BackoffRate": 2.0,
            "MaxDelaySeconds": 30,
            "JitterStrategy": "FULL",
        },
    ]


TRANSIENT_RETRY = retry(FINAL_ERRORS)


def catch_all(result_path: str, next_: str) -> list[dict[str, Any]]:
    """A Catch that sends every error, kept at ``result_path``, to ``next_``."""
    return [{"ErrorEquals": ["States.ALL"], "ResultPath": result_path, "Next": next_}]


def fail(error: str, *, cause: str | None = None, cause_path: str | None = None) -> dict[str, Any]:
    """A Fail state: a fixed cause, or the cause read from the state (``CausePath``)."""
    out: dict[str, Any] = {"Type": "Fail", "Error": error}
    if cause is not None:
        out["Cause"] = cause
    if cause_path is not None:
        out["CausePath"] = cause_path
    return out


def failed_states(name: str) -> dict[str, dict[str, Any]]:
    """The two ends of a failed step or wave: ``name`` fails in the outcome function's words (what it
    explained), ``nameAsIs`` with the error as it came (when explaining failed too)."""
    return {
        name: {"Type": "Fail", "ErrorPath": "$.explained.error", "CausePath": "$.explained.cause"},
        f"{name}AsIs": {"Type": "Fail", "ErrorPath": "$.failure.Error", "CausePath": "$.failure.Cause"},
    }


def set_mode(mode: str, next_: str) -> dict[str, Any]:
    """A Pass state that sets ``$.mode`` (forward, cleanup, undo) for the waves that follow."""
    return {"Type": "Pass", "Result": mode, "ResultPath": "$.mode", "Next": next_}


def task(
    resource: str, parameters: dict[str, Any], result_path: str | None, next_: str | None = None, **extra: Any
) -> dict[str, Any]:
    st: dict[str, Any] = {
        "Type": "Task",
        "Resource": resource,
        "Parameters": parameters,
        "ResultPath": result_path,
        "Retry": TRANSIENT_RETRY,
    }
    st.update(extra)
    if next_ is None:
        st["End"] = True
    else:
        st["Next"] = next_
    return st


# The run's documents and its config travel by reference (SF-5): every function reads the context by key.
ITEM = {"run.$": "$.run", "config.$": "$.config", "execution.$": "$.execution", "mode.$": "$.mode"}


def step_processor(p: str, mode: str) -> dict[str, Any]:
    """One step: approval? -> the action's function -> wait-and-poll until settled.

    A failure of any of its tasks (after the retries) is caught. Before the point of no return
    (``forward``) and in the compensation (``undo``) the outcome function words it — which step, which
    resource, which AWS error — records those words for the parent, and the step fails with them (so the
    wave, the lane and the map above fail). After the point of no return (``cleanup``) the step is left:
    the outcome function records it, the run goes on and ends with a warning.
    """
    params = {"step.$": "$.step", **ITEM}
    catch_to = f"{p}StepLeft" if mode == "cleanup" else f"{p}ExplainFailure"
    catch = catch_all("$.failure", catch_to)
    states: dict[str, Any] = {
        # One Choice: ask for approval first when the step needs it (then come back here), else run the
        # step's function.
        f"{p}Perform": {
            "Type": "Choice",
            "Choices": [
                {
                    "And": [
                        {"Variable": "$.step.approval", "BooleanEquals": True},
                        {"Variable": "$.approval", "IsPresent": False},
                    ],
                    "Next": f"{p}RequestApproval",
                },
                *(
                    {"Variable": "$.step.function", "StringEquals": fn, "Next": f"{p}Run{fn}"}
                    for fn in STEP_FUNCTIONS
                ),
            ],
            "Default": f"{p}UnknownAction",
        },
        f"{p}RequestApproval": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Parameters": {
                "FunctionName": "${ApprovalRequestFunctionArn}",
                "Payload": {
                    "token.$": "$$.Task.Token",
                    "step.$": "$.step",
                    "run.$": "$.run",
                    "execution.$": "$.execution",
                },
            },
            "TimeoutSecondsPath": "$.config.approval_timeout_seconds",
            "ResultPath": "$.approval",
            "Catch": catch,
            "Next": f"{p}Perform",
        },
        f"{p}UnknownAction": fail("ActionError", cause="no function for this step action"),
        # The step's function waits for its changes in its own invocation while that is cheaper than a Wait
        # state (runtime.settle); a longer wait comes back here as pending, with the seconds to wait. A change
        # that ends FAILED (AS-1) makes the function raise: only settled/pending here.
        f"{p}Settled": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.result.state", "StringEquals": "settled", "Next": f"{p}StepDone"}],
            "Default": f"{p}PollWait",
        },
        f"{p}PollWait": {"Type": "Wait", "SecondsPath": "$.result.interval", "Next": f"{p}PollStatus"},
        f"{p}PollStatus": task(
            "${StatusFunctionArn}",
            {"result.$": "$.result", "run.$": "$.run", "config.$": "$.config", "mode.$": "$.mode"},
            "$.result",
            f"{p}Settled",
            Catch=catch,
        ),
        # One result shape from the step and status functions: {index, action, label, waits, state, polls,
        # interval, elapsed}.
        f"{p}StepDone": {"Type": "Succeed", "OutputPath": "$.result"},
    }
    if mode == "cleanup":
        # Left for a person: recorded in the run table; the summary turns it into a warning
        # (PARKING_VPC_LEFT, ZONE_LEFT, RECORD_LEFT).
        states[f"{p}StepLeft"] = task(
            "${OutcomeFunctionArn}",
            {
                "op": "left",
                "step.$": "$.step",
                "failure.$": "$.failure",
                "run.$": "$.run",
                "execution.$": "$.execution",
                "mode.$": "$.mode",
            },
            None,
            None,
        )
    else:
        states[f"{p}ExplainFailure"] = task(
            "${OutcomeFunctionArn}",
            {
                "op": "explain",
                "step.$": "$.step",
                "mode.$": "$.mode",
                "failure.$": "$.failure",
                "run.$": "$.run",
                "execution.$": "$.execution",
            },
            "$.explained",
            f"{p}StepFailed",
            Catch=catch_all("$.explain_failure", f"{p}StepFailedAsIs"),
        )
        states.update(failed_states(f"{p}StepFailed"))
    for fn in STEP_FUNCTIONS:
        states[f"{p}Run{fn}"] = task(f"${{{fn}FunctionArn}}", params, "$.result", f"{p}Settled", Catch=catch)
    return {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": f"{p}Perform", "States": states}


def wave_processor(p: str, mode: str) -> dict[str, Any]:
    """One wave (a child execution): its steps together (bounded, RL-1), then the probe gate of its VPCs."""
    gate_params = {
        "vpcs.$": "$.wave.gate",
        "run.$": "$.run",
        "config.$": "$.config",
        "mode.$": "$.mode",
        "steps.$": "$.wave.steps",
    }
    gate_catch = catch_all("$.failure", f"{p}GateFailed")
    return {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        "StartAt": f"{p}RunSteps",
        "States": {
            f"{p}RunSteps": {
                "Type": "Map",
                "ItemsPath": "$.wave.steps",
                "MaxConcurrency": MAX_WAVE,
                "ItemSelector": {"step.$": "$$.Map.Item.Value", **ITEM},
                "ItemProcessor": step_processor(p, mode),
                "ResultPath": "$.steps",
                "Next": f"{p}HasGate",
            },
            f"{p}HasGate": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.wave.gate[0]", "IsPresent": True, "Next": f"{p}GateCheck"}],
                "Default": f"{p}WaveDone",
            },
            # The probe in each gated VPC resolves the service name; N consecutive private answers pass. The
            # gate function checks again every interval in its own invocation; out of time, it returns its
            # state (pending), and GateWait -> GateAgain goes on from there.
            f"{p}GateCheck": task(
                "${GateFunctionArn}",
                # The steps' results carry the streaks their functions counted while the changes settled.
                {**gate_params, "observed.$": "$.steps"},
                "$.gate",
                f"{p}GateDecide",
                Catch=gate_catch,
            ),
            f"{p}GateAgain": task(
                "${GateFunctionArn}",
                {**gate_params, "state.$": "$.gate"},
                "$.gate",
                f"{p}GateDecide",
                Catch=gate_catch,
            ),
            # The gate's words (which VPCs answered what) are recorded for the parent, then the wave fails.
            f"{p}GateFailed": task(
                "${OutcomeFunctionArn}",
                {
                    "op": "explain",
                    "mode.$": "$.mode",
                    "failure.$": "$.failure",
                    "run.$": "$.run",
                    "execution.$": "$.execution",
                },
                "$.explained",
                f"{p}WaveFailed",
                Catch=catch_all("$.explain_failure", f"{p}WaveFailedAsIs"),
            ),
            **failed_states(f"{p}WaveFailed"),
            f"{p}GateDecide": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.gate.status", "StringEquals": "passed", "Next": f"{p}WaveDone"}],
                "Default": f"{p}GateWait",
            },
            f"{p}GateWait": {
                "Type": "Wait",
                "SecondsPath": "$.config.gate.interval_seconds",
                "Next": f"{p}GateAgain",
            },
            f"{p}WaveDone": {
                "Type": "Pass",
                "Parameters": {"wave.$": "$.wave.wave", "steps.$": "States.ArrayLength($.steps)"},
                "End": True,
            },
        },
    }


def reader(key: str) -> dict[str, Any]:
    """Items from a JSON array in the run bucket (Distributed Map ItemReader)."""
    return {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "JSON"},
        "Parameters": {"Bucket.$": "$.run.bucket", "Key.$": key},
    }


def writer() -> dict[str, Any]:
    """The children's outputs go to the run bucket, not into the state (SF-5). (A substitution, not a path:
    moto evaluates ResultWriter's paths on the map's results rather than on the state's input.)"""
    return {
        "Resource": "arn:aws:states:::s3:putObject",
        "Parameters": {"Bucket": "${RunBucketName}", "Prefix": "runs/map-results"},
    }


def waves_map(p: str, key: str, mode: str, **extra: Any) -> dict[str, Any]:
    """Waves one at a time, each a child execution (SF-5: no history grows with the estate)."""
    return {
        "Type": "Map",
        "ItemReader": reader(key),
        "MaxConcurrency": 1,
        "ToleratedFailureCount": 0,
        "ItemSelector": {"wave.$": "$$.Map.Item.Value", **ITEM},
        "ItemProcessor": wave_processor(p, mode),
        "ResultWriter": writer(),
        "ResultSelector": {"map_run.$": "$.MapRunArn"},
        **extra,
    }


def lanes_map(p: str, key: str, mode: str, **extra: Any) -> dict[str, Any]:
    """Lanes side by side (each a child execution running its waves one at a time)."""
    return {
        "Type": "Map",
        "ItemReader": reader(key),
        "MaxConcurrencyPath": "$.lanes_at_once",
        "ToleratedFailureCount": 0,
        "ItemSelector": {"lane.$": "$$.Map.Item.Value", **ITEM},
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": f"{p}LaneWaves",
            "States": {f"{p}LaneWaves": waves_map(p, "$.lane.waves", mode, End=True)},
        },
        "ResultWriter": writer(),
        "ResultSelector": {"map_run.$": "$.MapRunArn"},
        **extra,
    }


def lock(op: str, next_: str) -> dict[str, Any]:
    return task(
        "${LockFunctionArn}",
        {
            "op": op,
            "run.$": "$.run",
            "execution.$": "$$.Execution.Name",
            "execution_arn.$": "$$.Execution.Id",
        },
        None,
        next_,
    )


def definition() -> dict[str, Any]:
    rollback = catch_all("$.failure", "LetStepsInFlightEnd")
    return {
        "Comment": "profile-migrator: move interface endpoint DNS from private hosted zones to a Route 53 "
        "Profile with zero DNS downtime (generated by statemachine/generate.py)",
        "StartAt": "Preflight",
        "States": {
            "Preflight": task(
                "${PreflightFunctionArn}",
                # The execution's own input, also on a second look after PreflightWait (``$`` then carries
                # the first look's result, which the input's schema refuses as an unknown field).
                {"request.$": "$$.Execution.Input", "execution.$": "$$.Execution.Name"},
                "$.preflight",
                "PreflightReady",
            ),
            "PreflightReady": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.preflight.ready", "BooleanEquals": False, "Next": "PreflightWait"}
                ],
                "Default": "Planned",
            },
            # Something is still settling (an endpoint Pending, an association CREATING, changes an aborted
            # execution left in flight — AS-5): plan on a settled estate.
            "PreflightWait": {"Type": "Wait", "Seconds": 15, "Next": "Preflight"},
            # From here the state is small and constant (SF-5): where the plan is, the config, the summary.
            "Planned": {
                "Type": "Pass",
                "Parameters": {
                    "run.$": "$.preflight.run",
                    "config.$": "$.preflight.config",
                    "summary.$": "$.preflight.summary",
                    "lanes_at_once.$": "$.preflight.summary.lanes_at_once",
                    "execution.$": "$$.Execution.Name",
                    "mode": "forward",
                },
                "Next": "AcquireLock",
            },
            "AcquireLock": lock("acquire", "HasSharedWaves"),
            # A map run costs seconds to start even with no items: skip it when no VPC joins the Profile.
            "HasSharedWaves": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.summary.shared_waves", "NumericGreaterThan": 0, "Next": "JoinProfile"}
                ],
                "Default": "MigrateEndpoints",
            },
            # Up to the point of no return: any failure rolls back.
            # The VPCs that resolve through the Profile join it (shared by every endpoint), a wave at a time.
            "JoinProfile": waves_map(
                "Join",
                "$.run.shared",
                "forward",
                ResultPath="$.joined",
                Catch=rollback,
                Next="MigrateEndpoints",
            ),
            # Endpoints that share no zone and no name migrate side by side (lanes), each in its proven order.
            "MigrateEndpoints": lanes_map(
                "Forward",
                "$.run.lanes",
                "forward",
                ResultPath="$.forward",
                Catch=rollback,
                Next="StartCleanup",
            ),
            # After the point of no return every watched VPC resolves through the Profile: a cleanup step that
            # keeps failing is left (a warning), never undone.
            "StartCleanup": set_mode("cleanup", "Cleanup"),
            "Cleanup": lanes_map(
                "Cleanup",
                "$.run.cleanup",
                "cleanup",
                ResultPath="$.cleanup",
                Catch=catch_all("$.cleanup", "Summarize"),
                Next="Summarize",
            ),
            "Summarize": task(
                "${OutcomeFunctionArn}",
                {
                    "op": "summarize",
                    "execution.$": "$$.Execution.Name",
                    "cleanup.$": "$.cleanup",
                    "run.$": "$.run",
                },
                "$.outcome",
                "ReleaseLock",
                Catch=catch_all("$.summarize_failure", "SummaryUnknown"),
            ),
            "SummaryUnknown": {
                "Type": "Pass",
                "Result": {
                    "warnings": [
                        {
                            "code": "CLEANUP_UNKNOWN",
                            "resource": "",
                            "message": "the migration is done, but what its cleanup left could not be "
                            "summarised: read the Cleanup state's output in the history",
                        }
                    ]
                },
                "ResultPath": "$.outcome",
                "Next": "ReleaseLock",
            },
            "ReleaseLock": lock("release", "Summary"),
            "Summary": {
                "Type": "Pass",
                "Parameters": {
                    "status": "SUCCEEDED",
                    "plan.$": "$.summary",
                    "run.$": "$.run",
                    "warnings.$": "$.outcome.warnings",
                },
                "Next": "Succeeded",
            },
            "Succeeded": {"Type": "Succeed"},
            # A step stopped in flight in another lane may still be inside its Lambda call: wait out the
            # functions' timeout so that everything the audit trail will say was started has ended.
            "LetStepsInFlightEnd": {"Type": "Wait", "Seconds": STEP_TIMEOUT_SECONDS, "Next": "PlanUndo"},
            "PlanUndo": task(
                "${CompensateFunctionArn}",
                {"execution.$": "$$.Execution.Name", "run.$": "$.run", "failure.$": "$.failure"},
                "$.undo",
                "StartUndo",
                Catch=catch_all("$.rollback_failure", "ExplainRollbackFailure"),
            ),
            "StartUndo": set_mode("undo", "Undo"),
            "Undo": waves_map(
                "Undo",
                "$.undo.waves_key",
                "undo",
                ResultPath="$.undone",
                Next="ReleaseAfterUndo",
                Catch=catch_all("$.rollback_failure", "ExplainRollbackFailure"),
            ),
            "ReleaseAfterUndo": lock("release", "RolledBack"),
            # Why (which step, resource, AWS error) and what the rollback proved.
            "RolledBack": fail("RolledBack", cause_path="$.undo.rolled_back"),
            "ExplainRollbackFailure": task(
                "${OutcomeFunctionArn}",
                {
                    "op": "rollback-failed",
                    "execution.$": "$$.Execution.Name",
                    "failure.$": "$.failure",
                    "rollback_failure.$": "$.rollback_failure",
                    "run.$": "$.run",
                },
                "$.outcome",
                "RollbackFailed",
                Catch=catch_all("$.explain_failure", "RollbackFailedUnexplained"),
            ),
            "RollbackFailed": fail("RollbackFailed", cause_path="$.outcome.cause"),
            "RollbackFailedUnexplained": fail(
                "RollbackFailed", cause="the rollback could not be completed or proven; the lock is kept"
            ),
        },
    }


ONBOARD_OUT = Path(__file__).resolve().parent / "onboard.asl.json"

# Onboarding errors a retry cannot fix (profile_migrator.onboarding): they end the run FAILED at once.
ONBOARD_FINAL_ERRORS = ["AssociationFailed", "PollTimeout", "ProbeFailed", "NotConfigured", "ValidationError"]
ONBOARD_RETRY = retry(ONBOARD_FINAL_ERRORS)
ONBOARD_CATCH = catch_all("$.failure", "NotifyFailure")


def onboard_task(
    fn: str,
    result_path: str,
    next_: str,
    catch: list[dict[str, Any]] | None = None,
    constants: dict[str, str] | None = None,
    **paths: str,
) -> dict[str, Any]:
    """An onboarding step: the request and what earlier steps found (by path); errors go to NotifyFailure."""
    parameters = {
        "request.$": "$.request",
        "execution.$": "$$.Execution.Name",
        **{f"{k}.$": v for k, v in paths.items()},
        **(constants or {}),
    }
    return {
        "Type": "Task",
        "Resource": f"${{{fn}FunctionArn}}",
        "Parameters": parameters,
        "ResultPath": result_path,
        "Retry": ONBOARD_RETRY,
        "Catch": catch or ONBOARD_CATCH,
        "Next": next_,
    }


def skipped(reason_path: str) -> dict[str, Any]:
    """The onboarding's outcome when the VPC is not associated: who, where, and why (``reason_path``)."""
    return {
        "Type": "Pass",
        "Parameters": {
            "vpc_id.$": "$.request.vpc_id",
            "account.$": "$.request.account",
            "region.$": "$.request.region",
            "status": "SKIPPED",
            "reason.$": reason_path,
            "execution.$": "$$.Execution.Name",
        },
        "Next": "Done",
    }


def onboard_definition() -> dict[str, Any]:
    """A new VPC joins the Profile (EV-1): decide -> associate (CP-9) -> poll to COMPLETE (AS-1) ->
    probe (if the VPC has one) -> notify. The execution is named ``onboard-<vpc id>`` by the trigger."""
    return {
        "Comment": "profile-migrator: associate a new VPC with the Route 53 Profile (EV-1) "
        "(generated by statemachine/generate.py)",
        "StartAt": "Decide",
        "States": {
            "Decide": onboard_task("OnboardDecide", "$.decision", "ShouldAssociate"),
            "ShouldAssociate": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.decision.action", "StringEquals": "associate", "Next": "Associate"}
                ],
                "Default": "Skipped",
            },
            "Skipped": skipped("$.decision.reason"),
            "Associate": onboard_task(
                "OnboardAssociate", "$.association", "AssociationSettled", decision="$.decision"
            ),
            "AssociationSettled": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.association.status", "StringEquals": "COMPLETE", "Next": "HasProbe"},
                    # Another Profile got there first (CP-6): nothing of ours to undo.
                    {"Variable": "$.association.status", "StringEquals": "SKIPPED", "Next": "SkippedLate"},
                ],
                "Default": "PollWait",
            },
            "SkippedLate": skipped("$.association.reason"),
            "PollWait": {"Type": "Wait", "SecondsPath": "$.association.interval", "Next": "Poll"},
            "Poll": onboard_task(
                "OnboardStatus", "$.association", "AssociationSettled", association="$.association"
            ),
            "HasProbe": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.decision.probe.arn", "IsPresent": True, "Next": "ProbeInit"}],
                "Default": "NoProbe",
            },
            "ProbeInit": {
                "Type": "Pass",
                "Result": {"attempts": 0, "status": "pending"},
                "ResultPath": "$.probe",
                "Next": "Probe",
            },
            "Probe": onboard_task(
                "OnboardProbe", "$.probe", "ProbePassed", decision="$.decision", probe="$.probe"
            ),
            "ProbePassed": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.probe.status", "StringEquals": "passed", "Next": "Notify"}],
                "Default": "ProbeWait",
            },
            "ProbeWait": {"Type": "Wait", "Seconds": 5, "Next": "Probe"},
            "NoProbe": {
                "Type": "Pass",
                "Result": {"attempts": 0, "status": "none"},
                "ResultPath": "$.probe",
                "Next": "Notify",
            },
            # The outcome replaces the state: it is the execution's output.
            "Notify": onboard_task(
                "OnboardNotify",
                "$",
                "Done",
                constants={"status": "ASSOCIATED"},
                decision="$.decision",
                association="$.association",
                probe="$.probe",
            ),
            "Done": {"Type": "Succeed"},
            "NotifyFailure": onboard_task(
                "OnboardNotify",
                "$.outcome",
                "Failed",
                constants={"status": "FAILED"},
                failure="$.failure",
                catch=catch_all("$.notify_failure", "FailedUnnotified"),
            ),
            "Failed": fail("OnboardingFailed", cause_path="$.outcome.reason"),
            "FailedUnnotified": fail(
                "OnboardingFailed", cause="the onboarding failed and its notification failed too"
            ),
        },
    }


def main() -> None:
    OUT.write_text(json.dumps(definition(), indent=2) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")
    ONBOARD_OUT.write_text(json.dumps(onboard_definition(), indent=2) + "\n", encoding="utf-8")
    print(f"wrote {ONBOARD_OUT}")


if __name__ == "__main__":
    main()

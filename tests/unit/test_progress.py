"""``watch``'s reading of an execution history: steps, polls, gates, and the outcome's exit status."""

from __future__ import annotations

import io
import json
from typing import Any

from rich.console import Console

from profile_migrator_cli.progress import Tracker, render

ARN = "arn:aws:states:us-east-1:111111111111:execution:profile-migrator-migrate:run-1"
STEP = {"index": 6, "action": "enable-private-dns", "endpoint": "lambda", "vpc": "shared-services", "wave": 4}


class History:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def add(self, kind: str, **details: Any) -> History:
        ev: dict[str, Any] = {"id": len(self.events) + 1, "type": kind}
        if details:
            key = {"StateEntered": "stateEnteredEventDetails", "StateExited": "stateExitedEventDetails"}.get(
                next((k for k in ("StateEntered", "StateExited") if kind.endswith(k)), ""),
                kind[0].lower() + kind[1:] + "EventDetails",
            )
            ev[key] = {k: json.dumps(v) if k in ("input", "output") else v for k, v in details.items()}
        self.events.append(ev)
        return self


def _forward(h: History) -> History:
    pre = {
        "preflight": {
            "ready": True,
            "summary": {"architecture": "direct-phz", "steps": 15, "warnings": []},
            "waves": [{}] * 13,
            "config": {"gate": {"consecutive": 3}},
        }
    }
    h.add("TaskStateEntered", name="Preflight", input={"profile": "central"})
    h.add("TaskStateExited", name="Preflight", output=pre)
    h.add("MapStateEntered", name="Forward", input={"profile": "central"})
    item = {"step": STEP, "mode": "forward"}
    h.add("TaskStateEntered", name="ForwardRun", input=item)
    h.add(
        "WaitStateEntered",
        name="ForwardPollWait",
        input={**item, "result": {"Payload": {"polls": 2, "interval": 4, "elapsed": 2, "state": "pending"}}},
    )
    h.add(
        "SucceedStateEntered",
        name="ForwardStepDone",
        input={**item, "result": {"Payload": {"polls": 3, "interval": 8, "elapsed": 6, "state": "settled"}}},
    )
    wave = {"wave": 4, "gate": ["shared-services"], "steps": [STEP]}
    h.add(
        "TaskStateEntered",
        name="ForwardGateCheck",
        input={"wave": wave, "config": {"gate": {"consecutive": 3}}},
    )
    h.add(
        "TaskStateExited",
        name="ForwardGateCheck",
        output={
            "wave": wave,
            "gate": {
                "checks": 1,
                "status": "pending",
                "streaks": {"shared-services|lambda.us-east-1.amazonaws.com": 1},
                "last": {"shared-services|lambda.us-east-1.amazonaws.com": "private"},
            },
        },
    )
    return h


def test_steps_polls_and_gates_become_lines() -> None:
    t = Tracker(ARN)
    t.feed(_forward(History()).events)
    lines = t.drain_lines()
    assert "plan: direct-phz, 15 steps in 13 waves" in lines
    tag = "step 6 enable-private-dns lambda VPC shared-services"
    assert f"{tag}: performing" in lines
    assert f"{tag}: waiting for AWS: poll 2, next in 4 s, waited 2 s" in lines
    assert f"{tag}: done (3 polls, waited 6 s)" in lines
    assert "gate wave 4: check 1: shared-services lambda.us-east-1.amazonaws.com private" in lines
    assert t.drain_lines() == []


def test_events_are_read_once_and_in_order() -> None:
    events = _forward(History()).events
    t = Tracker(ARN)
    t.feed(list(reversed(events)))
    t.feed(events)
    lines = t.drain_lines()
    assert len(lines) == len(set(lines))
    assert t.last_event_id == len(events)


def test_succeeded_exits_0() -> None:
    t = Tracker(ARN)
    t.feed(_forward(History()).events)
    out = t.finish({"status": "SUCCEEDED"})
    assert (out.label, out.exit_code) == ("SUCCEEDED", 0)


def test_refused_exits_3_with_the_problems() -> None:
    problems = [
        {"code": "FOREIGN_RECORDS", "message": "the zone holds other records", "resource": "lambda-zone"}
    ]
    cause = json.dumps({"errorMessage": json.dumps(problems), "errorType": "Refused"})
    out = Tracker(ARN).finish({"status": "FAILED", "error": "Refused", "cause": cause})
    assert (out.label, out.exit_code) == ("REFUSED", 3)
    assert out.detail == ["FOREIGN_RECORDS lambda-zone: the zone holds other records"]


def test_rolled_back_exits_1_and_says_why() -> None:
    why = (
        "probe gate after step 11 disassociate-vpc-from-zone (zone lambda-zone, VPC dev): dev did not resolve "
        "privately 3 times in a row within 120 s; last answers not private: dev lambda.us-east-1.amazonaws.com "
        "answered servfail"
    )
    h = _forward(History())
    h.add(
        "TaskStateExited",
        name="PlanUndo",
        output={"undo": {"error": "GateFailed", "cause": why, "undone_steps": 6}},
    )
    t = Tracker(ARN)
    t.feed(h.events)
    assert f"rolling back 6 changes: {why}" in t.drain_lines()
    cause = f"{why}; rolled back: 6 change(s) undone, and the probes prove every watched VPC resolves as at the start"
    out = t.finish({"status": "FAILED", "error": "RolledBack", "cause": cause})
    assert (out.label, out.exit_code) == ("ROLLED_BACK", 1)
    assert out.detail == [cause]


def test_succeeded_with_cleanup_left_names_each_warning() -> None:
    left = {
        "code": "PARKING_VPC_LEFT",
        "resource": "parking-lambda-zone",
        "message": "step 15 delete-parking-vpc (VPC parking-lambda-zone): DependencyViolation",
    }
    h = _forward(History())
    h.add("TaskStateExited", name="Summarize", output={"outcome": {"warnings": [left]}})
    t = Tracker(ARN)
    t.feed(h.events)
    assert f"left PARKING_VPC_LEFT parking-lambda-zone: {left['message']}" in t.drain_lines()
    out = t.finish({"status": "SUCCEEDED", "output": json.dumps({"status": "SUCCEEDED", "warnings": [left]})})
    assert (out.label, out.exit_code) == ("SUCCEEDED", 0)
    assert f"warning PARKING_VPC_LEFT parking-lambda-zone: {left['message']}" in out.detail


def test_other_failures_exit_1_with_error_and_cause() -> None:
    cause = json.dumps(
        {
            "errorMessage": "execution input: region: 'x' is not an AWS region name",
            "errorType": "InvalidInput",
        }
    )
    out = Tracker(ARN).finish({"status": "FAILED", "error": "InvalidInput", "cause": cause})
    assert (out.label, out.exit_code) == ("FAILED", 1)
    assert out.detail == ["InvalidInput: execution input: region: 'x' is not an AWS region name"]
    assert Tracker(ARN).finish({"status": "ABORTED"}).label == "ABORTED"


def test_the_live_display_renders() -> None:
    t = Tracker(ARN)
    t.feed(_forward(History()).events)
    console = Console(width=160, record=True, file=io.StringIO())
    console.print(render(t, 12.0))
    text = console.export_text()
    assert "run-1" in text and "enable-private-dns" in text and "1/3" in text


def test_children_histories_are_read_each_from_its_own_ids() -> None:
    """SF-5: a wave runs as a Distributed Map child with its own history (ids from 1): watch reads the parent
    and each child by its own last id; a child's end is not the run's."""
    parent = History()
    pre = {
        "preflight": {
            "ready": True,
            "summary": {"architecture": "direct-phz", "steps": 15, "waves": 13, "warnings": []},
            "config": {"gate": {"consecutive": 3}},
        }
    }
    parent.add("TaskStateEntered", name="Preflight", input={"profile": "central"})
    parent.add("TaskStateExited", name="Preflight", output=pre)
    item = {"step": STEP, "mode": "forward"}
    child = History()
    child.add("TaskStateEntered", name="ForwardRun", input=item)
    child.add("ExecutionSucceeded")
    other = History()
    other.add("TaskStateEntered", name="ForwardRun", input={**item, "step": {**STEP, "index": 7}})
    t = Tracker(ARN)
    t.feed(parent.events)
    t.feed(child.events, source=ARN + "/run:0")
    t.feed(other.events, source=ARN + "/run:1")
    t.feed(child.events, source=ARN + "/run:0")  # read again: nothing new
    lines = t.drain_lines()
    assert "plan: direct-phz, 15 steps in 13 waves" in lines
    assert sum("step 6 enable-private-dns" in ln and "performing" in ln for ln in lines) == 1
    assert any("step 7 enable-private-dns" in ln for ln in lines)
    assert t.status == "RUNNING" and t.error == ""

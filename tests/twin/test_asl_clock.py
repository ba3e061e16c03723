"""moto's ASL interpreter on the simulated clock (twin/asl.py), and which ASL features it runs.

Every test runs a real state machine in moto with real (in-process) handlers. Assertions are on
simulated time and on ordering; the only wall-clock bound is one coarse upper bound.
"""

from __future__ import annotations

import datetime
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from mini_twin import MOTO_CONFIG, REGION, MiniTwin, Peak
from moto import mock_aws

from twin.asl import SimWait, patch_asl_clock, sim_datetime, transitions, waits
from twin.clock import SimClock, get_clock, install_clock
from twin.config import TwinSettings, install_settings
from twin.dispatch import install_dispatcher

pytestmark = pytest.mark.twin


@pytest.fixture
def clock() -> Iterator[SimClock]:
    previous = get_clock()
    yield install_clock(SimClock(time_scale=0.001))
    install_clock(previous)


@pytest.fixture(scope="module")
def moto_twin() -> Iterator[MiniTwin]:
    patch_asl_clock()
    with mock_aws(config=MOTO_CONFIG):
        yield MiniTwin()


@pytest.fixture
def twin(moto_twin: MiniTwin, clock: SimClock) -> Iterator[MiniTwin]:
    install_settings(TwinSettings())
    install_dispatcher(moto_twin.resolve)
    moto_twin.handlers.clear()
    yield moto_twin
    install_settings(TwinSettings())


def recorder(log: list[tuple[str, float]], label_key: str = "label") -> Callable[[Any, Any], Any]:
    def handler(event: Any, context: Any) -> Any:
        log.append((event[label_key], get_clock().now()))
        return event

    return handler


# --------------------------------------------------------------------------------------------------
# Wait states


def test_wait_600_simulated_seconds_is_fast_in_real_time(twin: MiniTwin) -> None:
    marks: list[tuple[str, float]] = []
    mark = twin.function("mark", recorder(marks))
    definition = {
        "StartAt": "Before",
        "States": {
            "Before": {"Type": "Task", "Resource": mark, "Parameters": {"label": "before"}, "Next": "Wait"},
            "Wait": {"Type": "Wait", "Seconds": 600, "Next": "After"},
            "After": {"Type": "Task", "Resource": mark, "Parameters": {"label": "after"}, "End": True},
        },
    }
    machine = twin.machine(definition)
    started = time.monotonic()
    arn = twin.execute(machine)
    result = twin.wait(arn)
    assert result["status"] == "SUCCEEDED"
    assert time.monotonic() - started < 2.0  # 600 simulated s at 0.001 = 0.6 real s
    (before, t0), (after, t1) = marks
    assert (before, after) == ("before", "after")
    assert t1 - t0 >= 600
    assert waits(arn) == [SimWait(state="Wait", kind="wait", seconds=600.0)]


def test_seconds_path_waits_order_parallel_branches_by_simulated_time(twin: MiniTwin) -> None:
    marks: list[tuple[str, float]] = []
    mark = twin.function("mark", recorder(marks))

    def branch(label: str, path: str) -> dict[str, Any]:
        return {
            "StartAt": "Wait",
            "States": {
                "Wait": {"Type": "Wait", "SecondsPath": path, "Next": "Mark"},
                "Mark": {"Type": "Task", "Resource": mark, "Parameters": {"label": label}, "End": True},
            },
        }

    definition = {
        "StartAt": "Both",
        "States": {
            "Both": {
                "Type": "Parallel",
                "Branches": [branch("slow", "$.slow"), branch("fast", "$.fast")],
                "End": True,
            }
        },
    }
    start = get_clock().now()
    result = twin.run(definition, {"slow": 300, "fast": 100})
    assert result["status"] == "SUCCEEDED"
    assert [label for label, _ in marks] == ["fast", "slow"]
    assert marks[0][1] - start >= 100
    assert marks[1][1] - start >= 300
    assert len(json.loads(result["output"])) == 2  # Parallel output: one entry per branch


@pytest.mark.parametrize("field", ["Timestamp", "TimestampPath"])
def test_timestamp_waits_compare_with_simulated_now(twin: MiniTwin, field: str) -> None:
    target = (sim_datetime() + datetime.timedelta(seconds=301)).replace(microsecond=0)
    stamp = target.strftime("%Y-%m-%dT%H:%M:%SZ")
    wait: dict[str, Any] = {"Type": "Wait", "End": True}
    wait[field] = stamp if field == "Timestamp" else "$.at"
    result = twin.run({"StartAt": "Until", "States": {"Until": wait}}, {"at": stamp})
    assert result["status"] == "SUCCEEDED"
    assert sim_datetime() >= target


def test_timestamp_in_the_past_does_not_wait(twin: MiniTwin) -> None:
    stamp = (sim_datetime() - datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    start = get_clock().now()
    result = twin.run({"StartAt": "W", "States": {"W": {"Type": "Wait", "Timestamp": stamp, "End": True}}})
    assert result["status"] == "SUCCEEDED"
    # Waiting would take the day back (86,400 s); the run itself is twin compute, which under load may take
    # a second of wall time (1,000 simulated seconds at this scale): allow an hour.
    assert get_clock().now() - start < 3600


def test_advancing_the_clock_ends_a_running_wait(twin: MiniTwin, clock: SimClock) -> None:
    arn = twin.start({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 86400, "End": True}}})
    time.sleep(0.05)
    assert twin.sfn.describe_execution(executionArn=arn)["status"] == "RUNNING"
    clock.advance(86400)
    assert twin.wait(arn)["status"] == "SUCCEEDED"


# --------------------------------------------------------------------------------------------------
# Retry, timeouts, accounting


class Throttled(Exception):
    pass


def test_sf3_retry_intervals_are_simulated_and_retries_count_as_transitions(twin: MiniTwin) -> None:
    calls: list[float] = []

    def flaky(event: Any, context: Any) -> Any:
        calls.append(get_clock().now())
        if len(calls) <= 3:
            raise Throttled("slow down")
        return {"ok": True}

    fn = twin.function("flaky", flaky)
    definition = {
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": fn,
                "Retry": [
                    {
                        "ErrorEquals": ["Throttled"],
                        "IntervalSeconds": 30,
                        "BackoffRate": 2.0,
                        "MaxDelaySeconds": 100,
                        "MaxAttempts": 5,
                    }
                ],
                "Next": "Done",
            },
            "Done": {"Type": "Succeed"},
        },
    }
    arn = twin.start(definition)
    result = twin.wait(arn)
    assert result["status"] == "SUCCEEDED"
    assert [w.seconds for w in waits(arn)] == [30.0, 60.0, 100.0]  # 120 capped by MaxDelaySeconds
    gaps = [b - a for a, b in zip(calls, calls[1:], strict=False)]
    assert gaps[0] >= 30 and gaps[1] >= 60 and gaps[2] >= 100
    assert transitions(arn) == 2 + 3  # Call, Done + three retries


def test_retry_full_jitter_stays_within_the_interval(twin: MiniTwin) -> None:
    attempts = {"n": 0}

    def flaky(event: Any, context: Any) -> Any:
        attempts["n"] += 1
        if attempts["n"] <= 2:
            raise Throttled("again")
        return {}

    fn = twin.function("jittery", flaky)
    retry = {
        "ErrorEquals": ["Throttled"],
        "IntervalSeconds": 40,
        "BackoffRate": 1.0,
        "JitterStrategy": "FULL",
    }
    arn = twin.start(
        {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": fn, "Retry": [retry], "End": True}}}
    )
    assert twin.wait(arn)["status"] == "SUCCEEDED"
    assert len(waits(arn)) == 2
    assert all(0.0 <= w.seconds <= 40.0 and w.kind == "retry" for w in waits(arn))


def test_task_timeout_seconds_is_simulated(twin: MiniTwin) -> None:
    def slow(event: Any, context: Any) -> Any:
        get_clock().sleep(500)
        return {}

    fn = twin.function("slow", slow)
    start = get_clock().now()
    result = twin.run(
        {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": fn, "TimeoutSeconds": 20, "End": True}}}
    )
    assert result["status"] == "FAILED"
    assert result["error"] == "States.Timeout"
    assert get_clock().now() - start < 500


def test_state_machine_timeout_seconds_is_simulated(twin: MiniTwin) -> None:
    definition = {
        "TimeoutSeconds": 100,
        "StartAt": "W",
        "States": {"W": {"Type": "Wait", "Seconds": 100000, "End": True}},
    }
    start = get_clock().now()
    assert twin.run(definition)["status"] == "TIMED_OUT"
    assert 100 <= get_clock().now() - start < 100000


def map_over_items(processor: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A definition whose one state ``Each`` maps ``processor`` over ``$.items``."""
    each = {"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": processor, **fields}
    return {"StartAt": "Each", "States": {"Each": each}}


def test_sf3_transitions_count_map_iterations(twin: MiniTwin) -> None:
    definition = map_over_items(
        {"StartAt": "Item", "States": {"Item": {"Type": "Pass", "End": True}}}, Next="Done"
    )
    definition["States"]["Done"] = {"Type": "Succeed"}
    arn = twin.start(definition, {"items": [1, 2, 3]})
    assert twin.wait(arn)["status"] == "SUCCEEDED"
    assert transitions(arn) == 1 + 3 + 1


def test_unnamed_executions_get_distinct_arns(twin: MiniTwin) -> None:
    machine = twin.sfn.create_state_machine(
        name="unnamed",
        definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}),
        roleArn=twin.role,
    )
    first = twin.sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input="{}")["executionArn"]
    twin.wait(first)
    second = twin.sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input="{}")["executionArn"]
    twin.wait(second)
    assert first != second
    assert transitions(first) == transitions(second) == 1


# --------------------------------------------------------------------------------------------------
# .waitForTaskToken (the approval path: task token -> chat -> callback -> SendTaskSuccess)


def _approval_machine(fn: str, **task: Any) -> dict[str, Any]:
    return {
        "StartAt": "Ask",
        "States": {
            "Ask": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Parameters": {
                    "FunctionName": fn,
                    "Payload": {"token.$": "$$.Task.Token", "step.$": "$.step"},
                },
                "ResultPath": "$.approval",
                "Catch": [{"ErrorEquals": ["Rejected"], "ResultPath": "$.error", "Next": "RolledBack"}],
                "Next": "Approved",
                **task,
            },
            "Approved": {"Type": "Pass", "Result": "approved", "ResultPath": "$.outcome", "End": True},
            "RolledBack": {"Type": "Pass", "Result": "rolled-back", "ResultPath": "$.outcome", "End": True},
        },
    }


@pytest.fixture
def tokens(twin: MiniTwin) -> tuple[list[str], str]:
    issued: list[str] = []

    def request_approval(event: Any, context: Any) -> Any:
        issued.append(event["token"])
        return {"sent": True}

    return issued, twin.function("request-approval", request_approval)


def test_wait_for_task_token_send_task_success(twin: MiniTwin, tokens: tuple[list[str], str]) -> None:
    issued, fn = tokens

    def answer() -> None:
        if issued:
            twin.sfn.send_task_success(taskToken=issued.pop(), output=json.dumps({"answer": "approve"}))

    result = twin.wait(twin.start(_approval_machine(fn, TimeoutSeconds=3600), {"step": 1}), answer)
    output = json.loads(result["output"])
    assert result["status"] == "SUCCEEDED"
    assert output["approval"] == {"answer": "approve"}
    assert output["outcome"] == "approved"


def test_wait_for_task_token_send_task_failure_is_caught(
    twin: MiniTwin, tokens: tuple[list[str], str]
) -> None:
    issued, fn = tokens

    def reject() -> None:
        if issued:
            twin.sfn.send_task_failure(taskToken=issued.pop(), error="Rejected", cause="no")

    result = twin.wait(twin.start(_approval_machine(fn, TimeoutSeconds=3600), {"step": 1}), reject)
    output = json.loads(result["output"])
    assert output["outcome"] == "rolled-back"
    assert output["error"]["Error"] == "Rejected"


def test_wait_for_task_token_times_out_in_simulated_seconds(
    twin: MiniTwin, tokens: tuple[list[str], str]
) -> None:
    issued, fn = tokens
    start = get_clock().now()
    result = twin.run(_approval_machine(fn, TimeoutSeconds=300), {"step": 1})
    assert result["status"] == "FAILED"
    assert result["error"] == "States.Timeout"
    assert 300 <= get_clock().now() - start < 3600
    assert issued  # the request went out; nobody answered


def test_wait_for_task_token_heartbeat_in_simulated_seconds(
    twin: MiniTwin, tokens: tuple[list[str], str]
) -> None:
    issued, fn = tokens
    start = get_clock().now()
    result = twin.run(_approval_machine(fn, TimeoutSeconds=3600, HeartbeatSeconds=200), {"step": 1})
    assert result["error"] == "States.Timeout"
    assert 200 <= get_clock().now() - start < 3600


def test_send_task_success_with_unknown_token_is_invalid_token(twin: MiniTwin) -> None:
    with pytest.raises(twin.sfn.exceptions.InvalidToken):
        twin.sfn.send_task_success(taskToken="nope", output="{}")


# --------------------------------------------------------------------------------------------------
# ASL features the project's state machines use (JSONPath mode)


def test_choice_and_catch_and_result_selector(twin: MiniTwin) -> None:
    class Broken(Exception):
        pass

    def status(event: Any, context: Any) -> Any:
        return {"State": event["want"], "Meta": {"noise": True}}

    def broken(event: Any, context: Any) -> Any:
        raise Broken("nope")

    status_fn = twin.function("status", status)
    broken_fn = twin.function("broken", broken)
    definition = {
        "StartAt": "Poll",
        "States": {
            "Poll": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": status_fn, "Payload": {"want.$": "$.want"}},
                "ResultSelector": {"state.$": "$.Payload.State"},
                "ResultPath": "$.poll",
                "Next": "Settled?",
            },
            "Settled?": {
                "Type": "Choice",
                "Choices": [
                    {
                        "And": [
                            {"Variable": "$.poll.state", "StringEquals": "available"},
                            {"Not": {"Variable": "$.count", "NumericGreaterThan": 5}},
                            {"Variable": "$.optional", "IsPresent": False},
                        ],
                        "Next": "Act",
                    },
                    {"Variable": "$.poll.state", "StringMatches": "pend*", "Next": "Pending"},
                ],
                "Default": "Pending",
            },
            "Pending": {"Type": "Fail", "Error": "NotSettled"},
            "Act": {
                "Type": "Task",
                "Resource": broken_fn,
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Compensate"}],
                "End": True,
            },
            "Compensate": {"Type": "Pass", "End": True},
        },
    }
    result = twin.run(definition, {"want": "available", "count": 1})
    output = json.loads(result["output"])
    assert result["status"] == "SUCCEEDED"
    assert output["poll"] == {"state": "available"}
    assert output["error"]["Error"] == "Broken"
    assert json.loads(output["error"]["Cause"])["errorType"] == "Broken"

    pending = twin.run(definition, {"want": "pending", "count": 1})
    assert (pending["status"], pending["error"]) == ("FAILED", "NotSettled")


def test_intrinsic_functions_in_parameters(twin: MiniTwin) -> None:
    definition = {
        "StartAt": "Shape",
        "States": {
            "Shape": {
                "Type": "Pass",
                "Parameters": {
                    "greeting.$": "States.Format('{} in {}', $.name, $.region)",
                    "count.$": "States.ArrayLength($.items)",
                    "next.$": "States.MathAdd($.n, 1)",
                    "parsed.$": "States.StringToJson($.json)",
                    "merged.$": "States.JsonMerge($.a, $.b, false)",
                    "array.$": "States.Array($.name, $.n)",
                },
                "End": True,
            }
        },
    }
    payload = {
        "name": "lambda",
        "region": "us-east-1",
        "items": [1, 2, 3],
        "n": 41,
        "json": '{"k": [1]}',
        "a": {"x": 1, "y": 1},
        "b": {"y": 2},
    }
    result = twin.run(definition, payload)
    assert result["status"] == "SUCCEEDED"
    assert json.loads(result["output"]) == {
        "greeting": "lambda in us-east-1",
        "count": 3,
        "next": 42,
        "parsed": {"k": [1]},
        "merged": {"x": 1, "y": 2},
        "array": ["lambda", 41],
    }


@pytest.mark.parametrize("style", ["Iterator", "ItemProcessor"])
def test_map_max_concurrency_is_respected(twin: MiniTwin, style: str) -> None:
    running = Peak()

    def work(event: Any, context: Any) -> Any:
        with running:
            get_clock().sleep(50)
        return {"vpc": event["vpc"], "ok": True}

    fn = twin.function("work", work, env={"SHARED": "1"})
    definition = {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "ItemsPath": "$.vpcs",
                "MaxConcurrency": 2,
                "Parameters" if style == "Iterator" else "ItemSelector": {"vpc.$": "$$.Map.Item.Value"},
                style: {"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": fn, "End": True}}},
                "End": True,
            }
        },
    }
    result = twin.run(definition, {"vpcs": ["a", "b", "c", "d", "e"]})
    assert result["status"] == "SUCCEEDED"
    assert [item["vpc"] for item in json.loads(result["output"])] == ["a", "b", "c", "d", "e"]
    assert running.max == 2


# -- SF-5: the execution history quota ------------------------------------------------------------------

COUNTER_LOOP: dict[str, Any] = {
    "StartAt": "Count",
    "States": {
        "Count": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, 1)"}, "Next": "More?"},
        "More?": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.n", "NumericLessThan": 100000, "Next": "Count"}],
            "Default": "Done",
        },
        "Done": {"Type": "Succeed"},
    },
}


def _history(t: MiniTwin, arn: str) -> list[dict[str, Any]]:
    return (
        t.sfn.get_paginator("get_execution_history").paginate(executionArn=arn).build_full_result()["events"]
    )


def test_sf5_an_execution_whose_history_reaches_the_quota_fails(twin: MiniTwin) -> None:
    assert TwinSettings().history_limit == 25_000  # the quota; lowered here so the loop stays short
    limit = 300
    install_settings(TwinSettings(history_limit=limit))
    arn = twin.start(
        {
            **COUNTER_LOOP,
            "States": {
                **COUNTER_LOOP["States"],
                "Count": {
                    **COUNTER_LOOP["States"]["Count"],
                    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Done"}],
                },
            },
        },
        {"n": 0},
    )
    deadline = time.monotonic() + 120
    while (
        twin.sfn.describe_execution(executionArn=arn)["status"] == "RUNNING" and time.monotonic() < deadline
    ):
        time.sleep(0.05)
    described = twin.sfn.describe_execution(executionArn=arn)
    assert described["status"] == "FAILED"  # no Catch runs: the history has no room for it
    assert described["error"] == "States.Runtime" and "SF-5" in described["cause"]
    events = _history(twin, arn)
    assert limit <= len(events) <= limit + 5
    assert events[-1]["type"] == "ExecutionFailed"


def test_sf5_a_short_execution_is_untouched(twin: MiniTwin) -> None:
    install_settings(TwinSettings(history_limit=200))
    loop = json.loads(json.dumps(COUNTER_LOOP))
    loop["States"]["More?"]["Choices"][0]["NumericLessThan"] = 10
    described = twin.run(loop, {"n": 0})
    assert described["status"] == "SUCCEEDED" and json.loads(described["output"]) == {"n": 10}


# --------------------------------------------------------------------------------------------------
# Distributed Map: child executions (SF-5; twin.asl._patch_distributed_map)


def _distributed(items_key: str, processor: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "StartAt": "Fan",
        "States": {
            "Fan": {
                "Type": "Map",
                "ItemReader": {
                    "Resource": "arn:aws:states:::s3:getObject",
                    "ReaderConfig": {"InputType": "JSON"},
                    "Parameters": {"Bucket": "dmap-items", "Key": items_key},
                },
                "ItemSelector": {"item.$": "$$.Map.Item.Value"},
                "ToleratedFailureCount": 0,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    **processor,
                },
                "ResultWriter": {
                    "Resource": "arn:aws:states:::s3:putObject",
                    "Parameters": {"Bucket": "dmap-items", "Prefix": "results"},
                },
                "ResultSelector": {"map_run.$": "$.MapRunArn"},
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.failure", "Next": "Caught"}],
                "End": True,
                **extra,
            },
            "Caught": {"Type": "Pass", "End": True},
        },
    }


def _items(key: str, items: list[Any]) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    try:
        s3.create_bucket(Bucket="dmap-items")
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
    s3.put_object(Bucket="dmap-items", Key=key, Body=json.dumps(items).encode())


def test_sf5_a_failed_child_fails_the_map_run_and_stops_the_others(twin: MiniTwin) -> None:
    """moto lets a map run with a failed child succeed; AWS (ToleratedFailureCount 0) fails it with
    States.ExceedToleratedFailureThreshold and stops the children still running."""
    marks: list[tuple[str, float]] = []
    mark = twin.function("mark", recorder(marks))
    boom = twin.function("boom", lambda event, context: (_ for _ in ()).throw(RuntimeError("boom")))
    _items("fail.json", [{"label": "slow"}, {"label": "bad"}])
    processor = {
        "StartAt": "Which",
        "States": {
            "Which": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.item.label", "StringEquals": "bad", "Next": "Fail"}],
                "Default": "Long",
            },
            "Fail": {"Type": "Task", "Resource": boom, "End": True},
            "Long": {"Type": "Wait", "Seconds": 600, "Next": "After"},
            "After": {
                "Type": "Task",
                "Resource": mark,
                "Parameters": {"label": "after the wait"},
                "End": True,
            },
        },
    }
    described = twin.run(_distributed("fail.json", processor, MaxConcurrency=2))
    assert described["status"] == "SUCCEEDED"  # the parent's Catch ran
    failure = json.loads(described["output"])["failure"]
    assert failure["Error"] == "States.ExceedToleratedFailureThreshold"
    time.sleep(0.3)  # the stopped child would have reached its task by now at time_scale 0.001
    assert marks == [], "the running child was stopped"


def test_sf5_each_child_has_its_own_history_and_quota(twin: MiniTwin) -> None:
    from twin.asl import history_events, reset_history_events

    reset_history_events()
    install_settings(TwinSettings(history_limit=120))
    loop = json.loads(json.dumps(COUNTER_LOOP))
    loop["States"]["Count"]["Parameters"] = {"n.$": "States.MathAdd($.n, 1)", "item.$": "$.item"}
    loop["States"]["More?"]["Choices"][0]["NumericLessThan"] = 15  # ~45 events per child, 3 x 45 > 120
    _items("short.json", [0, 1, 2])
    processor = {
        "StartAt": "Init",
        "States": {
            "Init": {"Type": "Pass", "Parameters": {"n": 0, "item.$": "$.item"}, "Next": "Count"},
            **loop["States"],
        },
    }
    described = twin.run(_distributed("short.json", processor))
    assert described["status"] == "SUCCEEDED" and "failure" not in json.loads(described["output"])
    counts = history_events()
    children = {k: v for k, v in counts.items() if k.startswith(described["executionArn"] + "/")}
    assert len(children) == 3 and all(30 < v < 120 for v in children.values()), counts
    assert counts[described["executionArn"]] < 20, "the children's events are not the parent's"
    # A child that passes the quota fails alone, and so the map run.
    loop["States"]["More?"]["Choices"][0]["NumericLessThan"] = 100
    processor["States"].update(loop["States"])
    described = twin.run(_distributed("short.json", processor))
    failure = json.loads(described["output"])["failure"]
    assert failure["Error"] == "States.ExceedToleratedFailureThreshold", failure


# -- The clock: compute at real speed, waits on the simulated scale, wakers on time --------------------


def test_a_waiter_is_woken_at_its_deadline_however_late_its_thread_runs() -> None:
    clock = SimClock(time_scale=1e-4)  # one real millisecond is ten simulated seconds
    t0 = clock.now()
    with clock.idle(until=t0 + 5):
        time.sleep(0.05)  # the waiting thread is late by ≈ 500 simulated seconds (a loaded machine)
        assert clock.now() == pytest.approx(t0 + 5)  # the clock waits for it at its deadline
    # awake: time goes on from the deadline, without the lateness
    assert t0 + 5 <= clock.now() < t0 + 100


def test_an_idle_section_suspends_the_threads_busy_sections() -> None:
    clock = SimClock(time_scale=1e-6)
    with clock.busy():
        t0 = clock.now()
        time.sleep(0.01)
        assert clock.now() - t0 < 1.0  # busy: real speed (10 ms)
        with clock.idle():
            t1 = clock.now()
            time.sleep(0.01)
            assert clock.now() - t1 > 1000  # idle: the simulated scale
        t2 = clock.now()
        time.sleep(0.01)
        assert clock.now() - t2 < 1.0  # busy again


def test_advance_moves_past_a_waiters_deadline() -> None:
    clock = SimClock(time_scale=1e6)  # practically frozen
    with clock.idle(until=clock.now() + 5):
        clock.advance(100)
        assert clock.now() >= 100


def _pass_chain(n: int) -> dict[str, Any]:
    states: dict[str, Any] = {
        f"P{i}": {
            "Type": "Pass",
            "Result": {"i": i, "pad": "x" * 200},
            "ResultPath": f"$.p{i % 5}",
            "Next": f"P{i + 1}",
        }
        for i in range(n)
    }
    states[f"P{n}"] = {"Type": "Succeed"}
    return {"StartAt": "P0", "States": states}


@pytest.mark.parametrize("style", ["INLINE", "DISTRIBUTED"])
def test_the_interpreters_own_work_is_not_aws_time(twin: MiniTwin, style: str) -> None:
    """A Map of Pass states waits on nothing in AWS: the interpreter's work (and the Map's, and its
    iterations') runs the clock at real speed, so it takes about as many simulated seconds as real ones —
    not the 1,000× of the waiting scale (time_scale 0.001)."""
    from twin.asl import ended_at

    chain = _pass_chain(30)
    processor: dict[str, Any] = {"StartAt": "P0", "States": chain["States"]}
    if style == "DISTRIBUTED":
        processor["ProcessorConfig"] = {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}
    machine = twin.machine(map_over_items(processor, MaxConcurrency=3, End=True))
    clock = get_clock()
    t0, w0 = clock.now(), time.monotonic()
    with clock.busy():  # StartExecution: the harness's call (twin.run does the same)
        arn = twin.execute(machine, {"items": [{"n": i} for i in range(6)]})
    result = twin.wait(arn)
    wall = time.monotonic() - w0
    assert result["status"] == "SUCCEEDED"
    ended = ended_at(arn)
    assert ended is not None
    assert ended - t0 <= 3 * wall + 1  # at the waiting scale it would be ≈ 1,000 × wall

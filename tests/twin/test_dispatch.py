"""Lambda invocations routed to in-process Python handlers (twin/dispatch.py)."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from mini_twin import MOTO_CONFIG, REGION, MiniTwin, Peak
from moto import mock_aws

from twin.asl import patch_asl_clock
from twin.clock import SimClock, get_clock, install_clock
from twin.config import TwinSettings, get_settings, install_settings
from twin.dispatch import (
    LambdaContext,
    TwinCrash,
    install_dispatcher,
    invocations,
    lambda_environment,
    reset_invocations,
)

pytestmark = pytest.mark.twin


class Throttled(Exception):
    pass


@pytest.fixture(scope="module")
def moto_twin() -> Iterator[MiniTwin]:
    patch_asl_clock()
    with mock_aws(config=MOTO_CONFIG):
        yield MiniTwin(Timeout=30, MemorySize=256)


@pytest.fixture
def twin(moto_twin: MiniTwin) -> Iterator[MiniTwin]:
    previous = get_clock()
    install_clock(SimClock(time_scale=0.001))
    install_settings(TwinSettings())
    install_dispatcher(moto_twin.resolve)
    moto_twin.handlers.clear()
    moto_twin.asked.clear()
    reset_invocations()
    yield moto_twin
    install_settings(TwinSettings())
    install_clock(previous)


def test_handler_gets_decoded_event_context_and_function_environment(twin: MiniTwin) -> None:
    seen: dict[str, Any] = {}

    def handler(event: Any, context: LambdaContext) -> Any:
        seen["event"] = event
        seen["context"] = context
        seen["env"] = os.environ.get("ZONE_TAG")
        return {"answer": 42}

    arn = twin.function("preflight", handler, env={"ZONE_TAG": "migrated"})
    assert "ZONE_TAG" not in os.environ
    error, payload = twin.invoke("preflight", {"profile": "central"})
    assert (error, payload) == (None, {"answer": 42})
    assert seen["event"] == {"profile": "central"}
    assert seen["env"] == "migrated"
    assert "ZONE_TAG" not in os.environ  # restored after the call
    context: LambdaContext = seen["context"]
    assert context.function_name == "preflight"
    assert context.invoked_function_arn == arn
    assert context.memory_limit_in_mb == 256
    assert context.log_group_name == "/aws/lambda/preflight"
    assert context.aws_request_id and context.log_stream_name
    assert 0 < context.get_remaining_time_in_millis() <= 30_000


def test_exception_becomes_unhandled_error_payload(twin: MiniTwin) -> None:
    def handler(event: Any, context: Any) -> Any:
        raise Throttled("Rate exceeded")

    twin.function("act", handler)
    error, payload = twin.invoke("act", {})
    assert error == "Unhandled"
    assert payload["errorType"] == "Throttled"
    assert payload["errorMessage"] == "Rate exceeded"
    assert isinstance(payload["stackTrace"], list) and payload["stackTrace"]


@pytest.mark.parametrize("style", ["lambda-arn", "lambda:invoke"])
def test_asl_retry_and_catch_match_the_exception_class_name(twin: MiniTwin, style: str) -> None:
    attempts = {"n": 0}

    def throttled_then_broken(event: Any, context: Any) -> Any:
        attempts["n"] += 1
        if attempts["n"] <= 2:
            raise Throttled("slow down")
        raise KeyError("vpc-123")

    arn = twin.function("flaky", throttled_then_broken)
    task: dict[str, Any] = (
        {"Resource": arn}
        if style == "lambda-arn"
        else {
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": arn, "Payload.$": "$"},
        }
    )
    definition = {
        "StartAt": "Act",
        "States": {
            "Act": {
                "Type": "Task",
                **task,
                "Retry": [{"ErrorEquals": ["Throttled"], "IntervalSeconds": 5, "MaxAttempts": 3}],
                "Catch": [{"ErrorEquals": ["KeyError"], "ResultPath": "$.error", "Next": "Undo"}],
                "End": True,
            },
            "Undo": {"Type": "Pass", "End": True},
        },
    }
    result = twin.run(definition)
    output = json.loads(result["output"])
    assert result["status"] == "SUCCEEDED"
    assert attempts["n"] == 3
    assert output["error"]["Error"] == "KeyError"
    assert json.loads(output["error"]["Cause"])["errorType"] == "KeyError"
    assert invocations() == {"flaky": 3}


def test_uncaught_handler_error_fails_the_execution_with_its_class_name(twin: MiniTwin) -> None:
    def handler(event: Any, context: Any) -> Any:
        raise Throttled("x")

    arn = twin.function("always-throttled", handler)
    result = twin.run({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": arn, "End": True}}})
    assert (result["status"], result["error"]) == ("FAILED", "Throttled")


def test_crash_fault_raises_twin_crash_before_the_handler_n_times(twin: MiniTwin) -> None:
    ran: list[int] = []
    twin.function("enable-private-dns", lambda event, context: ran.append(1) or {"done": True})
    install_settings(TwinSettings(faults=[{"kind": "crash", "function": "enable-private-dns", "times": 2}]))

    results = [twin.invoke("enable-private-dns", {}) for _ in range(3)]

    assert [error for error, _ in results] == ["Unhandled", "Unhandled", None]
    assert [payload.get("errorType") for _, payload in results[:2]] == ["TwinCrash", "TwinCrash"]
    assert results[2][1] == {"done": True}
    assert ran == [1]  # the handler ran only when the fault was spent
    assert get_settings().fault_state[0]["fired"] == 2
    assert invocations() == {"enable-private-dns": 3}
    assert TwinCrash.__name__ == "TwinCrash"


def test_crash_fault_is_retried_by_asl(twin: MiniTwin) -> None:
    arn = twin.function("status", lambda event, context: {"state": "available"})
    install_settings(TwinSettings(faults=[{"kind": "crash", "function": "status", "times": 1}]))
    definition = {
        "StartAt": "S",
        "States": {
            "S": {
                "Type": "Task",
                "Resource": arn,
                "Retry": [{"ErrorEquals": ["TwinCrash"], "IntervalSeconds": 2, "MaxAttempts": 2}],
                "End": True,
            }
        },
    }
    result = twin.run(definition)
    assert result["status"] == "SUCCEEDED"
    assert json.loads(result["output"]) == {"state": "available"}
    assert invocations() == {"status": 2}


def test_resolver_is_asked_with_the_arn_then_the_name(twin: MiniTwin) -> None:
    arn = twin.function("probe", lambda event, context: "pong")
    response = twin.lam.invoke(FunctionName=arn, Payload=b"{}")
    assert json.loads(response["Payload"].read()) == "pong"
    assert twin.asked[-2:] == [arn, "probe"]


def test_unknown_function_keeps_moto_behaviour(twin: MiniTwin) -> None:
    twin.function("not-ours", None)
    error, payload = twin.invoke("not-ours", {"echo": 1})
    assert error is None
    assert payload == {"echo": 1}  # moto's simple backend echoes the body
    assert invocations() == {}


def test_backend_level_invocation_reaches_the_handler(twin: MiniTwin) -> None:
    # moto's internal callers (events.notifications._invoke_lambda, secretsmanager rotation) call
    # the backend's invoke directly, not the HTTP API. (moto's PutEvents does not deliver to Lambda
    # or Step Functions targets at all: the twin has to deliver EV-1 events itself.)
    from moto.awslambda_simple.models import lambda_simple_backends

    seen: list[Any] = []
    arn = twin.function("onboard", lambda event, context: seen.append(event) or {"ok": True})
    response_headers: dict[str, str] = {}
    payload = lambda_simple_backends["123456789012"][REGION].invoke(
        function_name=arn,
        qualifier=None,
        body=json.dumps({"detail": {"x": 1}}),
        headers={},
        response_headers=response_headers,
    )
    assert json.loads(payload) == {"ok": True}
    assert seen == [{"detail": {"x": 1}}]
    assert "x-amz-function-error" not in response_headers


def test_same_environment_handlers_run_concurrently(twin: MiniTwin) -> None:
    running = Peak()

    def probe(event: Any, context: Any) -> Any:
        with running:
            assert os.environ["PROBE_VPC_MODE"] == "same"
            time.sleep(0.05)
        return {}

    twin.function("probe-a", probe, env={"PROBE_VPC_MODE": "same"})
    threads = [threading.Thread(target=twin.invoke, args=("probe-a", {})) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert running.max >= 2
    assert "PROBE_VPC_MODE" not in os.environ


def test_conflicting_environments_do_not_interleave(twin: MiniTwin) -> None:
    observed: list[tuple[str, str, str]] = []

    def make(expected: str) -> Callable[[Any, Any], Any]:
        def handler(event: Any, context: Any) -> Any:
            before = os.environ["POWERTOOLS_SERVICE_NAME"]
            time.sleep(0.03)
            observed.append((expected, before, os.environ["POWERTOOLS_SERVICE_NAME"]))
            return {}

        return handler

    twin.function("fn-one", make("one"), env={"POWERTOOLS_SERVICE_NAME": "one"})
    twin.function("fn-two", make("two"), env={"POWERTOOLS_SERVICE_NAME": "two"})
    threads = [threading.Thread(target=twin.invoke, args=(name, {})) for name in ["fn-one", "fn-two"] * 3]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(observed) == 6
    assert all(expected == before == after for expected, before, after in observed)


def test_nested_invoke_from_a_handler_gets_its_own_environment(twin: MiniTwin) -> None:
    seen: list[tuple[str, str]] = []

    def inner(event: Any, context: Any) -> Any:
        seen.append(("inner", os.environ["ROLE"]))
        return {}

    def outer(event: Any, context: Any) -> Any:
        seen.append(("outer", os.environ["ROLE"]))
        boto3.client("lambda", region_name=REGION).invoke(FunctionName="inner", Payload=b"{}")
        seen.append(("outer", os.environ["ROLE"]))
        return {}

    twin.function("inner", inner, env={"ROLE": "inner"})
    twin.function("outer", outer, env={"ROLE": "outer"})
    assert twin.invoke("outer", {}) == (None, {})
    assert seen == [("outer", "outer"), ("inner", "inner"), ("outer", "outer")]


def test_lambda_environment_restores_previous_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWIN_PREVIOUS", "kept")
    with lambda_environment({"TWIN_PREVIOUS": "inside", "TWIN_NEW": "1"}):
        assert os.environ["TWIN_PREVIOUS"] == "inside"
        assert os.environ["TWIN_NEW"] == "1"
    assert os.environ["TWIN_PREVIOUS"] == "kept"
    assert "TWIN_NEW" not in os.environ


def test_no_variable_disappears_while_another_handler_runs() -> None:
    """A handler ending must not delete os.environ keys under a handler still running in another thread
    (botocore iterates os.environ when it makes a client: a key deleted meanwhile raises KeyError)."""
    a_inside, a_may_leave = threading.Event(), threading.Event()

    def handler_a() -> None:
        with lambda_environment({"TWIN_SHARED": "x", "TWIN_ONLY_A": "a"}):
            a_inside.set()
            a_may_leave.wait(5)

    thread = threading.Thread(target=handler_a)
    thread.start()
    assert a_inside.wait(5)
    with lambda_environment({"TWIN_SHARED": "x", "TWIN_ONLY_B": "b"}):
        a_may_leave.set()
        thread.join(5)
        assert os.environ.get("TWIN_ONLY_A") == "a", "kept until no handler runs"
        assert dict(os.environ.items())  # iterating is safe
    for name in ("TWIN_SHARED", "TWIN_ONLY_A", "TWIN_ONLY_B"):
        assert name not in os.environ


def test_remaining_time_counts_simulated_time() -> None:
    clock = install_clock(SimClock(time_scale=0.001))
    try:
        context = LambdaContext("f", "$LATEST", "arn", 128, "id", "g", "s", timeout_seconds=60)
        clock.advance(45)
        assert context.get_remaining_time_in_millis() <= 15_000
    finally:
        install_clock(SimClock(time_scale=0.01))


def test_unserialisable_result_is_a_marshal_error(twin: MiniTwin) -> None:
    twin.function("bad-result", lambda event, context: {"when": object()})
    error, payload = twin.invoke("bad-result", {})
    assert error == "Unhandled"
    assert payload["errorType"] == "Runtime.MarshalError"


def test_event_invocation_runs_the_handler_and_hides_its_error(twin: MiniTwin) -> None:
    ran: list[Any] = []

    def handler(event: Any, context: Any) -> Any:
        ran.append(event)
        raise Throttled("nobody is listening")

    twin.function("async", handler)
    response = twin.lam.invoke(FunctionName="async", InvocationType="Event", Payload=b'{"a": 1}')
    assert response["StatusCode"] == 202
    assert "FunctionError" not in response
    assert ran == [{"a": 1}]


def test_dry_run_does_not_run_the_handler(twin: MiniTwin) -> None:
    ran: list[Any] = []
    twin.function("dry", lambda event, context: ran.append(event))
    response = twin.lam.invoke(FunctionName="dry", InvocationType="DryRun", Payload=b"{}")
    assert response["StatusCode"] == 204
    assert ran == []


def test_powertools_decorated_handler_runs(twin: MiniTwin, monkeypatch: pytest.MonkeyPatch) -> None:
    from aws_lambda_powertools import Logger, Metrics, Tracer
    from aws_lambda_powertools.metrics import MetricUnit

    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    logger = Logger(service="twin-test")
    tracer = Tracer(service="twin-test")
    metrics = Metrics(namespace="Twin", service="twin-test")

    @logger.inject_lambda_context
    @tracer.capture_lambda_handler
    @metrics.log_metrics
    def handler(event: Any, context: Any) -> Any:
        logger.info("hello")
        metrics.add_metric(name="Hello", unit=MetricUnit.Count, value=1)
        return {"request": context.aws_request_id, "left": context.get_remaining_time_in_millis() > 0}

    twin.function("powertools", handler)
    error, payload = twin.invoke("powertools", {})
    assert error is None
    assert payload["request"] and payload["left"] is True


def test_worker_threads_of_a_handler_invoke_concurrently_without_waiting_for_its_lease(
    twin: MiniTwin, caplog: pytest.LogCaptureFixture
) -> None:
    """The gate's pattern: a handler invokes functions whose variables conflict with its own and with
    each other's from worker threads (copied context); none waits for the caller's lease, each gets the
    variables nobody else holds, the caller's keep their values, and everything is restored after."""
    import contextvars
    from concurrent.futures import ThreadPoolExecutor

    from twin.dispatch import peak_concurrency

    barrier = threading.Barrier(4, timeout=10)
    seen: dict[str, tuple[str, str]] = {}

    def probe(event: Any, context: Any) -> Any:
        barrier.wait()  # all four run at once, or this raises
        seen[event["vpc"]] = (os.environ["SERVICE"], os.environ[f"ONLY_{event['vpc']}"])
        return {"vpc": event["vpc"]}

    def gate(event: Any, context: Any) -> Any:
        client = boto3.client("lambda", region_name=REGION)

        def one(vpc: str) -> Any:
            body = client.invoke(FunctionName=f"probe-{vpc}", Payload=json.dumps({"vpc": vpc}).encode())
            return json.loads(body["Payload"].read())["vpc"]

        with ThreadPoolExecutor(max_workers=4) as pool:
            done = [pool.submit(contextvars.copy_context().run, one, v) for v in "abcd"]
            return {"vpcs": [f.result() for f in done], "service": os.environ["SERVICE"]}

    for vpc in "abcd":
        twin.function(f"probe-{vpc}", probe, env={"SERVICE": f"probe-{vpc}", f"ONLY_{vpc}": vpc})
    twin.function("gate", gate, env={"SERVICE": "gate"})
    with caplog.at_level("WARNING", logger="twin.dispatch"):
        assert twin.invoke("gate", {}) == (None, {"vpcs": ["a", "b", "c", "d"], "service": "gate"})
    assert not [r for r in caplog.records if "conflicts with a running handler" in r.getMessage()]
    assert seen == {v: ("gate", v) for v in "abcd"}  # SERVICE stays the caller's; ONLY_x is each probe's
    assert {k: peak_concurrency()[k] for k in ("probe-a", "gate", "*")} == {"probe-a": 1, "gate": 1, "*": 5}
    assert not {"SERVICE", "ONLY_a", "ONLY_b", "ONLY_c", "ONLY_d"} & set(os.environ)

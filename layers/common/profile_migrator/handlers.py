"""Powertools wiring shared by every function: Logger (correlation id = execution name), Tracer, Metrics.

Each ``functions/<name>/app.py`` is one line that picks its domain call; the instrumentation and the
event parsing live here once instead of in nineteen copies.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

from . import runtime
from .models import (
    ApprovalRequest,
    CompensateEvent,
    GateEvent,
    LockEvent,
    OutcomeEvent,
    PollEvent,
    ProbeEvent,
    StepEvent,
)

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()
metrics = Metrics()

Handler = Callable[[dict[str, Any], "LambdaContext"], dict[str, Any]]


def instrumented(fn: Handler) -> Handler:
    """Logger with the execution name as correlation id, Tracer, Metrics — the Powertools stack."""
    wrapped = metrics.log_metrics(tracer.capture_lambda_handler(fn), raise_on_empty_metrics=False)
    return logger.inject_lambda_context(correlation_id_path="execution", clear_state=True)(wrapped)


def step_handler(*actions: str) -> Handler:
    """A step action's function: it performs ``actions[0]`` and its inverse(s)."""
    allowed = frozenset(actions)

    @instrumented
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        ev = StepEvent.model_validate(event)
        logger.info("step", extra={"action": ev.step.get("action"), "index": ev.step.get("index"), "mode": ev.mode})
        result = runtime.run_step(ev, allowed)
        metrics.add_metric(name="StepsPerformed", unit=MetricUnit.Count, value=1)
        return result

    return lambda_handler


@instrumented
def preflight(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return runtime.preflight(event.get("request", {}), str(event.get("execution", "")))


@instrumented
def status(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return runtime.poll_step(PollEvent.model_validate(event))


@instrumented
def gate(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = runtime.gate_check(GateEvent.model_validate(event))
    metrics.add_metric(name="GateChecks", unit=MetricUnit.Count, value=1)
    return result


@instrumented
def lock(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return runtime.lock(LockEvent.model_validate(event))


@instrumented
def compensate(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    metrics.add_metric(name="Rollbacks", unit=MetricUnit.Count, value=1)
    return runtime.plan_undo(CompensateEvent.model_validate(event))


@instrumented
def outcome(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return runtime.outcome(OutcomeEvent.model_validate(event))


@instrumented
def approval_request(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # Store the token under a short id, then post the request to Slack / SNS (approvals.py).
    from . import approvals

    return approvals.request_approval_with_chat(ApprovalRequest.model_validate(event))


def probe_handler(nameserver: str, port: int) -> Handler:
    @instrumented
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        ev = ProbeEvent.model_validate(event)
        return runtime.probe(ev.names, ev.expected, nameserver, port)

    return lambda_handler

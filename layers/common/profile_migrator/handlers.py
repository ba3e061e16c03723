"""The state machine's functions: parse the event, call the domain (:mod:`.runtime`), shape the result.

Each ``functions/<name>/app.py`` is one line that picks its handler here; the Powertools stack is
:mod:`.instrumentation`'s. This module and :mod:`.runtime` stay light — no planner, estate model,
PyYAML or discovery — because every step function imports them; the preflight, the only function that
plans, loads :mod:`.preflight` on its first invocation (once per execution, beside seconds of discovery).
The DNS probe has its own module, :mod:`.probe`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit

from . import runtime
from .instrumentation import Handler, instrumented, logger, metrics
from .models import (
    ApprovalRequest,
    CompensateEvent,
    GateEvent,
    LockEvent,
    OutcomeEvent,
    PollEvent,
    StepEvent,
)

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

__all__ = ["Handler", "instrumented", "step_handler"]


def step_handler(*actions: str) -> Handler:
    """A step action's function: it performs ``actions[0]`` and its inverse(s)."""
    allowed = frozenset(actions)

    @instrumented
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        ev = StepEvent.model_validate(event)
        logger.info(
            "step", extra={"action": ev.step.get("action"), "index": ev.step.get("index"), "mode": ev.mode}
        )
        result = runtime.run_step(ev, allowed, runtime.Budget.of(context))
        metrics.add_metric(name="StepsPerformed", unit=MetricUnit.Count, value=1)
        return result

    return lambda_handler


@instrumented
def preflight(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    from . import preflight  # the planner, the estate model, discovery: only this function needs them

    return preflight.preflight(event.get("request", {}), str(event.get("execution", "")))


@instrumented
def status(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return runtime.poll_step(PollEvent.model_validate(event), runtime.Budget.of(context))


@instrumented
def gate(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = runtime.gate_check(GateEvent.model_validate(event), runtime.Budget.of(context))
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

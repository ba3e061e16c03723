"""The state machine's functions: parse the event, call the domain (:mod:`.runtime`), shape the result.

Each ``functions/<name>/app.py`` is one line that picks its handler here (the approval request's is
:mod:`.approval_handler`'s, the approval callback's its own); the Powertools stack is
:mod:`.instrumentation`'s. This module and :mod:`.runtime` stay light — no planner, estate model,
PyYAML or discovery — because every step function imports them; the preflight, the only function that
plans, loads :mod:`.preflight` on its first invocation (once per execution, beside seconds of discovery).
The DNS probe has its own module, :mod:`.probe`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit

from . import runtime
from .instrumentation import Handler, instrumented, logger, metrics, parsed
from .models import (
    CompensateEvent,
    GateEvent,
    LockEvent,
    OutcomeEvent,
    PollEvent,
    PreflightEvent,
    StepEvent,
)
from .vocabulary import actions_of_function

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

__all__ = ["Handler", "instrumented", "step_handler"]


def step_handler(function: str) -> Handler:
    """The step function ``function`` (its template.yaml logical id without ``Function``): it performs the
    actions whose spec names it (a forward action and its inverse)."""
    allowed = actions_of_function(function)
    if not allowed:
        raise ValueError(f"no step action is performed by function {function!r} (vocabulary.SPECS)")

    @parsed(StepEvent)
    def lambda_handler(ev: StepEvent, context: LambdaContext) -> dict[str, Any]:
        logger.info(
            "step", extra={"action": ev.step.get("action"), "index": ev.step.get("index"), "mode": ev.mode}
        )
        result = runtime.run_step(ev, allowed, runtime.Budget.of(context))
        metrics.add_metric(name="StepsPerformed", unit=MetricUnit.Count, value=1)
        return result

    return lambda_handler


@parsed(PreflightEvent)
def preflight(ev: PreflightEvent, context: LambdaContext) -> dict[str, Any]:
    from . import preflight  # the planner, the estate model, discovery: only this function needs them

    return preflight.preflight(ev.request, ev.execution, ev.functions)


@parsed(PollEvent)
def status(ev: PollEvent, context: LambdaContext) -> dict[str, Any]:
    return runtime.poll_step(ev, runtime.Budget.of(context))


@parsed(GateEvent)
def gate(ev: GateEvent, context: LambdaContext) -> dict[str, Any]:
    result = runtime.gate_check(ev, budget=runtime.Budget.of(context))
    metrics.add_metric(name="GateChecks", unit=MetricUnit.Count, value=1)
    return result


@parsed(LockEvent)
def lock(ev: LockEvent, context: LambdaContext) -> dict[str, Any]:
    return runtime.lock(ev)


@parsed(CompensateEvent)
def compensate(ev: CompensateEvent, context: LambdaContext) -> dict[str, Any]:
    metrics.add_metric(name="Rollbacks", unit=MetricUnit.Count, value=1)
    return runtime.plan_undo(ev)


@parsed(OutcomeEvent)
def outcome(ev: OutcomeEvent, context: LambdaContext) -> dict[str, Any]:
    return runtime.outcome(ev)

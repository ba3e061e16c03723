"""The onboarding functions' Powertools edge (EV-1): parse, call :mod:`.onboarding`, shape the result.

``functions/onboard_*/app.py`` are one line each over these handlers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser

from . import onboarding
from .models import OnboardStepEvent

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()
metrics = Metrics()

Handler = Callable[[dict[str, Any], "LambdaContext"], dict[str, Any]]


@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE, clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics(raise_on_empty_metrics=False)
@event_parser(model=onboarding.CreateVpcEvent)
def trigger(event: onboarding.CreateVpcEvent, context: LambdaContext) -> dict[str, Any]:
    """EventBridge target: start the VPC's onboarding execution, named from the VPC id."""
    result = onboarding.start(event, onboarding.Settings.from_env())
    if result["started"]:
        metrics.add_metric(name="OnboardingsStarted", unit=MetricUnit.Count, value=1)
        logger.info("onboarding started", extra=result)
    else:  # a repeated event, or a failed CreateVpc call: nothing to start
        logger.info("onboarding not started", extra=result)
    return result


def step(fn: Callable[[OnboardStepEvent], dict[str, Any]], metric: str | None = None) -> Handler:
    """One onboarding step: the event is the execution's state (``request`` + what earlier steps found)."""

    @logger.inject_lambda_context(correlation_id_path="execution", clear_state=True)
    @tracer.capture_lambda_handler
    @metrics.log_metrics(raise_on_empty_metrics=False)
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        ev = OnboardStepEvent.model_validate(event)
        result = fn(ev)
        logger.info(fn.__name__, extra={"vpc_id": ev.request.vpc_id, "result": result})
        if metric:
            metrics.add_metric(name=metric, unit=MetricUnit.Count, value=1)
        return result

    return lambda_handler


def _decide(ev: OnboardStepEvent) -> dict[str, Any]:
    return onboarding.decide(ev.request)


decide = step(_decide)
associate = step(onboarding.associate, "VpcsAssociated")
poll = step(onboarding.poll)
probe = step(onboarding.probe)
notify = step(onboarding.notify, "OnboardingOutcomes")

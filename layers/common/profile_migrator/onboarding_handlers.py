"""The onboarding steps' Powertools edge (EV-1): parse, call :mod:`.onboarding`, shape the result.

``functions/onboard_*/app.py`` are one line each over these handlers; the trigger, the only one that
needs Powertools' EventBridge parser models, is :mod:`.onboarding_trigger`'s.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit

from . import onboarding
from .instrumentation import Handler, logger, metrics, parsed
from .models import OnboardStepEvent

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


def step(fn: Callable[[OnboardStepEvent], dict[str, Any]], metric: str | None = None) -> Handler:
    """One onboarding step: the event is the execution's state (``request`` + what earlier steps found)."""

    @parsed(OnboardStepEvent)
    def lambda_handler(ev: OnboardStepEvent, context: LambdaContext) -> dict[str, Any]:
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

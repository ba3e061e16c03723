"""The onboarding trigger (EV-1): EventBridge delivers AWS's CloudTrail event for ``CreateVpc`` /
``CreateDefaultVpc``; this starts the VPC's onboarding execution, named from the VPC id.

The event is typed as Powertools' ``EventBridgeModel`` is (the same fields and aliases), with
:mod:`.typed`: the parser's pydantic models would cost the trigger's cold start more than the issue-11 budget.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit

from .aws import functions as fn_adapter
from .aws.session import default_account
from .instrumentation import logger, metrics, parsed
from .models import CreateVpcDetail, OnboardRequest
from .onboarding import NotConfigured, Settings, execution_name
from .typed import ConfigDict, Field, Model

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


class EventBridgeEvent(Model):
    """An EventBridge event's envelope: Powertools' ``EventBridgeModel``'s fields (``time`` as the ISO
    8601 text EventBridge sends)."""

    model_config = ConfigDict(populate_by_name=True)

    version: str
    id: str
    source: str
    account: str
    time: str
    region: str
    resources: list[str]
    detail_type: str = Field(alias="detail-type")
    detail: dict[str, Any]
    replay_name: str | None = Field(None, alias="replay-name")


class CreateVpcEvent(EventBridgeEvent):
    """The EventBridge event (source ``aws.ec2``, detail-type ``AWS API Call via CloudTrail``) whose
    detail is a CreateVpc / CreateDefaultVpc call (EV-1)."""

    detail: CreateVpcDetail  # type: ignore[assignment]  # narrowed, as with Powertools' models


def request_from_event(event: CreateVpcEvent) -> OnboardRequest | None:
    """The execution input for the event; None for a CreateVpc call that failed (no VPC)."""
    d = event.detail
    if d.error_code or d.response_elements is None:
        return None
    return OnboardRequest(
        vpc_id=d.response_elements.vpc.vpc_id,
        account=d.recipient_account_id,
        region=d.aws_region,
        event_name=d.event_name,
    )


def start(event: CreateVpcEvent, settings: Settings) -> dict[str, Any]:
    """Start the VPC's onboarding execution, or report that it was already started."""
    req = request_from_event(event)
    if req is None:
        return {
            "started": False,
            "reason": f"{event.detail.event_name} failed ({event.detail.error_code}): no VPC",
        }
    if not settings.state_machine_arn:
        raise NotConfigured("ONBOARD_STATE_MACHINE_ARN is not set")
    name = execution_name(req.vpc_id)
    arn, started = fn_adapter.start_named_execution(
        default_account(settings.home_region), settings.state_machine_arn, name, {"request": req.model_dump()}
    )
    return {
        "started": started,
        "execution": name,
        "execution_arn": arn,
        "vpc_id": req.vpc_id,
        "account": req.account,
        "region": req.region,
        "reason": "" if started else "already started for this VPC (repeated event)",
    }


@parsed(CreateVpcEvent, correlation_paths.EVENT_BRIDGE)
def trigger(event: CreateVpcEvent, context: LambdaContext) -> dict[str, Any]:
    """EventBridge target: start the VPC's onboarding execution, named from the VPC id."""
    result = start(event, Settings.from_env())
    if result["started"]:
        metrics.add_metric(name="OnboardingsStarted", unit=MetricUnit.Count, value=1)
        logger.info("onboarding started", extra=result)
    else:  # a repeated event, or a failed CreateVpc call: nothing to start
        logger.info("onboarding not started", extra=result)
    return result

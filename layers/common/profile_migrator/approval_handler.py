"""The approval-request function's handler: store the task token under a short approval id, then post the
request to Slack / SNS (:mod:`.approvals`).

Not in :mod:`.handlers`: that module imports the step machinery (:mod:`.runtime`, :mod:`.actions` and their
AWS adapters), which this function never uses; it reads the run's records through :mod:`.runs`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .approvals import request_approval_with_chat
from .instrumentation import InvalidEvent, parsed
from .models import ApprovalRequest

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

__all__ = ["InvalidApprovalRequest", "approval_request"]

InvalidApprovalRequest = InvalidEvent  # the approval request's malformed event (named without its values)


@parsed(ApprovalRequest, secret=True)
def approval_request(ev: ApprovalRequest, context: LambdaContext) -> dict[str, Any]:
    # The event holds the task token: never logged, and a malformed one is refused without echoing its
    # values (secret).
    return request_approval_with_chat(ev)

"""SNS adapter: the onboarding notification (optional topic)."""

from __future__ import annotations

import json
from typing import Any

from .session import Account


def publish_json(acct: Account, topic_arn: str, subject: str, message: dict[str, Any]) -> str:
    """Publish ``message`` as JSON; returns the message id."""
    resp = acct.client("sns").publish(TopicArn=topic_arn, Subject=subject[:100],
                                      Message=json.dumps(message, sort_keys=True, default=str))
    return str(resp["MessageId"])

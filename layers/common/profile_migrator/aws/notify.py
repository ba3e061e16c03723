"""SNS adapter: publish a JSON document to a topic (e.g. one Amazon Q Developer in chat applications reads)."""

from __future__ import annotations

import json
from typing import Any

from .session import Account


def publish_json(acct: Account, topic_arn: str, doc: dict[str, Any], *, subject: str | None = None) -> str:
    """Publish ``doc`` as the message body; returns the message id."""
    kwargs: dict[str, Any] = {"TopicArn": topic_arn, "Message": json.dumps(doc)}
    if subject:
        kwargs["Subject"] = subject[:100]
    return str(acct.client("sns").publish(**kwargs)["MessageId"])

"""Slack interactivity callback (HTTP API v2): POST /slack/interactions -> an approval decided once.

Thin: the checks and the decision live in :mod:`profile_migrator.approvals`; this maps them to HTTP
(400 malformed, 401 signature/timestamp, 403 approver/channel/workspace/app, 404 unknown, 409 already decided, 410 expired, 200 decided).
The HTTP API has this one route, so the function reads the payload-2.0 event itself: Powertools' event
handler (its resolver and its event data classes) would cost a cold start ≈ 25 ms (issue 11), and Slack
waits 3 s for the answer (SF-4).
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Any

import boto3  # noqa: F401  (first, at the top level: docs/benchmarks.md, "Cold imports")
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.logging import correlation_paths
from profile_migrator.approvals import BadRequest, Refused, handle_interaction

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()
ROUTE = ("POST", "/slack/interactions")


def response(status: int, text: str) -> dict[str, Any]:
    """A payload-2.0 answer in plain text."""
    return {
        "statusCode": status,
        "headers": {"Content-Type": "text/plain"},
        "body": text,
        "isBase64Encoded": False,
    }


@tracer.capture_method
def slack_interaction(event: dict[str, Any]) -> dict[str, Any]:
    body = event.get("body") or ""
    try:
        # the signature is over the raw bytes (SF-4): checked before the body is decoded as text
        raw = base64.b64decode(body, validate=True) if event.get("isBase64Encoded") else body.encode()
    except (binascii.Error, ValueError):
        raise BadRequest("the body is not valid base64") from None
    d = handle_interaction(event.get("headers") or {}, raw)
    logger.info(
        "approval decided",
        extra={
            "approval_id": d.approval_id,
            "verdict": d.verdict,
            "by": d.by,
            "execution": d.execution,
            "step_action": d.action,
        },
    )
    return response(200, f"{d.verdict} by {d.by}")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    http = (event.get("requestContext") or {}).get("http") or {}
    if (http.get("method"), event.get("rawPath")) != ROUTE:
        return response(404, "not found")
    try:
        return slack_interaction(event)
    except Refused as exc:
        logger.warning("approval refused", extra={"status": exc.status, "reason": exc.reason})
        return response(exc.status, exc.reason)

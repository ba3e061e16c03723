"""Slack interactivity callback (HTTP API v2): POST /slack/interactions -> an approval decided once.

Thin: the checks and the decision live in :mod:`profile_migrator.approvals`; this maps them to HTTP
(400 malformed, 401 signature/timestamp, 403 approver/channel/workspace/app, 404 unknown, 409 already decided, 410 expired, 200 decided).
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.logging import correlation_paths
from profile_migrator import approvals

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()
app = APIGatewayHttpResolver()


@app.exception_handler(approvals.Refused)
def refused(exc: approvals.Refused) -> Response:
    logger.warning("approval refused", extra={"status": exc.status, "reason": exc.reason})
    return Response(exc.status, content_types.TEXT_PLAIN, exc.reason)


@app.post("/slack/interactions")
@tracer.capture_method
def slack_interaction() -> Response:
    ev = app.current_event
    try:
        # the signature is over the raw bytes (SF-4): checked before the body is decoded as text
        raw = (
            base64.b64decode(ev.body or "", validate=True)
            if ev.is_base64_encoded
            else (ev.body or "").encode()
        )
    except (binascii.Error, ValueError):
        raise approvals.BadRequest("the body is not valid base64") from None
    d = approvals.handle_interaction(ev.headers, raw)
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
    return Response(200, content_types.TEXT_PLAIN, f"{d.verdict} by {d.by}")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)

"""How botocore's standard retry mode sees the twin's throttling errors (RL-1, RL-2)."""

from __future__ import annotations

from typing import Any

import botocore.retries.standard as standard

from twin.clock import get_clock


class RetryProbe:
    """Hooks a client's ``needs-retry`` event: classifies each failed attempt with botocore's own
    retry checkers into :attr:`verdicts`, then advances the process clock by ``refill`` simulated
    seconds (so the throttle bucket has a token again when botocore retries)."""

    def __init__(self, boto_client: Any, refill: float = 0.0) -> None:
        self.verdicts: list[dict[str, Any]] = []
        self.refill = refill
        boto_client.meta.events.register_first("needs-retry", self)

    def __call__(self, **kwargs: Any) -> None:
        response = kwargs.get("response")
        if response is None or response[0].status_code < 300:
            return
        context = standard.RetryEventAdapter().create_retry_context(**kwargs)
        self.verdicts.append(
            {
                "code": context.get_error_code(),
                "status": response[0].status_code,
                "throttled": standard.ThrottledRetryableChecker().is_retryable(context),
                "throttling_error": standard.ThrottlingErrorDetector(
                    standard.RetryEventAdapter()
                ).is_throttling_error_from_context(context),
                "standard_retryable": standard.StandardRetryConditions().is_retryable(context),
            }
        )
        if self.refill:
            get_clock().advance(self.refill)


def throttled_once(code: str, status: int = 400) -> list[dict[str, Any]]:
    """The verdicts of a call throttled once with ``code``: botocore sees throttling and retries it."""
    return [
        {
            "code": code,
            "status": status,
            "throttled": True,
            "throttling_error": True,
            "standard_retryable": True,
        }
    ]

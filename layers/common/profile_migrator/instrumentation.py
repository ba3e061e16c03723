"""Powertools wiring shared by the state machine's functions: Logger (correlation id = execution name),
Tracer, Metrics — once, instead of in every ``functions/<name>/app.py``.

Imports Powertools only: each handler module brings its own domain (see :mod:`.handlers`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics, Tracer

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()
metrics = Metrics()

Handler = Callable[[dict[str, Any], "LambdaContext"], dict[str, Any]]


def instrumented(fn: Handler) -> Handler:
    """Logger with the execution name as correlation id, Tracer, Metrics — the Powertools stack."""
    wrapped = metrics.log_metrics(tracer.capture_lambda_handler(fn), raise_on_empty_metrics=False)
    return logger.inject_lambda_context(correlation_id_path="execution", clear_state=True)(wrapped)


def sealed(fn: Handler) -> Handler:
    """:func:`instrumented` for a function whose event carries a secret (an approval's task token, SF-1):
    the event is never logged, whatever ``POWERTOOLS_LOGGER_LOG_EVENT`` says (an operator debugging the
    other functions must not leak a token), and the tracer keeps neither the response nor an error's text."""
    wrapped = metrics.log_metrics(
        tracer.capture_lambda_handler(fn, capture_response=False, capture_error=False),
        raise_on_empty_metrics=False,
    )
    return logger.inject_lambda_context(correlation_id_path="execution", clear_state=True, log_event=False)(
        wrapped
    )

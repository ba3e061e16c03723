"""The one idiom at the Lambda edge: Powertools' Logger (correlation id = execution name), Tracer, Metrics
and its parser — once, instead of in every ``functions/<name>/app.py``.

``@parsed(Model)`` is every pydantic-model handler's decorator: the Powertools stack around Powertools'
``parse``, so the handler receives its typed event (a bad event fails with pydantic's words naming the
field and the reason, before any AWS call). Imports Powertools only: each handler module brings its own
domain (see :mod:`.handlers`). The DNS probe has no pydantic (cold start): it parses its own small event.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from aws_lambda_powertools import Logger, Metrics, Tracer

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext
    from pydantic import BaseModel

logger = Logger()
tracer = Tracer()
metrics = Metrics()

Handler = Callable[[dict[str, Any], "LambdaContext"], dict[str, Any]]
M = TypeVar("M", bound="BaseModel")
Typed = Callable[[M, "LambdaContext"], dict[str, Any]]


def instrumented(fn: Handler, correlation_id_path: str = "execution") -> Handler:
    """Logger with a correlation id (the execution name by default), Tracer, Metrics — the Powertools stack."""
    wrapped = metrics.log_metrics(tracer.capture_lambda_handler(fn), raise_on_empty_metrics=False)
    return logger.inject_lambda_context(correlation_id_path=correlation_id_path, clear_state=True)(wrapped)


def parsed(model: type[M], correlation_id_path: str = "execution") -> Callable[[Typed[M]], Handler]:
    """The handler receives its event parsed into ``model`` by Powertools' parser, inside the stack."""

    def decorate(fn: Typed[M]) -> Handler:
        @functools.wraps(fn)
        def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
            return fn(_parse(event, model), context)

        return instrumented(lambda_handler, correlation_id_path)

    return decorate


def _parse(event: dict[str, Any], model: type[M]) -> M:
    # Powertools' parser module is loaded on the first event, not at import (issue 11: the functions'
    # cold imports); it caches the model's TypeAdapter.
    from aws_lambda_powertools.utilities.parser import parse

    return parse(event=event, model=model)

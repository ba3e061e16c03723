"""The one idiom at the Lambda edge: Powertools' Logger (correlation id = execution name), Tracer and
Metrics, and a typed event — once, instead of in every ``functions/<name>/app.py``.

``@parsed(Model)`` is every handler's decorator: the Powertools stack around the event's parse into its
typed model (:mod:`.typed`: pydantic's spelling and words, without pydantic's import — issue 11, cold
starts), so the handler receives its typed event (a bad event fails with a ``ValidationError`` naming the
field and the reason, before any AWS call). ``secret=True`` for a function whose event carries a secret
(an approval's task token, SF-1): the event is never logged, the tracer keeps neither response nor error
text, and a malformed event is refused field by field without its values. Imports Powertools only: each
handler module brings its own domain (see :mod:`.handlers`). The DNS probe parses its own small event.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from aws_lambda_powertools import Logger, Metrics, Tracer

from .typed import Model, ValidationError

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()
metrics = Metrics()

Handler = Callable[[dict[str, Any], "LambdaContext"], dict[str, Any]]
M = TypeVar("M", bound=Model)
Typed = Callable[[M, "LambdaContext"], dict[str, Any]]


class InvalidEvent(Exception):
    """A malformed event of a function whose event carries a secret: named field by field, never with the
    values (the error reaches the execution history and the Lambda log)."""


def instrumented(fn: Handler, correlation_id_path: str = "execution", *, secret: bool = False) -> Handler:
    """Logger with a correlation id (the execution name by default), Tracer, Metrics — the Powertools stack.
    ``secret``: the event is never logged, whatever ``POWERTOOLS_LOGGER_LOG_EVENT`` says (an operator
    debugging the other functions must not leak a token), and the tracer keeps neither the response nor an
    error's text."""
    traced = tracer.capture_lambda_handler(fn, capture_response=not secret, capture_error=not secret)
    wrapped = metrics.log_metrics(traced, raise_on_empty_metrics=False)
    log_event = False if secret else None  # None: POWERTOOLS_LOGGER_LOG_EVENT decides
    inject = logger.inject_lambda_context(
        correlation_id_path=correlation_id_path, clear_state=True, log_event=log_event
    )
    return inject(wrapped)


def sealed(fn: Handler) -> Handler:
    """:func:`instrumented` with ``secret=True``."""
    return instrumented(fn, secret=True)


def parsed(
    model: type[M], correlation_id_path: str = "execution", *, secret: bool = False
) -> Callable[[Typed[M]], Handler]:
    """The handler receives its event parsed into ``model``, inside the stack."""

    def decorate(fn: Typed[M]) -> Handler:
        @functools.wraps(fn)
        def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
            return fn(_parse(event, model, secret), context)

        return instrumented(lambda_handler, correlation_id_path, secret=secret)

    return decorate


def _parse(event: dict[str, Any], model: type[M], secret: bool) -> M:
    try:
        return model.model_validate(event)
    except ValidationError as exc:
        if not secret:
            raise
        raise InvalidEvent(exc.redacted()) from None

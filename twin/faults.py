"""Request-level fault injection and API-call accounting for moto.

:func:`install_request_faults` wraps ``moto.core.responses.BaseResponse.call_action``: every AWS
request moto serves — in-process under ``mock_aws()`` (botocore stubber) and over HTTP in moto
server mode — passes through it after moto has parsed the request (service, operation, caller
account) and before the operation runs. There it

1. counts the call per ``service:Operation`` (:func:`api_calls`) and tells every listener
   (:func:`add_call_listener`) — the rehearsal uses this to prove a refused plan made no mutating
   call (:func:`is_mutating`);
2. applies the scenario's request faults (scenario-format.md "Faults"), read from
   :func:`twin.config.get_settings`, with their counters in ``settings.fault_state[index]``:

   - ``{kind: error, operation: Op, times: N, code: Code}`` — the next ``N`` calls of ``Op`` (any
     service; ``service:`` narrows it) fail with ``Code``;
   - ``{kind: throttle, service: S, rate: R}`` — a token bucket of ``R`` requests per *simulated*
     second, burst ``R`` (``burst:`` overrides), one bucket per calling account (AWS throttles per
     account: RL-1, RL-2); ``operation:`` limits the bucket to one operation. An excess call gets the
     service's own throttling error;
3. applies AWS's own rate limits (RL-1, RL-2: :data:`AWS_RATE_LIMITS`, per account, on by default once the
   estate is built; ``twin.rate_limits: off`` turns them off) — a throttle fault only lowers them.

Errors are written in the service's real wire format so that botocore parses them as it parses
AWS's, and its retry logic recognises the throttling ones:

- route53 (rest-xml): HTTP 400 ``<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>
  <Message>Rate exceeded</Message></Error><RequestId/></ErrorResponse>`` (RL-1);
- route53profiles (rest-json): HTTP 400 (its model states no status), header
  ``x-amzn-ErrorType: ThrottlingException``, body ``{"message": "Rate exceeded"}`` (RL-2);
- ec2: HTTP 503 ``<Response><Errors><Error><Code>RequestLimitExceeded</Code>…</Errors>
  <RequestID/></Response>``;
- json protocols: ``{"__type": Code, "message": …}``; query protocols as rest-xml.

An ``error`` fault takes its HTTP status from the service model's error shape when the code is
modelled (``PriorRequestNotComplete`` → 400), else 400 (5xx for ``InternalError``-like codes).
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from twin.clock import get_clock
from twin.config import get_settings

LOG = logging.getLogger(__name__)

Response = tuple[int, dict[str, str], str]


@dataclass(frozen=True)
class ApiCall:
    """One request moto received (before it ran)."""

    service: str  # boto3 service name: route53, route53profiles, ec2, lambda, stepfunctions, …
    operation: str  # API operation name, e.g. AssociateVPCWithHostedZone
    account: str  # the calling account (from the request's access key)
    region: str
    fault: str | None  # "throttle" | "error" when the twin refused the call, else None

    @property
    def key(self) -> str:
        return f"{self.service}:{self.operation}"

    @property
    def mutating(self) -> bool:
        return is_mutating(self.operation)


Listener = Callable[[ApiCall], None]

_READ_ONLY_PREFIXES = ("Describe", "Get", "List", "Search", "Test", "Lookup", "Query", "Scan", "BatchGet")


def is_mutating(operation: str) -> bool:
    """Whether an operation name changes state (anything but Describe*/Get*/List*/… reads)."""
    return not operation.startswith(_READ_ONLY_PREFIXES)


# --------------------------------------------------------------------------------------------------
# Accounting and listeners

_lock = threading.Lock()
_calls: dict[str, int] = defaultdict(int)
_refused: dict[str, int] = defaultdict(int)
_listeners: list[Listener] = []
_suspended = 0


def api_calls() -> dict[str, int]:
    """Requests per ``service:Operation`` since the last reset (refused ones included)."""
    with _lock:
        return dict(_calls)


def refused_calls() -> dict[str, int]:
    """Requests per ``service:Operation`` that a fault refused."""
    with _lock:
        return dict(_refused)


def reset_api_calls() -> None:
    with _lock:
        _calls.clear()
        _refused.clear()


def add_call_listener(listener: Listener) -> Callable[[], None]:
    """Call ``listener(ApiCall)`` for every request; returns a function that removes it.

    Listeners run in the thread serving the request; an exception they raise is logged, not
    returned to the caller.
    """
    with _lock:
        _listeners.append(listener)

    def remove() -> None:
        remove_call_listener(listener)

    return remove


def remove_call_listener(listener: Listener) -> None:
    with _lock:
        if listener in _listeners:
            _listeners.remove(listener)


@contextmanager
def faults_suspended() -> Iterator[None]:
    """No request fault fires inside the block (process-wide; calls are still counted).

    For the twin's own setup (building the estate) and read-back, which are not the system under
    test.
    """
    global _suspended
    with _lock:
        _suspended += 1
    try:
        yield
    finally:
        with _lock:
            _suspended -= 1


# --------------------------------------------------------------------------------------------------
# Wire formats


@functools.lru_cache(maxsize=64)
def _service_model(service: str) -> Any | None:
    import botocore.session

    try:
        return botocore.session.get_session().get_service_model(service)
    except Exception:
        return None


_DEFAULT_MESSAGES = {
    "Throttling": "Rate exceeded",
    "ThrottlingException": "Rate exceeded",
    "RequestLimitExceeded": "Request limit exceeded.",
    "TooManyRequestsException": "Rate exceeded",
    "PriorRequestNotComplete": "The request was rejected because Route 53 was still processing a prior request.",
}
_SERVER_CODES = {
    "InternalError": 500,
    "InternalFailure": 500,
    "ServiceUnavailable": 503,
    "ServiceException": 500,
}

#: The code each service answers an over-rate call with.
THROTTLE_CODES = {
    "route53": "Throttling",  # RL-1
    "route53profiles": "ThrottlingException",  # RL-2
    "route53resolver": "ThrottlingException",
    "ec2": "RequestLimitExceeded",
}
_THROTTLE_STATUS = {"ec2": 503}


def _modelled_status(service: str, code: str) -> int | None:
    model = _service_model(service)
    if model is None:
        return None
    for shape in model.error_shapes:
        if shape.error_code == code:
            status = (shape.metadata.get("error") or {}).get("httpStatusCode")
            return int(status) if status else None
    return None


def error_response(
    service: str, code: str, message: str | None = None, status: int | None = None
) -> Response:
    """``(status, headers, body)`` of an AWS error from ``service`` in its protocol's wire format."""
    message = message or _DEFAULT_MESSAGES.get(code, code)
    if status is None:
        status = _modelled_status(service, code) or _SERVER_CODES.get(code, 400)
    model = _service_model(service)
    protocol = model.protocol if model is not None else "query"
    request_id = str(uuid.uuid4())
    headers = {"x-amzn-RequestId": request_id}
    if protocol == "ec2":
        headers["Content-Type"] = "text/xml;charset=UTF-8"
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Response><Errors><Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
            f"</Error></Errors><RequestID>{request_id}</RequestID></Response>"
        )
    elif protocol in ("query", "rest-xml"):
        headers["Content-Type"] = "text/xml"
        namespace = model.metadata.get("xmlNamespace") if model is not None else None
        if service == "route53":
            namespace = "https://route53.amazonaws.com/doc/2013-04-01/"
        xmlns = f' xmlns="{namespace}"' if isinstance(namespace, str) else ""
        fault_type = "Receiver" if status >= 500 else "Sender"
        body = (
            '<?xml version="1.0"?>\n'
            f"<ErrorResponse{xmlns}><Error><Type>{fault_type}</Type><Code>{escape(code)}</Code>"
            f"<Message>{escape(message)}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        )
    elif protocol == "json":
        version = model.metadata.get("jsonVersion", "1.0") if model is not None else "1.0"
        headers["Content-Type"] = f"application/x-amz-json-{version}"
        body = json.dumps({"__type": code, "message": message})
    else:  # rest-json (and anything newer: botocore reads x-amzn-ErrorType first)
        headers["Content-Type"] = "application/json"
        headers["x-amzn-ErrorType"] = code
        body = json.dumps({"message": message})
    return status, headers, body


# --------------------------------------------------------------------------------------------------
# Faults


class TokenBucket:
    """``rate`` tokens per simulated second, at most ``burst`` stored; starts full."""

    def __init__(self, rate: float, burst: float, now: float) -> None:
        if rate <= 0:
            raise ValueError(f"throttle rate must be > 0, got {rate}")
        self.rate = rate
        self.burst = max(1.0, burst)
        self.tokens = self.burst
        self.updated = now

    def take(self, now: float) -> bool:
        self.tokens = min(self.burst, self.tokens + max(0.0, now - self.updated) * self.rate)
        self.updated = max(self.updated, now)
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


def _error_fault(service: str, operation: str) -> Response | None:
    settings = get_settings()
    for index, fault in settings.faults_of("error"):
        if fault.get("operation") != operation:
            continue
        if fault.get("service") not in (None, service):
            continue
        state = settings.fault_state.setdefault(index, {})
        fired = state.get("fired", 0)
        if fired >= int(fault.get("times", 1)):
            continue
        state["fired"] = fired + 1
        code = str(fault.get("code", "InternalError"))
        status = fault.get("status")
        return error_response(service, code, fault.get("message"), int(status) if status else None)
    return None


# RL-1 / RL-2: AWS's own throttling per account — (operation or None for the whole API, refill per
# simulated second, burst). Route 53: whole account 10/s burst 50, AssociateVPCWithHostedZone 5/s burst 20;
# Route 53 Profiles (silent) and Resolver: 5/s. EC2 has no rule in aws-dns-semantics.md: not throttled.
AWS_RATE_LIMITS: dict[str, tuple[tuple[str | None, float, float], ...]] = {
    "route53": ((None, 10.0, 50.0), ("AssociateVPCWithHostedZone", 5.0, 20.0)),
    "route53profiles": ((None, 5.0, 5.0),),
    "route53resolver": ((None, 5.0, 5.0),),
}


def _aws_rate_limit(service: str, operation: str, account: str, now: float) -> bool:
    """True when one of AWS's own buckets (RL-1, RL-2) refuses the call."""
    settings = get_settings()
    for op, rate, burst in AWS_RATE_LIMITS.get(service, ()):
        if op not in (None, operation):
            continue
        key = (service, op, account)
        bucket = settings.rate_buckets.get(key)
        if bucket is None:
            bucket = settings.rate_buckets[key] = TokenBucket(rate, burst, now)
        if not bucket.take(now):
            return True
    return False


def _throttle_fault(service: str, operation: str, account: str) -> Response | None:
    settings = get_settings()
    now = get_clock().now()
    if settings.rate_limits and _aws_rate_limit(service, operation, account, now):
        return error_response(
            service, THROTTLE_CODES.get(service, "ThrottlingException"), status=_THROTTLE_STATUS.get(service)
        )
    for index, fault in settings.faults_of("throttle"):
        if fault.get("service") != service:
            continue
        if fault.get("operation") not in (None, operation) or fault.get("account") not in (None, account):
            continue
        rate = float(fault["rate"])
        buckets: dict[str, TokenBucket] = settings.fault_state.setdefault(index, {}).setdefault("buckets", {})
        bucket = buckets.get(account)
        if bucket is None:
            bucket = buckets[account] = TokenBucket(rate, float(fault.get("burst", rate)), now)
        if not bucket.take(now):
            code = THROTTLE_CODES.get(service, "ThrottlingException")
            return error_response(service, code, status=_THROTTLE_STATUS.get(service))
    return None


def _apply_faults(service: str, operation: str, account: str) -> tuple[str | None, Response | None]:
    with _lock:
        if _suspended:
            return None, None
        response = _error_fault(service, operation)
        if response is not None:
            return "error", response
        response = _throttle_fault(service, operation, account)
        if response is not None:
            return "throttle", response
    return None, None


# --------------------------------------------------------------------------------------------------
# The hook

_original_call_action: Callable[..., Any] | None = None


def install_request_faults() -> None:
    """Wrap ``BaseResponse.call_action`` (idempotent)."""
    global _original_call_action
    from moto.core.responses import BaseResponse

    with _lock:
        if _original_call_action is not None:
            return
        _original_call_action = BaseResponse.call_action
        BaseResponse.call_action = _call_action  # type: ignore[method-assign]


def uninstall_request_faults() -> None:
    global _original_call_action
    from moto.core.responses import BaseResponse

    with _lock:
        if _original_call_action is not None:
            BaseResponse.call_action = _original_call_action  # type: ignore[method-assign]
        _original_call_action = None


def _describe(response: Any) -> tuple[str, str, str, str]:
    service = str(getattr(response, "boto3_service_name", "") or getattr(response, "service_name", "") or "?")
    try:
        operation = str(response._get_action() or "?")
    except Exception:
        operation = "?"
    account = str(getattr(response, "current_account", "?"))
    region = str(getattr(response, "region", "?"))
    return service, operation, account, region


_harness = threading.local()


@contextmanager
def harness_calls() -> Iterator[None]:
    """Calls this thread makes inside the block are the twin harness's own (following an execution,
    answering approvals, reading the final estate): not the system under test, so neither counted nor
    faulted. In-process (mock) mode only: a server thread does not see the flag."""
    prev = getattr(_harness, "on", False)
    _harness.on = True
    try:
        yield
    finally:
        _harness.on = prev


def _call_action(self: Any) -> Any:
    """Replacement for BaseResponse.call_action: count, notify, maybe refuse, else run."""
    if getattr(_harness, "on", False):
        assert _original_call_action is not None
        return _original_call_action(self)
    service, operation, account, region = _describe(self)
    fault, response = _apply_faults(service, operation, account)
    call = ApiCall(service=service, operation=operation, account=account, region=region, fault=fault)
    with _lock:
        _calls[call.key] += 1
        if fault is not None:
            _refused[call.key] += 1
        listeners = list(_listeners)
    for listener in listeners:
        try:
            listener(call)
        except Exception:
            LOG.exception("API call listener %r failed on %s", listener, call.key)
    if response is not None:
        return response
    assert _original_call_action is not None
    return _original_call_action(self)

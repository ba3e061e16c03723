"""Run the project's real Lambda handlers in-process when moto invokes a function.

With ``mock_aws(config={"lambda": {"use_docker": False}})`` every synchronous invocation — the
``Invoke`` API, a Step Functions Task (``arn:aws:lambda:…`` or ``arn:aws:states:::lambda:invoke``,
also ``.waitForTaskToken``), an EventBridge rule target — ends in
``moto.awslambda_simple.models.LambdaSimpleBackend.invoke``. :func:`install_dispatcher` replaces that
method: if the resolver knows the function, its handler runs with the decoded event and a
:class:`LambdaContext`; its JSON result is the payload. An exception becomes what the Python runtime
returns: payload ``{"errorMessage", "errorType", "requestId", "stackTrace"}`` with header
``X-Amz-Function-Error: Unhandled``, so the Step Functions interpreter reports ``Error`` = the
exception's class name (an ASL ``Retry``/``Catch`` on ``["Throttled"]`` matches ``class Throttled``).
Functions the resolver does not know keep moto's behaviour (the body echoed back).

Environment variables: the function's ``Environment.Variables`` (from moto's function
configuration) are set in ``os.environ`` around the call. ``os.environ`` is process-wide, so calls
hold an *environment lease*: handlers whose variables agree (e.g. the iterations of a Map running
the same function) run concurrently; a handler whose variables conflict with a running one waits
until it ends. A handler that invokes another function synchronously *from its own thread* (nested
``Invoke``) overrides the variables for the nested call and restores them afterwards. Module-level
code of a handler reads ``os.environ`` at import time: import handlers inside
:func:`lambda_environment` if they need the function's variables there.

Fault ``{kind: crash, function: NAME, times: N}`` (scenario-format.md "Faults"): the next ``N``
invocations of that function raise :class:`TwinCrash` before the handler runs. ``NAME`` is compared
with the function's name, its ARN, and the fault's ``function_name`` (the deployed name, if the twin
filled it in).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import traceback
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from profile_migrator.aws.session import invocation_credentials

from twin.clock import get_clock
from twin.config import get_settings
from twin.iam import Denied, access_denied, invoke_allowed

LOG = logging.getLogger(__name__)

#: Simulated wall time (``profile_migrator.pause.now``) is this epoch plus the simulated clock (twin.asl's).
_SIM_EPOCH_S = 1767225600.0  # 2026-01-01T00:00:00Z

#: Real seconds a handler waits for a conflicting handler's environment before overriding it (a
#: guard against deadlock when a handler waits on another handler that runs in a different thread).
_LEASE_WAIT_SECONDS = 5.0

Handler = Callable[[Any, Any], Any]
Resolver = Callable[[str], Handler | None]


class TwinCrash(Exception):
    """Raised instead of running a handler when a ``crash`` fault fires."""


@dataclass
class LambdaContext:
    """The attributes of the Python runtime's context object that handlers and Powertools read."""

    function_name: str
    function_version: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    aws_request_id: str
    log_group_name: str
    log_stream_name: str
    timeout_seconds: float = 3.0
    _started_sim: float = field(default_factory=lambda: get_clock().now())

    def get_remaining_time_in_millis(self) -> int:
        """Remaining time of the function's Timeout, in simulated milliseconds."""
        elapsed = get_clock().now() - self._started_sim
        return max(0, int((self.timeout_seconds - elapsed) * 1000))


# --------------------------------------------------------------------------------------------------
# Environment leases


class _EnvironmentLeases:
    """Reference-counted, conflict-aware setting of os.environ for concurrent handlers."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._active: dict[str, list[Any]] = {}  # name -> [value, refcount, value before]
        self._holders: dict[int, int] = defaultdict(int)  # thread id -> leases held
        # Variables no lease needs any more, restored only once no handler runs: removing a key while
        # another handler iterates os.environ (botocore does, creating a client) raises KeyError there.
        self._lingering: dict[str, str | None] = {}  # name -> value before

    def _compatible(self, variables: Mapping[str, str]) -> bool:
        return all(
            name not in self._active or self._active[name][0] == value for name, value in variables.items()
        )

    @contextmanager
    def lease(self, variables: Mapping[str, str]) -> Iterator[None]:
        me = threading.get_ident()
        overridden: dict[str, str | None] | None = None
        joined: list[str] = list(variables)
        with self._cond:
            nested = self._holders[me] > 0
            # A worker thread of a running handler (the gate's concurrent probe invocations): it must not
            # wait for its caller's lease to end, which would not happen before the worker returns.
            worker = not nested and _in_handler.get()
            if (
                not nested
                and not worker
                and not self._cond.wait_for(lambda: self._compatible(variables), timeout=_LEASE_WAIT_SECONDS)
            ):
                LOG.warning(
                    "lambda environment %s conflicts with a running handler for %.0f s: overriding",
                    sorted(variables),
                    _LEASE_WAIT_SECONDS,
                )
            if worker and not self._compatible(variables):
                # Concurrent siblings cannot each override os.environ: join what agrees, and leave a
                # conflicting variable with the running handler's value (the handler read its own at import).
                joined = [n for n in variables if n not in self._active or self._active[n][0] == variables[n]]
            if worker or self._compatible(variables):
                for name in joined:
                    value = variables[name]
                    if name in self._active:
                        self._active[name][1] += 1
                    else:
                        before = (
                            self._lingering.pop(name) if name in self._lingering else os.environ.get(name)
                        )
                        self._active[name] = [value, 1, before]
                        os.environ[name] = value
            else:  # nested call from a handler's own thread, or a conflict that waited too long
                overridden = {name: os.environ.get(name) for name in variables}
                os.environ.update(variables)
            self._holders[me] += 1
        try:
            yield
        finally:
            with self._cond:
                self._holders[me] -= 1
                if self._holders[me] == 0:
                    del self._holders[me]
                if overridden is not None:
                    _restore(overridden)
                else:
                    for name in joined:
                        entry = self._active[name]
                        entry[1] -= 1
                        if entry[1] == 0:
                            del self._active[name]
                            self._lingering[name] = entry[2]
                if not self._holders:
                    _restore(self._lingering)
                    self._lingering.clear()
                self._cond.notify_all()


def _restore(values: Mapping[str, str | None]) -> None:
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


_leases = _EnvironmentLeases()


@contextmanager
def lambda_environment(variables: Mapping[str, str]) -> Iterator[None]:
    """Set a function's environment variables for the duration of the block (see module doc)."""
    with _leases.lease(dict(variables)):
        yield


# --------------------------------------------------------------------------------------------------
# Dispatcher state

_lock = threading.Lock()
_resolver: Resolver | None = None
_invocations: dict[str, int] = defaultdict(int)
_running: dict[str, int] = defaultdict(int)  # function -> handlers running now
_peak: dict[str, int] = defaultdict(int)  # function -> most handlers running at once
_running_all = 0
_peak_all = 0
_seconds: dict[str, list[float]] = {}  # function -> [simulated seconds in its handler, memory MB]
#: True inside a handler's invocation, and in the worker threads it starts with a copy of its context.
_in_handler: ContextVar[bool] = ContextVar("twin_in_handler", default=False)
_original_invoke: Callable[..., Any] | None = None
_credentials: dict[str, dict[str, str]] = {}  # function ARN -> its execution role's credentials


def set_function_credentials(function_arn: str, credentials: dict[str, str]) -> None:
    """The credentials each invocation of the function gets (its execution role's, as on Lambda)."""
    with _lock:
        _credentials[function_arn] = dict(credentials)


def invocations() -> dict[str, int]:
    """Invocations per function name that reached a resolved handler (crashed ones included)."""
    with _lock:
        return dict(_invocations)


def reset_invocations() -> None:
    global _peak_all
    with _lock:
        _invocations.clear()
        _peak.clear()
        _seconds.clear()
        _peak_all = 0


def peak_concurrency() -> dict[str, int]:
    """The most handlers that ran at once since :func:`reset_invocations`, per function name and under
    ``"*"`` for all functions together (what CloudWatch's ``ConcurrentExecutions`` shows)."""
    with _lock:
        return {**_peak, "*": _peak_all}


def handler_seconds() -> dict[str, tuple[float, int]]:
    """Per function name: (seconds its handlers ran, its memory size in MB) since :func:`reset_invocations`
    — the twin's estimate of Lambda's billed duration. Simulated seconds: real while a handler works (the
    clock is busy), simulated while it sleeps in-task (``profile_migrator.pause``), as Lambda bills it."""
    with _lock:
        return {name: (sec, int(mem)) for name, (sec, mem) in _seconds.items()}


@contextmanager
def _running_handler(name: str, memory_mb: int) -> Iterator[None]:
    global _running_all, _peak_all
    started = get_clock().now()
    with _lock:
        _running[name] += 1
        _running_all += 1
        _peak[name] = max(_peak[name], _running[name])
        _peak_all = max(_peak_all, _running_all)
    token = _in_handler.set(True)
    try:
        yield
    finally:
        _in_handler.reset(token)
        with _lock:
            _running[name] -= 1
            _running_all -= 1
            entry = _seconds.setdefault(name, [0.0, memory_mb])
            entry[0] += get_clock().now() - started


def install_dispatcher(resolver: Resolver) -> None:
    """Route invocations to ``resolver(name_or_arn)``'s handler. Idempotent; replaces the resolver.

    The resolver is called with the function name or ARN as invoked, then (if that gave ``None``
    and differs) with the bare function name.
    """
    global _resolver, _original_invoke
    from moto.awslambda_simple.models import LambdaSimpleBackend
    from profile_migrator import pause

    # A handler that polls in its own invocation sleeps on the simulated clock (a busy thread that sleeps
    # is waiting, not working: SimClock.sleep suspends its busy sections).
    pause.install(lambda seconds: get_clock().sleep(seconds), lambda: _SIM_EPOCH_S + get_clock().now())
    with _lock:
        _resolver = resolver
        if _original_invoke is None:
            _original_invoke = LambdaSimpleBackend.invoke
            LambdaSimpleBackend.invoke = _invoke  # type: ignore[method-assign]


def uninstall_dispatcher() -> None:
    """Give moto its own ``invoke`` back."""
    global _resolver, _original_invoke
    from moto.awslambda_simple.models import LambdaSimpleBackend
    from profile_migrator import pause

    pause.install(None)
    with _lock:
        if _original_invoke is not None:
            LambdaSimpleBackend.invoke = _original_invoke  # type: ignore[method-assign]
        _original_invoke = None
        _resolver = None


def _split(function_name_or_arn: str) -> tuple[str, str | None, str | None, str | None]:
    """(name, account, region, qualifier) of a function name, partial ARN or ARN."""
    parts = function_name_or_arn.split(":")
    if function_name_or_arn.startswith("arn:") and len(parts) >= 7:
        return parts[6], parts[4], parts[3], parts[7] if len(parts) > 7 else None
    if len(parts) >= 3 and parts[1] == "function":  # ACCOUNT:function:NAME[:QUALIFIER]
        return parts[2], parts[0], None, parts[3] if len(parts) > 3 else None
    if len(parts) == 2:  # NAME:QUALIFIER
        return parts[0], None, None, parts[1]
    return function_name_or_arn, None, None, None


def _resolve(function_name_or_arn: str) -> Handler | None:
    resolver = _resolver
    if resolver is None:
        return None
    handler = resolver(function_name_or_arn)
    name = _split(function_name_or_arn)[0]
    if handler is None and name != function_name_or_arn:
        handler = resolver(name)
    return handler


def _function_config(backend: Any, function_name_or_arn: str, qualifier: str | None) -> Any:
    """moto's LambdaFunction (for Environment, Timeout, ARN), in the account/region of the ARN."""
    from moto.awslambda_simple.models import lambda_simple_backends

    name, account, region, arn_qualifier = _split(function_name_or_arn)
    candidates = []
    if account is not None:
        try:
            candidates.append(lambda_simple_backends[account][region or backend.region_name])
        except Exception:
            pass
    candidates.append(backend)
    for candidate in candidates:
        try:
            return candidate.get_function(name, qualifier or arn_qualifier)
        except Exception:
            continue
    return None


def _crash_fault_fires(name: str, function_name_or_arn: str, arn: str) -> bool:
    settings = get_settings()
    for index, fault in settings.faults_of("crash"):
        wanted = {fault.get("function"), fault.get("function_name")} - {None}
        if not wanted & {name, function_name_or_arn, arn}:
            continue
        with _lock:
            state = settings.fault_state.setdefault(index, {"fired": 0})
            if state["fired"] < int(fault.get("times", 1)):
                state["fired"] += 1
                return True
    return False


def _decode_event(body: Any) -> Any:
    if body is None or body == b"" or body == "":
        return {}
    text = body.decode("utf-8") if isinstance(body, bytes | bytearray) else str(body)
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _error_payload(exc: BaseException, request_id: str) -> bytes:
    frames = traceback.extract_tb(exc.__traceback__)
    return json.dumps(
        {
            "errorMessage": str(exc),
            "errorType": type(exc).__name__,
            "requestId": request_id,
            "stackTrace": traceback.format_list(frames),
        }
    ).encode("utf-8")


def _invoke(
    self: Any,
    function_name: str,
    qualifier: str | None,
    body: Any,
    headers: Any,
    response_headers: Any,
) -> bytes | str | None:
    """Replacement for LambdaSimpleBackend.invoke."""
    handler = _resolve(function_name)
    if handler is None:
        assert _original_invoke is not None
        out: bytes | str | None = _original_invoke(
            self, function_name, qualifier, body, headers, response_headers
        )
        return out

    name = _split(function_name)[0]
    fn = _function_config(self, function_name, qualifier)
    variables: dict[str, str] = {k: str(v) for k, v in (getattr(fn, "environment_vars", None) or {}).items()}
    arn = getattr(fn, "function_arn", None) or (
        function_name
        if function_name.startswith("arn:")
        else f"arn:aws:lambda:{self.region_name}:{self.account_id}:function:{name}"
    )
    request_id = str(uuid.uuid4())
    context = LambdaContext(
        function_name=name,
        function_version=str(getattr(fn, "version", "$LATEST")),
        invoked_function_arn=function_name if function_name.startswith("arn:") else arn,
        memory_limit_in_mb=int(getattr(fn, "memory_size", 128)),
        aws_request_id=request_id,
        log_group_name=f"/aws/lambda/{name}",
        log_stream_name=f"{time.strftime('%Y/%m/%d')}/[$LATEST]{uuid.uuid4().hex}",
        timeout_seconds=float(getattr(fn, "timeout", 3)),
    )
    invocation_type = _header(headers, "X-Amz-Invocation-Type") or "RequestResponse"
    if invocation_type == "DryRun":  # Lambda only checks the request; the handler does not run
        return b""
    try:
        invoke_allowed(headers, arn, self.region_name)  # lambda:InvokeFunction of the caller's role
    except Denied as exc:
        raise access_denied("lambda", exc) from exc
    with _lock:
        _invocations[name] += 1
        role_credentials = _credentials.get(arn)
    try:
        if _crash_fault_fires(name, function_name, arn):
            raise TwinCrash(f"twin fault: {name} crashed before doing anything")
        event = _decode_event(body)
        # The handler's work runs the simulated clock at real speed (twin.clock.SimClock.busy).
        credentials_token = invocation_credentials.set(role_credentials)
        try:
            with (
                lambda_environment(variables),
                get_clock().busy(),
                _running_handler(name, context.memory_limit_in_mb),
            ):
                result = handler(event, context)
        finally:
            invocation_credentials.reset(credentials_token)
    except Exception as exc:
        if invocation_type == "Event":  # asynchronous: the caller never sees the error
            LOG.warning("async invocation of %s failed: %s: %s", name, type(exc).__name__, exc)
            return b""
        response_headers["x-amz-function-error"] = "Unhandled"
        return _error_payload(exc, request_id)
    try:
        return json.dumps(result).encode("utf-8")
    except (TypeError, ValueError) as exc:  # what the Python runtime answers for such a result
        response_headers["x-amz-function-error"] = "Unhandled"
        return json.dumps(
            {
                "errorMessage": f"Unable to marshal response: {exc}",
                "errorType": "Runtime.MarshalError",
                "requestId": request_id,
                "stackTrace": [],
            }
        ).encode("utf-8")


def _header(headers: Any, name: str) -> str | None:
    if not headers:
        return None
    getter = getattr(headers, "get", None)
    if getter is None:
        return None
    value = getter(name)
    if value is None:
        value = getter(name.lower())
    return str(value) if value is not None else None

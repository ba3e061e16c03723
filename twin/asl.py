"""moto's Step Functions interpreter on the twin's simulated clock, plus per-execution accounting.

moto (``mock_aws(config={"stepfunctions": {"execute_state_machine": True}})``) runs ASL with the
interpreter in ``moto.stepfunctions.parser.asl``. Out of the box it waits in *real* seconds. After
:func:`patch_asl_clock` every duration the interpreter knows is a *simulated* duration on
:func:`twin.clock.get_clock`:

- ``Wait`` states: ``Seconds`` and ``SecondsPath`` wait that many simulated seconds; ``Timestamp``
  and ``TimestampPath`` wait until :func:`sim_datetime` reaches the timestamp;
- ``Retry``: the interval after ``IntervalSeconds``, ``BackoffRate``, ``MaxDelaySeconds`` and
  ``JitterStrategy`` is slept in simulated seconds;
- task ``TimeoutSeconds`` / ``HeartbeatSeconds`` (also for ``.waitForTaskToken`` callbacks) and the
  state machine's top-level ``TimeoutSeconds`` expire after that many simulated seconds.

Waits poll the clock in short real slices, so :meth:`twin.clock.SimClock.advance` also shortens a
wait already in progress. ``$$.State.EnteredTime`` and ``$$.Execution.StartTime`` stay real wall
time: an ASL that builds a ``TimestampPath`` from them would not agree with :func:`sim_datetime`
(the project's ASL waits with ``Seconds``/``SecondsPath``).

Accounting per execution ARN (rule SF-3: Standard workflows bill state transitions, retries
included): :func:`transitions` counts states entered (inside Map iterations and Parallel branches
too) plus retry attempts; :func:`waits` lists the simulated seconds each Wait state and Retry slept.

One moto fix rides along (per-execution accounting needs distinct ARNs): executions started
without a name get a UUID name (see :func:`_patch_execution_names`).
"""

from __future__ import annotations

import datetime
import threading
import types
import uuid
from collections import defaultdict
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from twin.clock import SimClock, get_clock
from twin.config import get_settings

#: Simulated wall time is ``SIM_EPOCH + clock.now()`` (a fixed epoch: runs are reproducible).
SIM_EPOCH = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)

#: Longest real slice a simulated wait blocks before it re-reads the clock (sees ``advance``).
_REAL_SLICE_SECONDS = 0.05


def sim_datetime() -> datetime.datetime:
    """Simulated wall time (UTC, timezone-aware)."""
    return SIM_EPOCH + datetime.timedelta(seconds=get_clock().now())


def _sim_wait_while_running(env: Any, simulated_seconds: float) -> None:
    """Wait ``simulated_seconds`` unless the execution (or Map/Parallel frame) stops first."""
    clock = get_clock()
    deadline = clock.now() + simulated_seconds
    with clock.idle(until=deadline):
        while env.is_running():
            remaining = deadline - clock.now()
            if remaining <= 0:
                return
            env.program_state_event.wait(min(clock.real_seconds(remaining), _REAL_SLICE_SECONDS))


@dataclass(eq=False)
class _Waiter:
    clock: SimClock  # the clock it waits on (a test may install another meanwhile)
    woken: bool = False  # by set(): it holds the clock until it is back at work


class SimEvent(threading.Event):
    """A ``threading.Event`` whose ``wait(timeout)`` takes the timeout in simulated seconds. The waiting
    thread is idle meanwhile (its busy sections suspended), and the thread that sets the event holds the
    clock at real speed until each thread it woke is back at work (SimClock.hold)."""

    def __init__(self) -> None:
        super().__init__()
        self._twin_lock = threading.Lock()
        self._twin_waiters: list[_Waiter] = []

    def set(self) -> None:
        with self._twin_lock:
            for w in self._twin_waiters:
                if not w.woken:
                    w.woken = True
                    w.clock.hold()  # released by the waiter, back at work
            super().set()

    def wait(self, timeout: float | None = None) -> bool:
        me = _Waiter(get_clock())
        with self._twin_lock:
            if self.is_set():
                return True
            self._twin_waiters.append(me)
        try:
            return self._wait(me.clock, timeout)
        finally:
            with self._twin_lock:
                self._twin_waiters.remove(me)
            if me.woken:
                me.clock.release()

    def _wait(self, clock: SimClock, timeout: float | None) -> bool:
        if timeout is None:
            with clock.idle():  # a thread waiting on an event is not working (SimClock.idle)
                return super().wait()
        deadline = clock.now() + timeout
        with clock.idle(until=deadline):
            while True:
                remaining = deadline - clock.now()
                if remaining <= 0:
                    return self.is_set()
                if super().wait(min(clock.real_seconds(remaining), _REAL_SLICE_SECONDS)):
                    return True


# --------------------------------------------------------------------------------------------------
# Accounting


@dataclass(frozen=True)
class SimWait:
    """One simulated wait inside an execution."""

    state: str
    kind: str  # "wait" (Wait state) | "retry" (Retry interval)
    seconds: float  # simulated seconds requested


_acct_lock = threading.Lock()
_transitions: dict[str, int] = defaultdict(int)
_waits: dict[str, list[SimWait]] = defaultdict(list)


def transitions(execution_arn: str) -> int:
    """State transitions of one execution so far: states entered + retry attempts (SF-3)."""
    with _acct_lock:
        return _transitions.get(execution_arn, 0)


def waits(execution_arn: str) -> list[SimWait]:
    """The simulated waits (Wait states and Retry intervals) of one execution, in order."""
    with _acct_lock:
        return list(_waits.get(execution_arn, []))


def reset_accounting() -> None:
    with _acct_lock:
        _transitions.clear()
        _waits.clear()
        _ended.clear()


def _execution_arn(env: Any) -> str:
    try:
        return str(env.states.context_object.context_object_data["Execution"]["Id"])
    except (AttributeError, KeyError, TypeError):
        return "?"


def _state_name(env: Any) -> str:
    try:
        return str(env.states.context_object.context_object_data["State"]["Name"])
    except (AttributeError, KeyError, TypeError):
        return "?"


def _count_transition(env: Any) -> None:
    arn = _execution_arn(env)
    with _acct_lock:
        _transitions[arn] += 1


def _record_wait(env: Any, kind: str, seconds: float) -> None:
    arn = _execution_arn(env)
    with _acct_lock:
        _waits[arn].append(SimWait(state=_state_name(env), kind=kind, seconds=float(seconds)))


# --------------------------------------------------------------------------------------------------
# Patches

_patch_lock = threading.Lock()
_patched = False


def patch_asl_clock() -> None:
    """Put moto's ASL interpreter on the simulated clock and count transitions. Idempotent."""
    global _patched
    with _patch_lock:
        if _patched:
            return
        _patch_wait_states()
        _patch_retry()
        _patch_timeouts()
        _patch_accounting()
        _patch_execution_names()
        _patch_execution_end()
        _patch_parser()
        _patch_lambda_calls()
        _patch_history_limit()
        _patch_distributed_map()
        _patched = True


def _patch_history_limit() -> None:
    """SF-5: an execution whose history reaches ``history_limit`` events (25,000) fails, as on AWS: no
    Catch runs (it would need more events); the error is ``States.Runtime`` (the name AWS gives is not
    documented) with a cause naming the quota. Inline Map iterations share their execution's history;
    every execution (a Distributed Map's children too) has its own."""
    from moto.stepfunctions.parser.asl.eval.event.event_manager import EventManager
    from moto.stepfunctions.parser.backend import execution_worker as worker_mod

    orig_env = worker_mod.ExecutionWorker._get_evaluation_environment
    orig_add = EventManager.add_event

    def _get_evaluation_environment(self: Any) -> Any:
        env = orig_env(self)
        env.event_manager._twin_env = env
        return env

    def add_event(self: Any, *args: Any, **kwargs: Any) -> int:
        event_id = int(orig_add(self, *args, **kwargs))
        env = getattr(self, "_twin_env", None)
        if env is not None and not env.is_frame():  # a top-level execution (children: _patch_distributed_map)
            arn = _execution_arn(env)
            with _history_lock:
                _history_events[arn] = max(_history_events.get(arn, 0), event_id)
        if event_id >= get_settings().history_limit and getattr(self, "_twin_env", None) is not None:
            self._twin_history_full = True  # the execution fails once the state in progress has ended
        return event_id

    worker_mod.ExecutionWorker._get_evaluation_environment = _get_evaluation_environment
    EventManager.add_event = add_event


#: State machine ARN -> its role's credentials (twin.deploy): the interpreter's own calls (Lambda tasks,
#: Distributed Map ItemReader / ResultWriter) are made with them, as Step Functions does (twin.iam).
state_machine_credentials: dict[str, dict[str, str]] = {}
_machine_credentials: ContextVar[dict[str, str] | None] = ContextVar("twin_machine_credentials", default=None)


def _credentials_of(env: Any) -> dict[str, str] | None:
    if not state_machine_credentials:
        return None
    try:
        arn = env.states.context_object.context_object_data["StateMachine"]["Id"]
    except Exception:
        return None
    return state_machine_credentials.get(str(arn))


def _machine_client(region: str, service: str, creds: dict[str, str]) -> Any:
    """What moto's ``boto_client_for`` makes, with the state machine role's credentials."""
    import boto3
    from botocore.config import Config
    from moto.core.models import botocore_stubber
    from moto.settings import moto_server_port

    kwargs: dict[str, Any] = {}
    if not botocore_stubber.enabled:
        kwargs["endpoint_url"] = f"http://localhost:{moto_server_port()}"
    return boto3.client(
        service,
        region_name=region,
        config=Config(parameter_validation=False, retries={"max_attempts": 0, "total_max_attempts": 1}),
        **creds,
        **kwargs,
    )


def _patch_lambda_calls() -> None:
    """moto's interpreter makes a new boto3 client for every Lambda task (~50-100 ms): reuse one per
    region and role. (The invocation path runs on an interpreter thread: busy, _BusyThread.)"""
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils as leu

    original_client = leu.boto_client_for
    cache: dict[tuple[str, str, str], Any] = {}
    cache_lock = threading.Lock()

    def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        creds = _machine_credentials.get()
        key = (region, service, (creds or {}).get("aws_access_key_id", ""))
        with cache_lock:
            client = cache.get(key)
            if client is None:
                client = (
                    _machine_client(region, service, creds)
                    if creds
                    else original_client(region=region, service=service, state_credentials=state_credentials)
                )
                cache[key] = client
            return client

    # A task with a timeout runs in a thread of its own (no context): take the role from the task's env.
    def as_machine(original: Callable[..., None]) -> Callable[..., None]:
        def run(*args: Any, **kwargs: Any) -> None:
            token = _machine_credentials.set(_credentials_of(kwargs.get("env", args[0] if args else None)))
            try:
                original(*args, **kwargs)
            finally:
                _machine_credentials.reset(token)

        return run

    leu.boto_client_for = boto_client_for
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.item_reader.eval import (
        resource_eval_s3 as reader_s3,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.result_writer.resource_eval import (
        resource_eval_s3 as writer_s3,
    )

    reader_s3.boto_client_for = boto_client_for
    writer_s3.boto_client_for = boto_client_for
    leu.exec_lambda_function = as_machine(leu.exec_lambda_function)
    leu.execute_lambda_function_integration = as_machine(leu.execute_lambda_function_integration)


def _patch_parser() -> None:
    """Parsing a definition is twin compute (~0.6 s for ours): the clock runs at real speed through it."""
    from moto.stepfunctions.parser.asl.parse import asl_parser

    original = asl_parser.AmazonStateLanguageParser.parse

    def parse(definition: str, *args: Any, **kwargs: Any) -> Any:
        with get_clock().busy():
            return original(definition, *args, **kwargs)

    asl_parser.AmazonStateLanguageParser.parse = staticmethod(parse)


def _patch_wait_states() -> None:
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function import timestamp as ts_mod
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function import wait_function as wf_mod

    def _wait_interval(self: Any, env: Any, wait_seconds: float) -> None:
        # Replaces WaitFunction._wait_interval: simulated seconds, interrupted when the execution
        # stops (moto sets env.program_state_event on every program state change).
        _record_wait(env, "wait", wait_seconds)
        _sim_wait_while_running(env, wait_seconds)

    def _get_wait_seconds(self: Any, env: Any) -> float:
        # Replaces Timestamp._get_wait_seconds (TimestampPath inherits it): compare with simulated now.
        self.string.eval(env=env)
        timestamp_str: str = env.stack.pop()
        timestamp = self._from_timestamp_string(timestamp=timestamp_str)
        if timestamp is None:
            raise FailureEventException(self._create_failure_event(env, timestamp_str))
        delta = timestamp.replace(tzinfo=datetime.UTC) - sim_datetime()
        return max(0.0, delta.total_seconds())

    wf_mod.WaitFunction._wait_interval = _wait_interval
    ts_mod.Timestamp._get_wait_seconds = _get_wait_seconds


def _patch_retry() -> None:
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl as rd_mod
    from moto.stepfunctions.parser.asl.component.common.retry.max_attempts_decl import MaxAttemptsOutcome
    from moto.stepfunctions.parser.asl.component.common.retry.retrier_outcome import RetrierOutcome

    def _eval_body(self: Any, env: Any) -> None:
        # Replaces RetrierDecl._eval_body (same logic as moto 5.2.5; the sleep is simulated and
        # ends early if the execution stops).
        self.error_equals.eval(env)
        if not env.stack.pop():
            env.stack.append(RetrierOutcome.Skipped)
            return
        self.max_attempts.eval(env=env)
        if env.stack.pop() == MaxAttemptsOutcome.EXHAUSTED:
            env.stack.append(RetrierOutcome.Failed)
            return
        self.interval_seconds.eval(env=env)
        self.backoff_rate.eval(env=env)
        self.max_delay_seconds.eval(env=env)
        self.jitter_strategy.eval(env=env)
        interval_seconds: float = env.stack.pop()
        _record_wait(env, "retry", interval_seconds)
        _sim_wait_while_running(env, interval_seconds)
        env.stack.append(RetrierOutcome.Executed)

    rd_mod.RetrierDecl._eval_body = _eval_body


def _patch_timeouts() -> None:
    import threading as real_threading

    from moto.stepfunctions.parser.asl.component.program import program as program_mod
    from moto.stepfunctions.parser.asl.component.state.exec import execute_state as es_mod
    from moto.stepfunctions.parser.asl.eval.callback import callback as cb_mod
    from moto.stepfunctions.parser.utils import TMP_THREADS

    # Task TimeoutSeconds: ExecutionState._evaluate_with_timeout waits on a local
    # `threading.Event()`; give that module a `threading` whose Event waits in simulated seconds.
    proxy = types.ModuleType("threading_simclock")
    proxy.__dict__.update(real_threading.__dict__)
    proxy.Event = SimEvent
    es_mod.threading = proxy
    es_mod.Thread = _BusyThread  # a task's own thread computes (a Lambda or S3 call, its result)

    # waitForTaskToken TimeoutSeconds and HeartbeatSeconds (and activities): every Event in the
    # callback module (CallbackEndpoint, HeartbeatEndpoint, ActivityTaskStartEndpoint) is simulated.
    cb_mod.Event = SimEvent

    # The state machine's top-level TimeoutSeconds: Program.eval joins its worker thread.
    def _program_eval(self: Any, env: Any) -> None:
        timeout = self.timeout_seconds.timeout_seconds if self.timeout_seconds else None
        env.next_state_name = self.start_at.start_at_name
        handoff = _Handoff()
        worker = _BusyThread(target=handoff.run(_super_eval(self)), args=(env,), daemon=True)
        TMP_THREADS.append(worker)
        clock = get_clock()
        try:
            worker.start()
            with clock.idle():  # the caller waits for the program's thread
                if timeout is None:
                    worker.join()
                else:
                    deadline = clock.now() + timeout
                    while worker.is_alive() and clock.now() < deadline:
                        worker.join(min(clock.real_seconds(deadline - clock.now()), _REAL_SLICE_SECONDS))
        finally:
            handoff.take()
        if worker.is_alive():
            env.set_timed_out()

    def _super_eval(program: Any) -> Any:
        return super(program_mod.Program, program).eval

    program_mod.Program.eval = _program_eval
    _patch_idle_waits(proxy)


class _Handoff:
    """A program's thread (a _BusyThread), as it ends, holds the clock for the thread that joins it until
    that one is back at work (SimClock.hold): no simulated time slips through the hand-over."""

    def __init__(self) -> None:
        self._clock = get_clock()
        self._lock = threading.Lock()
        self._given = self._taken = False

    def run(self, work: Callable[..., None]) -> Callable[..., None]:
        def run(*args: Any, **kwargs: Any) -> None:  # on a _BusyThread
            try:
                work(*args, **kwargs)
            finally:
                with self._lock:
                    if not self._taken:
                        self._clock.hold()
                        self._given = True

        return run

    def take(self) -> None:
        with self._lock:
            self._taken = True
            if self._given:
                self._clock.release()


class _BusyThread(threading.Thread):
    """A thread of the interpreter: busy from the moment it is started (its starter holds the clock
    until it runs, so no simulated time slips while the OS starts it) to its end."""

    _twin_clock: SimClock

    def start(self) -> None:
        self._twin_clock = get_clock()
        self._twin_clock.hold()
        try:
            super().start()
        except BaseException:
            self._twin_clock.release()
            raise

    def run(self) -> None:
        clock = self._twin_clock
        with clock.busy():
            clock.release()
            super().run()


class _IdleCondition(threading.Condition):
    def wait(self, timeout: float | None = None) -> bool:
        with get_clock().idle():
            return super().wait(timeout)


def _patch_idle_waits(proxy: types.ModuleType) -> None:
    """The interpreter's threads are busy (twin compute runs the clock at real speed, SimClock.busy);
    every place where one waits for another thread must be idle, or the whole clock would crawl at
    real speed through a Map's children, a Parallel's branches or a callback's wait."""
    import time as real_time

    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration import (
        inline_iteration_component as iic_mod,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration import job as job_mod
    from moto.stepfunctions.parser.asl.component.state.exec.state_parallel import branches_decl as bd_mod
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_callback as cb_task_mod,
    )
    from moto.stepfunctions.parser.asl.eval import count_down_latch as cdl_mod
    from moto.stepfunctions.parser.backend import execution_worker as ew_mod

    job_mod.threading = proxy  # JobPool.await_jobs: a Map waits for its iterations
    bd_mod.threading = proxy  # a Parallel waits for its branches
    latch = types.ModuleType("threading_idle")
    latch.__dict__.update(threading.__dict__)
    latch.Condition = _IdleCondition
    cdl_mod.threading = latch

    def idle_sleep(seconds: float) -> None:  # .sync / waitForTaskToken: the state's thread polls
        with get_clock().idle():
            real_time.sleep(seconds)

    sleeper = types.ModuleType("time_idle")
    sleeper.__dict__.update(real_time.__dict__)
    sleeper.sleep = idle_sleep
    cb_task_mod.time = sleeper
    workers = types.ModuleType("threading_busy")
    workers.__dict__.update(threading.__dict__)
    workers.Thread = _BusyThread
    iic_mod.threading = workers  # a Map's iteration workers (inline and distributed): their bookkeeping
    ew_mod.Thread = _BusyThread  # an execution's start and end (its program waits idle)


# Called on every state entered: (execution ARN, state name, state input, simulated time).
state_listeners: list[Callable[[str, str, Any, float], None]] = []


def _fail_if_history_full(env: Any) -> None:
    """SF-5 (see :func:`_patch_history_limit`): between two states, where the interpreter is consistent."""
    manager = env.event_manager
    root = getattr(manager, "_twin_env", None)
    if (
        not getattr(manager, "_twin_history_full", False)
        or root is None
        or getattr(manager, "_twin_failed", False)
    ):
        return
    from moto.stepfunctions.parser.api import ExecutionFailedEventDetails

    manager._twin_failed = True
    root.set_error(
        ExecutionFailedEventDetails(
            error="States.Runtime",
            cause=f"The execution history reached {get_settings().history_limit} events, the Step Functions quota "
            "(SF-5): split the work into child executions",
        )
    )


def _patch_accounting() -> None:
    from moto.stepfunctions.parser.asl.component.common.retry.retry_outcome import RetryOutcome
    from moto.stepfunctions.parser.asl.component.state.exec.execute_state import ExecutionState
    from moto.stepfunctions.parser.asl.component.state.state import CommonStateField

    original_eval_body = CommonStateField._eval_body
    original_handle_retry = ExecutionState._handle_retry

    def _eval_body(self: Any, env: Any) -> None:
        token = _machine_credentials.set(_credentials_of(env))
        try:
            _eval_state(self, env)
        finally:
            _machine_credentials.reset(token)

    def _eval_state(self: Any, env: Any) -> None:
        _count_transition(env)
        if state_listeners:
            try:
                inp = env.states.get_input()
            except Exception:  # the listener is a report aid; never break an execution for it
                inp = None
            for listener in list(state_listeners):
                listener(_execution_arn(env), str(self.name), inp, get_clock().now())
        # The interpreter's own work on a state is twin compute, not AWS time: its thread is busy
        # (_program_eval) and only its waits are idle (_patch_idle_waits).
        original_eval_body(self, env)
        _fail_if_history_full(env)

    def _handle_retry(self: Any, env: Any, failure_event: Any) -> Any:
        outcome = original_handle_retry(self, env, failure_event)
        if outcome == RetryOutcome.CanRetry:
            _count_transition(env)
        return outcome

    CommonStateField._eval_body = _eval_body
    ExecutionState._handle_retry = _handle_retry


_ended: dict[str, float] = {}  # execution ARN -> simulated second it ended


def ended_at(execution_arn: str) -> float | None:
    """The simulated second the execution ended (its last state done), or None while it runs."""
    with _acct_lock:
        return _ended.get(execution_arn)


def _patch_execution_end() -> None:
    """Record when an execution ends on the simulated clock (moto stamps ``stopDate`` in real time)."""
    from moto.stepfunctions.parser.backend.execution import BaseExecutionWorkerCommunication as comm

    original = comm._reflect_execution_status

    def _reflect_execution_status(self: Any) -> None:
        now = get_clock().now()
        with _acct_lock:
            _ended.setdefault(self.execution.exec_arn, now)
        original(self)

    comm._reflect_execution_status = _reflect_execution_status


def _patch_execution_names() -> None:
    """Unnamed executions get a UUID name, as in AWS.

    moto 5.2.5's parser backend builds the ARN from ``name`` as given: ``StartExecution`` without a
    name yields ``…:execution:SM:None`` and EventBridge targets pass ``name=""``, so the second
    unnamed execution of a state machine is taken for the first (same input, still running) or
    fails with ``ExecutionAlreadyExists``.
    """
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    original = StepFunctionsParserBackend.start_execution

    def start_execution(
        self: Any,
        state_machine_arn: str,
        name: str | None = None,
        execution_input: str | None = None,
        trace_header: str | None = None,
    ) -> Any:
        # moto annotates both as str, yet passes None when the request has no input or trace header
        return original(self, state_machine_arn, name or str(uuid.uuid4()), execution_input, trace_header)  # type: ignore[arg-type]

    StepFunctionsParserBackend.start_execution = start_execution


# --------------------------------------------------------------------------------------------------
# Distributed Map: child executions (SF-5)

_history_lock = threading.Lock()
_history_events: dict[str, int] = {}  # execution (a map run's child too) -> events in its history


def history_events() -> dict[str, int]:
    """Events in each execution's history (children of Distributed Maps each count alone, as on AWS):
    ``<execution ARN>`` for a top-level execution, ``<execution ARN>/<map run>:<index>`` for a child."""
    with _history_lock:
        return dict(_history_events)


def reset_history_events() -> None:
    with _history_lock:
        _history_events.clear()


EXCEED_TOLERATED = "States.ExceedToleratedFailureThreshold"


def _patch_distributed_map() -> None:
    """moto runs a Distributed Map's items with one fresh ``EventManager`` per map run, and a failed item
    only counts as failed (``ToleratedFailure*`` "have no effect"). The twin makes each item a child
    execution as AWS does (SF-5):

    * each child has its own history (its own ``EventManager``) and its own 25,000-event quota; the
      events of every execution are counted (:func:`history_events`);
    * the tolerated failure threshold holds: with ``ToleratedFailureCount``/``Percentage`` 0 (the
      default), one failed child fails the map run with ``States.ExceedToleratedFailureThreshold`` and
      the children still running are stopped (a Lambda invocation in flight ends on its own, as on AWS).
    """
    from moto.stepfunctions.parser.api import ExecutionFailedEventDetails, HistoryEventType
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.itemprocessor import (
        distributed_item_processor_worker as dw,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
    from moto.stepfunctions.parser.asl.eval.event.event_manager import EventManager
    from moto.stepfunctions.parser.asl.eval.program_state import ProgramError

    original = dw.DistributedItemProcessorWorker._eval_job
    running: dict[int, set[Any]] = defaultdict(set)  # id(job pool) -> frames of its children still running
    _patch_child_listing()

    def _eval_job(self: Any, env: Any, job: Any) -> None:
        pool = id(self._job_pool)
        parent_manager = env.event_manager
        child = EventManager()
        child._twin_env = env  # SF-5 per child: _fail_if_history_full fails this child, not the parent
        env.event_manager = child
        name = f"{_execution_arn(env)}/{self._map_run_record.map_run_arn.rsplit(':', 1)[-1]}:{job.job_index}"
        map_run = self._map_run_record.map_run_arn
        child_arn = map_run.replace(":mapRun:", ":execution:", 1) + f"-{job.job_index}"
        with _history_lock:
            running[pool].add(env)
            _children.setdefault(map_run, []).append(child_arn)
            _child_of[child_arn] = (child, env)
        outer = getattr(_current, "child", None)
        _current.child = child_arn
        try:
            original(self, env, job)
        finally:
            _current.child = outer
            env.event_manager = parent_manager
            with _history_lock:
                running[pool].discard(env)
                _history_events[name] = max(_history_events.get(name, 0), len(child.get_event_history()))
        state = env.program_state()
        if not isinstance(state, ProgramError) or _tolerates_failures(self._map_run_record):
            return
        err = state.error or {}
        cause = (
            f"The specified tolerated failure threshold was exceeded: item {job.job_index} failed "
            f"({err.get('error', '')})"
        )
        job.job_output = FailureEventException(
            FailureEvent(
                env=env,
                error_name=StatesErrorName(typ=StatesErrorNameType.StatesExceedToleratedFailureThreshold),
                event_type=HistoryEventType.MapRunFailed,
                # moto's EventDetails is a total TypedDict of every detail kind; an event holds one
                event_details=EventDetails(  # type: ignore[typeddict-item]
                    executionFailedEventDetails=ExecutionFailedEventDetails(
                        error=EXCEED_TOLERATED, cause=cause
                    )
                ),
            )
        )
        with _history_lock:
            siblings = list(running[pool])
        now = sim_datetime()
        for frame in siblings:  # the map run failed: AWS stops its running children
            frame.set_stop(stop_date=now, cause="the map run failed", error=EXCEED_TOLERATED)

    dw.DistributedItemProcessorWorker._eval_job = _eval_job


_children: dict[str, list[str]] = {}  # map run ARN -> its child executions' ARNs
_child_of: dict[str, tuple[Any, Any]] = {}  # child execution ARN -> (its EventManager, its frame)
_child_map_runs: dict[str, list[Any]] = {}  # child execution ARN -> the map runs it started (records)
_current = threading.local()  # the child execution this thread is running, if any


def _patch_child_listing() -> None:
    """The children are listed as on AWS (what ``profile-migrator watch`` follows): ``ListMapRuns`` of an
    execution (a child too) names its own map runs, ``ListExecutions --map-run-arn`` a map run's children,
    ``GetExecutionHistory`` of a child its own history."""
    from moto.stepfunctions.parser.api import GetExecutionHistoryOutput
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration import (
        distributed_iteration_component as dic,
    )
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend
    from moto.stepfunctions.responses import StepFunctionResponse

    original_body = dic.DistributedIterationComponent._eval_body

    def _eval_body(self: Any, env: Any) -> None:
        record = env.stack[-1].map_run_record
        child = getattr(_current, "child", None)
        if child is not None:
            with _history_lock:
                _child_map_runs.setdefault(child, []).append(record)
        original_body(self, env)

    original_list_map_runs = StepFunctionsParserBackend.list_map_runs
    original_history = StepFunctionsParserBackend.get_execution_history
    original_list_executions = StepFunctionResponse.list_executions

    def list_map_runs(self: Any, execution_arn: str) -> dict[str, Any]:
        with _history_lock:
            if execution_arn in _child_of:
                return {"mapRuns": [r.list_item() for r in _child_map_runs.get(execution_arn, [])]}
            nested = {r.map_run_arn for rs in _child_map_runs.values() for r in rs}
        runs = original_list_map_runs(self, execution_arn)
        return {"mapRuns": [r for r in runs["mapRuns"] if r["mapRunArn"] not in nested]}

    def get_execution_history(self: Any, execution_arn: str) -> Any:
        with _history_lock:
            child = _child_of.get(execution_arn)
        if child is None:
            return original_history(self, execution_arn)
        return GetExecutionHistoryOutput(events=child[0].get_event_history())

    def list_executions(self: Any) -> Any:
        from moto.core.responses import ActionResult

        map_run = self._get_param("mapRunArn")
        if not map_run:
            return original_list_executions(self)
        with _history_lock:
            arns = list(_children.get(map_run, []))
            frames = {a: _child_of[a][1] for a in arns}
        return ActionResult(
            {
                "executions": [
                    {
                        "executionArn": a,
                        "name": a.rsplit(":", 1)[-1],
                        "mapRunArn": map_run,
                        "startDate": sim_datetime(),
                        "status": "RUNNING" if frames[a].is_running() else "SUCCEEDED",
                    }
                    for a in arns
                ]
            }
        )

    dic.DistributedIterationComponent._eval_body = _eval_body
    StepFunctionsParserBackend.list_map_runs = list_map_runs
    StepFunctionsParserBackend.get_execution_history = get_execution_history
    StepFunctionResponse.list_executions = list_executions


def _tolerates_failures(record: Any) -> bool:
    """Whether the map run tolerates a failed child. The project never sets a threshold above 0; moto does
    not keep the declared one on the record, so any declared threshold is read as 0 (AWS's default)."""
    return False

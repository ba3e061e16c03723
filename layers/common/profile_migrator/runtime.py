"""What the state machine's functions do — the domain behind the thin handlers in ``functions/``.

Light on purpose (every step function imports it): the planner, the estate model and discovery are
:mod:`.preflight`'s; the DNS probe is :mod:`.probe`.

Events are parsed into the models of :mod:`.models`; AWS is reached only through :mod:`.aws` and
:mod:`.actions`. The run's records (the run table, the run's documents, approval tokens) are :mod:`.runs`'s,
re-exported here; the approval-request function loads them without this module. A function that acts in another account assumes the role the input names (CP-9).
"""

from __future__ import annotations

import contextvars
import math
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from . import actions, pause, workflow
from .arns import partition
from .aws import functions as fn_adapter
from .aws import objects, store
from .aws.session import Account, assume_role, default_account, stack_region
from .models import (
    CompensateEvent,
    Ctx,
    GateConfig,
    GateEvent,
    LockEvent,
    OutcomeEvent,
    PollConfig,
    PollEvent,
    RunRef,
    StepEvent,
    role_problem,
)
from .ports import ChangePoller, ConditionFailed, ExecutionStatus, ProbeInvoker, RunStore
from .runs import RunMissing, _tool, ctx_of, load_doc, run_bucket, table_name, with_ctx
from .runs import _docs as _docs
from .runs import load_ctx as load_ctx
from .runs import request_approval as request_approval
from .vocabulary import StepDoc, step_doc


class Locked(Exception):
    """Another running execution is migrating one of these endpoints."""


class PollTimeout(Exception):
    """An asynchronous change did not settle in time."""


class GateFailed(Exception):
    """A probe gate did not pass in time: some VPC did not resolve privately."""


def _home(region: str) -> Account:
    """The function's own credentials in the estate's Region (``region``): STS, probe invocations."""
    return default_account(region)


class RoleRefused(Exception):
    """An account's role must not be assumed (another account's, another partition's, not the member
    role): refused before any AWS call."""


def member_role_name() -> str:
    """The role name the stack's member roles have (``MemberRoleName``); empty: not configured."""
    return os.environ.get("MEMBER_ROLE_NAME", "").strip()


def check_roles(ctx: Ctx) -> None:
    """Refuse a role of another account, partition or name than the stack's member role (confused deputy)."""
    for alias, acct in ctx.accounts.items():
        problem = role_problem(alias, acct, ctx.region, member_role_name())
        if problem:
            raise RoleRefused(problem)


def member_role_arn(account_id: str, region: str) -> str:
    """The member role (member.yaml, ``MEMBER_ROLE_NAME``) of an account, in the Region's partition."""
    return f"arn:{partition(region)}:iam::{account_id}:role/{member_role_name() or 'profile-migrator-member'}"


def accounts_for(ctx: Ctx) -> dict[str, Account]:
    """One :class:`Account` per alias, always through a role (CP-9): the one the input names, else the
    account's member role -- the central account's too (the functions' own roles hold no estate rights)."""
    check_roles(ctx)
    home = _home(ctx.region)
    return {
        alias: assume_role(home, acct.role_arn or member_role_arn(acct.id, ctx.region), "profile-migrator")
        for alias, acct in ctx.accounts.items()
    }


def action_context(ctx: Ctx) -> actions.Context:
    return actions.Context(
        region=ctx.region,
        accounts=accounts_for(ctx),
        vpcs=dict(ctx.ids.vpcs),
        endpoints=dict(ctx.ids.endpoints),
        zones=dict(ctx.ids.zones),
        profiles=dict(ctx.ids.profiles),
        account_ids={a: v.id for a, v in ctx.accounts.items()},
        endpoint_accounts=dict(ctx.ids.endpoint_accounts),
    )


def store_run(execution: str, docs: dict[str, Any]) -> tuple[RunRef, dict[str, int]]:
    """Write the run's documents under ``runs/<execution>/``; the reference and each document's size."""
    bucket = run_bucket()
    if not bucket:
        raise RunMissing("RUN_BUCKET is not set: the stack's run bucket is missing")
    prefix = f"runs/{execution}/"
    sizes = {name: objects.put_json(_tool(), bucket, prefix + name, doc) for name, doc in docs.items()}
    return RunRef(bucket=bucket, prefix=prefix, region=stack_region()), sizes


# -- Steps and polling -------------------------------------------------------------------------------------


def run_step(ev: StepEvent, allowed: frozenset[str], budget: Budget | None = None) -> dict[str, Any]:
    """Perform one step (idempotent), record it in the audit trail, then wait for its changes in this
    invocation while that is cheaper than a Wait state (:func:`settle`)."""
    if ev.step.get("action") not in allowed:
        raise actions.ActionError(f"this function does not perform {ev.step.get('action')!r}")
    step = step_doc(ev.step)
    ctx = ctx_of(ev)
    actx = action_context(ctx)
    saved: dict[str, Any] = dict(step.get("saved") or {})
    rec: dict[str, Any] | None = None
    if ev.mode != "undo":  # the audit trail: what a rollback undoes, what a person restores by hand
        # Written before the AWS call: a step stopped in flight (another lane failed, the run was aborted)
        # is undone too — every inverse is idempotent ("already gone" is success).
        rec = _audit_intent(ev.execution, step, ev.mode)
    called_at = pause.now()
    waits = actions.perform(actx, step, saved)
    if rec is not None:
        # The changes it started, right after the AWS call (AS-5): a later execution taking over this one's
        # locks waits for them to settle before it discovers the estate (:func:`changes_in_flight`).
        rec.update(saved=saved, status="done", waits=waits, called_at=called_at)
        store.put_json(_tool(), table_name(), f"run#{ev.execution}", _audit_key(step), rec)
    res: dict[str, Any] = {
        "index": step.get("index"),
        "action": step.get("action"),
        "label": workflow.step_label(step),
        "waits": waits,
        "state": "settled",
        "polls": 0,
        "interval": 0,
        "elapsed": 0.0,
        "called_at": called_at,
    }
    if waits and step.get("wait") is False:  # a change no watched VPC sees (workflow.phases)
        res["unwaited"] = True
    elif waits:
        if ev.mode == "forward" and step.get("gate"):
            res["gate"] = list(step.get("gate") or [])  # the VPCs to probe while it settles (Observer)
            if step.get("endpoint"):
                res["endpoint"] = step.get("endpoint")
        observer = Observer.of(ctx, res, ev.config.gate) if res.get("gate") else None
        settle(actx, res, ev.config.poll, ev.mode, budget or Budget.unlimited(), observer)
        if rec is not None and res["state"] == "settled":
            rec["settled"] = True  # nothing left for a take-over to wait for
            store.put_json(_tool(), table_name(), f"run#{ev.execution}", _audit_key(step), rec)
    return res


# -- In-task polling (issue 11) ----------------------------------------------------------------------------
# A poll through the state machine costs three transitions (Settled -> PollWait -> PollStatus) and an
# invocation; a second of sleep inside a function costs its memory's GB-second. A step sleeps in its own
# invocation when the sleep is shorter than the break-even (18 s at 256 MB), else it returns ``pending``
# with the interval for one Wait state. Prices: SF-5 (Standard transitions) and Lambda's on-demand price.
TRANSITION_USD = 0.000025
LAMBDA_GB_SECOND_USD = 0.0000166667
WAIT_LOOP_TRANSITIONS = 3
# Kept free at the end of an invocation for the last poll and the return (the functions' Timeout is 60 s).
TIMEOUT_MARGIN_SECONDS = 8.0


@dataclass(frozen=True)
class Budget:
    """How long this invocation may still run (``remaining()`` seconds) and its memory (for the price of a
    second). From the Lambda context; on the twin both are the simulated clock's."""

    remaining: Callable[[], float]
    memory_mb: int = 256

    @classmethod
    def of(cls, context: Any) -> Budget:
        return cls(
            remaining=lambda: context.get_remaining_time_in_millis() / 1000.0,
            memory_mb=int(getattr(context, "memory_limit_in_mb", 256) or 256),
        )

    @classmethod
    def unlimited(cls) -> Budget:
        """No sleeping in-task (a caller without a context: every wait goes back to the state machine)."""
        return cls(remaining=lambda: 0.0)

    def in_task_limit(self) -> float:
        """The longest sleep cheaper in the function than in a Wait state loop."""
        return WAIT_LOOP_TRANSITIONS * TRANSITION_USD / (self.memory_mb / 1024 * LAMBDA_GB_SECOND_USD)


def expected_seconds(waits: list[dict[str, Any]], cfg: PollConfig) -> float:
    """How long the slowest of these changes usually takes (``poll.expected_seconds``; 0: unknown)."""
    return max(
        (float(cfg.expected_seconds.get(str(w["kind"]).removesuffix("-gone"), 0)) for w in waits), default=0.0
    )


def next_interval(elapsed: float, expected: float, cfg: PollConfig) -> int:
    """When to poll next: at the expected duration first, then every ``initial_seconds``; past twice the
    expected duration (a change that overruns) the interval grows to ``max_seconds``. A Wait state's
    SecondsPath takes an integer: whole seconds, at least one."""
    short = float(cfg.initial_seconds)
    if expected and elapsed < expected:
        return max(1, math.ceil(expected - elapsed))
    late = elapsed - 2 * max(expected, short)
    if late <= 0:
        return max(1, int(short))
    return max(1, int(min(cfg.max_seconds, short + late / 2)))


def settle(
    actx: actions.Context,
    res: dict[str, Any],
    cfg: PollConfig,
    mode: str,
    budget: Budget,
    observer: Observer | None = None,
) -> None:
    """Poll ``res["waits"]`` now, then in this invocation while the next sleep is short and the function
    has time; leave ``res`` settled, or pending with the ``interval`` its Wait state waits before the next
    poll. A change that ended FAILED (AS-1) fails the step at once, in AWS's words; past the timeout the
    step fails (forward, cleanup) or is left to the final proof gate (undo: the probes decide).
    With an ``observer`` the step's gated VPCs are probed from shortly before the change is expected to
    settle (:meth:`Observer.window`), so the wave's gate finds most of its streak already counted."""
    expected = expected_seconds(res["waits"], cfg)
    called_at = float(res.get("called_at") or pause.now())
    window = observer.window(expected) if observer is not None else None
    while True:
        elapsed_now = pause.now() - called_at
        if observer is not None and window is not None and elapsed_now > 2 * expected - window:
            # The change runs late: stop probing (its cost grows with the delay); the gate counts alone.
            observer, window = None, None
            res.pop("probe", None)
        state = actions.poll_all(actx, res["waits"])
        res["elapsed"] = round(max(float(res.get("elapsed", 0)), pause.now() - called_at), 3)
        res["polls"] = int(res.get("polls", 0)) + 1
        res["state"] = state
        _raise_if_failed(actx, res)
        if state == "settled":
            res["interval"] = 0
            return
        elapsed = float(res["elapsed"])
        if elapsed >= cfg.timeout_seconds:
            if mode == "undo":
                res.update(state="settled", timed_out=True)
                return
            waiting = ", ".join(f"{w['kind']} {w.get('id', '')}".strip() for w in res["waits"])
            raise PollTimeout(
                f"{res.get('label', 'a step')}: {waiting} still pending after {elapsed:.0f} s "
                f"(poll.timeout_seconds {cfg.timeout_seconds:.0f})"
            )
        if observer is not None and window is not None and elapsed_now >= window:
            observer.observe(res)  # still pending: the answers lead up to the settle a later poll sees
        interval = next_interval(elapsed, expected, cfg)
        if observer is not None and window is not None:
            # Land on the window's start, then probe every gate interval in it.
            step_to = observer.interval if elapsed >= window else math.ceil(window - elapsed)
            interval = max(1, min(interval, step_to))
        res["interval"] = interval
        if interval > budget.in_task_limit() or budget.remaining() - interval < TIMEOUT_MARGIN_SECONDS:
            return  # the state machine waits (PollWait), then the status function polls again
        pause.sleep(interval)


def _audit_key(step: StepDoc) -> str:
    return f"step#{int(step['index']):05d}#{step['action']}"


def _audit_intent(execution: str, step: StepDoc, mode: str) -> dict[str, Any]:
    """The step's audit record, written before its AWS call; ``at`` (when it first started) orders the undo
    across lanes and survives retries and redrives (SF-2)."""
    home = _tool()
    pk, sk = f"run#{execution}", _audit_key(step)
    old = store.get_json(home, table_name(), pk, sk)
    # ``attempt_at`` (this attempt, on the clock polls use): how long its function may still be calling AWS.
    rec = {
        **step,
        "saved": {},
        "mode": mode,
        "status": "started",
        "at": time.time(),
        "attempt_at": pause.now(),
    }
    if old is not None:
        rec["at"] = old.get("at", rec["at"])
        rec["saved"] = old.get("saved", {})
    store.put_json(home, table_name(), pk, sk, rec)
    return rec


def _raise_if_failed(actx: actions.Context, res: dict[str, Any]) -> None:
    if res["state"] == "failed":
        reasons = actions.failure_reasons(actx, res["waits"]) or ["an asynchronous change ended FAILED"]
        raise actions.ChangeFailed(f"{res.get('label', 'a step')}: {'; '.join(reasons)}")


def poll_step(ev: PollEvent, budget: Budget | None = None) -> dict[str, Any]:
    """After a Wait state of ``result.interval`` seconds: poll the step's waits again (:func:`settle`)."""
    res = dict(ev.result)
    if not res.get("called_at"):  # a result of an older shape: count the Wait state's seconds
        res["elapsed"] = float(res.get("elapsed", 0)) + float(res.get("interval", 0))
    ctx = ctx_of(ev)
    observer = Observer.of(ctx, res, ev.config.gate) if res.get("gate") and ev.mode == "forward" else None
    settle(action_context(ctx), res, ev.config.poll, ev.mode, budget or Budget.unlimited(), observer)
    return res


# -- Probe gates -------------------------------------------------------------------------------------------


def gate_check(
    ev: GateEvent, probes: ProbeInvoker | None = None, budget: Budget | None = None
) -> dict[str, Any]:
    """Invoke the probe of each gated VPC (``gate.concurrency`` at a time), again every ``interval_seconds``
    in this invocation while it has time (:class:`Budget`); pass when every (VPC, name) watched there has
    answered privately ``consecutive`` times in a row. Out of time, the state so far goes back to the
    state machine (``pending``), whose Wait state calls again with it."""
    cfg = ev.config.gate
    ctx = ctx_of(ev)
    budget = budget or Budget.unlimited()
    state = dict(ev.state)
    checks = int(state.get("checks", 0))
    # First check: what the wave's steps counted while their changes settled (Observer); then our own.
    seeded = seeded_streaks(ev.observed, cfg) if not checks and ev.mode == "forward" else {}
    streaks: dict[str, int] = dict(state.get("streaks", seeded))
    own = int(state.get("own", 0))
    elapsed = float(state.get("elapsed", 0)) + (cfg.interval_seconds if checks else 0)
    watched = _gate_names(ctx, ev.steps)
    gated = _gated(ctx, ev.vpcs, ev.steps)
    needed = [f"{v}|{n}" for v in ev.vpcs for n in watched(v) if v in ctx.probes]
    invoker = probes or fn_adapter.LambdaProbes(_home(ctx.region))
    timeout = cfg.proof_timeout_seconds if ev.mode == "undo" else cfg.timeout_seconds
    while True:
        last = _count(gated, probe_vpcs(invoker, gated, cfg.concurrency), streaks)
        checks += 1
        own += 1
        passed = own >= cfg.settled_answers and all(streaks.get(k, 0) >= cfg.consecutive for k in needed)
        out = {
            "checks": checks,
            "own": own,
            "elapsed": elapsed,
            "streaks": streaks,
            "last": last,
            "status": "passed" if passed else "pending",
        }
        if seeded:
            out["seeded"] = len(seeded)
        if passed:
            return out
        if elapsed >= timeout:
            bad = ", ".join(f"{k.replace('|', ' ')} answered {v}" for k, v in last.items() if v != "private")
            after = "; ".join(workflow.step_label(s) for s in ev.steps)
            where = f"probe gate after {after}" if after else "probe gate of the rollback's proof"
            raise GateFailed(
                f"{where}: {', '.join(ev.vpcs)} did not resolve privately {cfg.consecutive} times in a "
                f"row within {elapsed:.0f} s; last answers not private: {bad or 'none'}"
            )
        if (
            cfg.interval_seconds > budget.in_task_limit()
            or budget.remaining() - cfg.interval_seconds < TIMEOUT_MARGIN_SECONDS
        ):
            return out  # the state machine waits (GateWait) and calls again with this state
        pause.sleep(cfg.interval_seconds)
        elapsed += cfg.interval_seconds


def _gate_names(ctx: Ctx, steps: list[dict[str, Any]]) -> Any:
    """VPC -> the names its gate proves: the names of the wave's endpoints when every step is one
    endpoint's (its lane changes no other name; keeps the gate's state small on 1,000 VPCs x 50 names),
    else every name watched there (a VPC joining the Profile, the rollback's proof)."""
    dns_of = ctx.dns_names
    names = {dns_of.get(str(s.get("endpoint")), "") for s in steps}
    if not steps or "" in names:
        return lambda vpc: ctx.watched.get(vpc, [])
    return lambda vpc: [n for n in ctx.watched.get(vpc, []) if n in names]


@dataclass(frozen=True)
class _GatedVpc:
    vpc: str
    names: list[str]
    probe_arn: str
    expected: dict[str, list[str]]


def probe_vpcs(probes: ProbeInvoker, gated: list[_GatedVpc], concurrency: int) -> dict[str, dict[str, Any]]:
    """VPC -> the answers of its probe, invoking at most ``concurrency`` probes at once (a gate over
    1,000 VPCs takes seconds, not minutes). A probe that errors or cannot be invoked answers
    ``probe-error:<type>`` for each of its names: a failed check for that VPC, never a pass."""

    def one(g: _GatedVpc) -> dict[str, Any]:
        try:
            answers = probes.invoke(g.probe_arn, {"names": g.names, "expected": g.expected})["answers"]
            if not isinstance(answers, dict):
                raise TypeError(f"probe answers are a {type(answers).__name__}, not an object")
            return answers
        except Exception as exc:  # a probe that cannot run counts as a failed answer
            return {n: {"class": f"probe-error:{type(exc).__name__}"} for n in g.names}

    if not gated:
        return {}
    workers = max(1, min(concurrency, len(gated)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="probe") as pool:
        # Each invocation runs in a copy of this context (what Powertools and the tracer keep there).
        futures = {g.vpc: pool.submit(contextvars.copy_context().run, one, g) for g in gated}
        return {vpc: f.result() for vpc, f in futures.items()}


def _count(
    gated: list[_GatedVpc], answers_of: dict[str, dict[str, Any]], streaks: dict[str, int]
) -> dict[str, str]:
    """Add one round of answers to the streaks of consecutive private answers per (VPC, name); the
    classes answered, by key."""
    last: dict[str, str] = {}
    for g in gated:  # the streaks stay per (VPC, name), whatever order the probes answered in
        answers = answers_of.get(g.vpc, {})
        for n in g.names:
            cls = str(answers.get(n, {}).get("class", "missing"))
            key = f"{g.vpc}|{n}"
            last[key] = cls
            streaks[key] = streaks.get(key, 0) + 1 if cls == "private" else 0
    return last


def _gated(ctx: Ctx, vpcs: list[str], steps: list[dict[str, Any]]) -> list[_GatedVpc]:
    watched = _gate_names(ctx, steps)
    return [
        _GatedVpc(vpc, names, arn, {n: ctx.private_ips.get(n, []) for n in names})
        for vpc in vpcs
        if (names := watched(vpc)) and (arn := ctx.probes.get(vpc))
    ]


class Observer:
    """The gate overlapping the change it proves (issue 11): while a forward step's change settles, its
    function probes the step's gated VPCs every ``gate.interval_seconds`` (after each poll that still sees
    it pending) from ``consecutive - settled_answers + 1`` intervals before the change is expected to settle
    (:meth:`window`), and hands the streaks to the wave's gate in its result (``res["probe"]``). Every answer counted is taken before the poll that sees the change settled;
    the gate still takes ``gate.settled_answers`` answers itself, after the whole wave settled (AS-5: a
    change is relied on only once observed settled), so a change that breaks an answer is still caught."""

    def __init__(
        self, gated: list[_GatedVpc], cfg: GateConfig, state: dict[str, Any], probes: ProbeInvoker
    ) -> None:
        self.gated, self.cfg, self.probes = gated, cfg, probes
        self.streaks: dict[str, int] = dict(state.get("streaks", {}))
        self.interval = int(cfg.interval_seconds)

    @classmethod
    def of(
        cls, ctx: Ctx, res: dict[str, Any], cfg: GateConfig, probes: ProbeInvoker | None = None
    ) -> Observer | None:
        step = {"endpoint": res.get("endpoint")} if res.get("endpoint") else {}
        gated = _gated(ctx, list(res.get("gate") or []), [step] if step else [{}])
        if not gated or cfg.consecutive <= cfg.settled_answers:
            return None
        return cls(
            gated, cfg, dict(res.get("probe") or {}), probes or fn_adapter.LambdaProbes(_home(ctx.region))
        )

    def window(self, expected: float) -> float | None:
        """Seconds after the call when probing starts (None: no expected duration, nothing to aim at)."""
        if not expected:
            return None
        # One interval more than the rounds the gate may be spared: a round's own seconds (invoking the
        # probes) push the next ones later, and the change may settle a little early.
        lead = (self.cfg.consecutive - self.cfg.settled_answers + 1) * self.interval
        return max(0.0, expected - lead)

    def observe(self, res: dict[str, Any]) -> None:
        _count(self.gated, probe_vpcs(self.probes, self.gated, self.cfg.concurrency), self.streaks)
        res["probe"] = {"streaks": dict(self.streaks), "at": pause.now()}


def seeded_streaks(observed: list[dict[str, Any]], cfg: GateConfig) -> dict[str, int]:
    """The streaks a wave's steps counted while their changes settled, per key from the step that probed
    it last, each at most ``consecutive - settled_answers`` (the gate's own answers make the rest)."""
    latest: dict[str, tuple[float, int]] = {}
    for res in observed:
        probe = res.get("probe") if isinstance(res, dict) else None
        if not isinstance(probe, dict):
            continue
        at = float(probe.get("at", 0))
        for key, n in dict(probe.get("streaks") or {}).items():
            if key not in latest or at > latest[key][0]:
                latest[key] = (at, int(n))
    cap = max(0, cfg.consecutive - cfg.settled_answers)
    return {k: min(n, cap) for k, (_, n) in latest.items() if n > 0}


# -- Locks, compensation, approvals ----------------------------------------------------------------------


def lock(
    ev: LockEvent, runs: RunStore | None = None, executions: ExecutionStatus | None = None
) -> dict[str, Any]:
    """Per-endpoint locks by conditional write; a lock held by an execution that is no longer running
    (aborted, failed) is taken over, so a new execution can converge after an abort."""
    home = _tool()
    runs = runs or store.DynamoRunStore(home, table_name())
    executions = executions or fn_adapter.StepFunctionsExecutions(home)
    taken: list[str] = []
    keys = list(ev.keys) or (list(load_doc(ev.run, "context.json")["lock_keys"]) if ev.run else [])
    for key in keys:
        pk = f"lock#{key}"
        if ev.op == "release":
            runs.delete(pk, "lock", held_by=ev.execution)
            continue
        doc = {"execution": ev.execution, "execution_arn": ev.execution_arn, "at": time.time()}
        try:
            runs.put(pk, "lock", doc, held_by=ev.execution, or_absent=True)
        except ConditionFailed:
            holder = runs.get(pk, "lock") or {}
            status = executions.status(str(holder.get("execution_arn", ""))) if holder else "GONE"
            if status == "RUNNING":
                for k in taken:  # leave nothing half-taken
                    runs.delete(f"lock#{k}", "lock", held_by=ev.execution)
                raise Locked(
                    f"endpoint {key} is being migrated by execution {holder.get('execution')}"
                ) from None
            runs.put(pk, "lock", doc, held_by=str(holder.get("execution", "")))
        taken.append(key)
    return {"op": ev.op, "keys": len(keys)}


# The step functions' Timeout (template.yaml Globals): past it no invocation of a step is still running.
STEP_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class InFlight:
    """What an execution that no longer runs may still have in flight on the endpoints a new one locks:
    ``pending`` changes to wait for, ``stuck`` ones (pending past the poll timeout) to refuse on."""

    pending: list[str]
    stuck: list[str]


class AwsChanges:
    """:class:`.ports.ChangePoller` through :func:`actions.poll_all` with this execution's accounts."""

    def __init__(self, actx: actions.Context) -> None:
        self.actx = actx

    def poll(self, waits: list[dict[str, Any]]) -> str:
        return actions.poll_all(self.actx, waits)


def changes_in_flight(
    lock_keys: list[str],
    execution: str,
    changes: ChangePoller,
    timeout_seconds: float,
    runs: RunStore | None = None,
    executions: ExecutionStatus | None = None,
) -> InFlight:
    """Before a new execution discovers the estate: the changes a previous holder of these locks started
    and nobody saw settle. An aborted execution's last steps may still be running (their functions outlive
    StopExecution) and their changes may still be pending; a disassociation already gone from the listings
    still counts until ``INSYNC`` (AS-5), so a plan made now would rely on a change nobody observed settled.
    A holder still running is left to the lock (``Locked``)."""
    runs = runs or store.DynamoRunStore(_tool(), table_name())
    executions = executions or fn_adapter.StepFunctionsExecutions(_tool())
    pending: list[str] = []
    stuck: list[str] = []
    now = pause.now()
    holders: dict[str, str] = {}
    for key in lock_keys:
        holder = runs.get(f"lock#{key}", "lock") or {}
        name = str(holder.get("execution", ""))
        if name and name != execution:
            holders.setdefault(name, str(holder.get("execution_arn", "")))
    for name, arn in sorted(holders.items()):
        if executions.status(arn) == "RUNNING":
            continue
        for rec in runs.items(f"run#{name}"):
            if "action" not in rec or rec.get("settled"):
                continue
            what = f"step {rec.get('index')} {rec['action']} of execution {name}"
            if rec.get("status") == "started":
                age = now - float(rec.get("attempt_at") or 0)
                if age < STEP_TIMEOUT_SECONDS:  # its function may still be making its AWS call
                    pending.append(f"{what} (started {age:.0f} s ago)")
                continue
            waits = list(rec.get("waits") or [])
            if not waits:
                continue
            ids = ", ".join(f"{w.get('kind')} {w.get('id', '')}".strip() for w in waits)
            try:
                state = changes.poll(waits)
            except actions.ActionError as exc:  # e.g. an account this execution does not name: cannot tell
                stuck.append(f"{what}: {ids} cannot be checked ({exc})")
                continue
            if state != "pending":
                continue
            age = now - float(rec.get("called_at") or now)
            (stuck if age > timeout_seconds else pending).append(f"{what}: {ids} pending for {age:.0f} s")
    return InFlight(pending=pending, stuck=stuck)


def plan_undo(ev: CompensateEvent) -> dict[str, Any]:
    """The inverses of what the audit trail says this execution did, newest first, then the proof. With a
    run reference the undo waves go to the run bucket (``undo.json``, read by the Undo map) and the state
    gets their key."""
    home = _tool()
    records = store.query_json(home, table_name(), f"run#{ev.execution}")
    performed = [r for r in records if "action" in r and "index" in r]
    run_ctx: dict[str, Any] = load_doc(ev.run, "context.json") if ev.run else {}
    watched = list(ev.watched) or list(run_ctx.get("watched", []))
    reason = workflow.failure_text(str(ev.failure.get("Error", "")), str(ev.failure.get("Cause", "")))
    if not reason or str(ev.failure.get("Error", "")).startswith("States."):
        # A lane's failure reaches the parent as the map run's (States.ExceedToleratedFailureThreshold):
        # the words are the ones the lane's outcome function recorded (first failure first).
        reason = _told(records, forward=True) or reason
    undo = workflow.undo_waves(performed, watched, run_ctx.get("functions"))
    undone = sum(len(w["steps"]) for w in undo)
    out: dict[str, Any] = {
        "cause": reason[:MAX_CAUSE],
        "error": ev.failure.get("Error", ""),
        "undone_steps": undone,
        # The RolledBack state's cause (CausePath): why, and what the rollback proved.
        "rolled_back": f"{reason}; rolled back: {undone} change(s) undone, and the probes prove "
        f"every watched VPC resolves as at the start"[:MAX_CAUSE],
    }
    if ev.run is not None:
        objects.put_json(home, ev.run.bucket, ev.run.prefix + "undo.json", undo)
        out["waves_key"] = ev.run.prefix + "undo.json"
        out["waves"] = len(undo)
    else:
        out["waves"] = undo
    return out


# Step Functions' Fail cause is at most 32768 characters; keep it readable well below that.
MAX_CAUSE = 4000


def outcome(ev: OutcomeEvent) -> dict[str, Any]:
    """The words of an outcome: ``explain`` a failed step (forward, undo) as ``{error, cause}`` for the
    Fail state; ``summarize`` a run that passed the point of no return (the cleanup steps left, as
    warnings); ``rollback-failed``: why the run failed and why its rollback did too."""
    if ev.op == "explain":
        error = str(ev.failure.get("Error", "")) or "StepFailed"
        told = {
            "error": error,
            "cause": workflow.explain_step_failure(ev.step, error, str(ev.failure.get("Cause", "")))[
                :MAX_CAUSE
            ],
        }
        if ev.execution:  # the parent reads it when a lane's failure reaches it as the map run's
            _record(
                ev,
                f"failure#{time.time():.6f}#{ev.step.get('index', 0)}",
                {"kind": "failure", "mode": ev.mode, **told},
            )
        return told
    if ev.op == "left":  # a cleanup step left for a person: the summary turns it into a warning
        _record(
            ev,
            f"left#{int(ev.step.get('index', 0)):05d}",
            {"kind": "left", "step": ev.step, "failure": ev.failure},
        )
        return {"index": ev.step.get("index"), "action": ev.step.get("action"), "left": True}
    if ev.op == "summarize":
        ctx = with_ctx(ev).ctx if (ev.ctx is not None or ev.run is not None) else None
        ids = ctx.ids.model_dump() if ctx is not None else {}
        if (
            ev.run is not None
            and ev.execution
            and not (isinstance(ev.cleanup, dict) and "Error" in ev.cleanup)
        ):
            left = [
                r
                for r in store.query_json(_tool(), table_name(), f"run#{ev.execution}")
                if r.get("kind") == "left"
            ]
            return {
                "warnings": [
                    workflow.left_warning(
                        r["step"], str(r["failure"].get("Error", "")), str(r["failure"].get("Cause", "")), ids
                    )
                    for r in sorted(left, key=lambda r: int(r["step"].get("index", 0)))
                ]
            }
        if isinstance(ev.cleanup, dict):  # the Cleanup Map itself failed: {Error, Cause}
            why = workflow.failure_text(str(ev.cleanup.get("Error", "")), str(ev.cleanup.get("Cause", "")))
            return {
                "warnings": [
                    {
                        "code": "CLEANUP_LEFT",
                        "resource": "",
                        "message": f"the cleanup stopped: {why}; every watched VPC already resolves "
                        "through the Profile: delete the parked zone and the parking VPC by hand",
                    }
                ]
            }
        warnings = [
            workflow.left_warning(
                s["step"], str(s["failure"].get("Error", "")), str(s["failure"].get("Cause", "")), ids
            )
            for w in ev.cleanup
            for s in w.get("steps", [])
            if isinstance(s, dict) and s.get("failure")
        ]
        return {"warnings": warnings}
    # rollback-failed: the failure is already in words (explain); the rollback's may not be.
    reason = (
        workflow.failure_text(str(ev.failure.get("Error", "")), str(ev.failure.get("Cause", "")))
        or "the run failed"
    )
    rf = ev.rollback_failure
    why = workflow.failure_text(str(rf.get("Error", "")), str(rf.get("Cause", "")))
    if (
        ev.execution
        and str(rf.get("Error", "")).startswith("States.")
        and (ev.run is not None or ev.ctx is not None)
    ):
        # an undo wave's failure reaches the parent as the map run's: the undo step recorded its words
        why = _told(store.query_json(_tool(), table_name(), f"run#{ev.execution}"), forward=False) or why
    cause = (
        f"{reason}; the rollback failed too: {why}; the estate may be half-way (the audit trail "
        f"run#{ev.execution} in the table lists what was done and saved); the lock is kept until a new "
        f"execution with the same input takes it over"
    )
    return {"error": "RollbackFailed", "cause": cause[:MAX_CAUSE]}


def _told(records: list[dict[str, Any]], *, forward: bool) -> str:
    """The words the outcome function recorded for failed steps and gates (forward ones, or the undo's), in
    the order they failed: what a failure that reached the parent as a map run's failure was."""
    told = sorted(
        (r for r in records if r.get("kind") == "failure" and (r.get("mode") != "undo") == forward),
        key=lambda r: float(r.get("at", 0)),
    )
    return "; ".join(dict.fromkeys(str(r["cause"]) for r in told))


def _record(ev: OutcomeEvent, sk: str, doc: dict[str, Any]) -> None:
    store.put_json(_tool(), table_name(), f"run#{ev.execution}", sk, {**doc, "at": time.time()})

"""``rehearse``: the product's real state machine and handlers, deployed from ``template.yaml`` into the
twin, run on a scenario while the sampler watches every VPC's DNS."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from profile_migrator.planner import plan
from profile_migrator.vocabulary import ACTION_FUNCTIONS, WaitKind, spec

from twin.clock import get_clock
from twin.core import Twin
from twin.deploy import execution_input
from twin.rehearsal import ProgressFn, Result, deploy_armed, finish, start_sampler

# Probe gates and polls of the rehearsal (simulated seconds): what a team would put in the input.
GATE = {"consecutive": 3, "interval_seconds": 2, "timeout_seconds": 120, "proof_timeout_seconds": 900}
POLL = {"initial_seconds": 2, "max_seconds": 30, "timeout_seconds": 900}


# Prices (us-east-1, on demand): Standard transitions (SF-5), Lambda requests and GB-seconds. In-task
# polling is billed as the function's duration: the twin counts a handler's sleeps in simulated seconds.
TRANSITION_USD = 0.025 / 1000
LAMBDA_REQUEST_USD = 0.20 / 1_000_000
LAMBDA_GB_SECOND_USD = 0.0000166667


def cost_of(transitions: int, invocations: int, endpoints: int, pairs: int) -> dict[str, Any]:
    """What the run cost: transitions, Lambda requests and GB-seconds (each handler's duration — work and
    in-task sleeps, ``twin.dispatch.handler_seconds`` — times its memory), in total, per migrated endpoint
    and per watched (VPC, name) pair."""
    from twin.dispatch import handler_seconds

    gb_s = sum(sec * mem / 1024 for sec, mem in handler_seconds().values())
    usd = transitions * TRANSITION_USD + invocations * LAMBDA_REQUEST_USD + gb_s * LAMBDA_GB_SECOND_USD

    def per(n: int) -> dict[str, float]:
        n = max(n, 1)
        return {
            "transitions": round(transitions / n, 2),
            "lambda_invocations": round(invocations / n, 2),
            "usd": round(usd / n, 6),
        }

    return {
        "usd": round(usd, 6),
        "usd_transitions": round(transitions * TRANSITION_USD, 6),
        "usd_lambda": round(invocations * LAMBDA_REQUEST_USD + gb_s * LAMBDA_GB_SECOND_USD, 6),
        "lambda_gb_seconds": round(gb_s, 2),
        "endpoints": endpoints,
        "pairs": pairs,
        "per_endpoint": per(endpoints),
        "per_pair": per(pairs),
    }


def poll_config(scn: Any) -> dict[str, Any]:
    """The rehearsal's polls: :data:`POLL`, with the durations this estate's changes take (the scenario's
    ``twin.durations``) as their expected durations — what a team puts in the input once it has seen its
    account's changes settle (AS-1..AS-3: AWS is silent)."""
    d = scn.twin.durations
    expected = {
        "change": d.phz_change,
        "endpoint": d.endpoint_pending,
        "profile-association": d.profile_association,
        "resource-association": d.resource_association,
    }
    return {**POLL, "expected_seconds": expected}


def _critical_path(scn: Any, waves: list[dict[str, Any]]) -> float:
    """The sum, over waves, of the longest AWS duration a step of the wave waits for (AS-1..AS-3)."""
    d = scn.twin.durations
    per_wait = {
        WaitKind.PROFILE_ASSOCIATION: d.profile_association,
        WaitKind.RESOURCE_ASSOCIATION: d.resource_association,
        # A disassociation stays DELETING as long as an association stays CREATING (AS-1; the twin's
        # route53profiles models.py: one duration per kind for both).
        WaitKind.PROFILE_ASSOCIATION_GONE: d.profile_association,
        WaitKind.RESOURCE_ASSOCIATION_GONE: d.resource_association,
        WaitKind.ENDPOINT: d.endpoint_pending,
        WaitKind.CHANGE: d.phz_change,
    }

    def longest(action: str) -> float:  # the waits of an action's spec (vocabulary.SPECS)
        return max((per_wait.get(k, 0.0) for k in spec(action).waits), default=0.0)

    # A step whose change is not waited for (``wait: false``, workflow.phases) is not on the critical path.
    return sum(
        max((longest(s["action"]) for s in w["steps"] if s.get("wait") is not False), default=0.0)
        for w in waves
    )


class _NoApprover:
    log: list[dict[str, Any]] = []

    def stop(self) -> None:
        return None


def rehearse_state_machine(
    scn: Any,
    progress: ProgressFn | None = None,
    approve: str = "scenario",
    twin: Twin | None = None,
    abort_after_step: int | None = None,
    template: Path | None = None,
    member_template: Path | None = None,
) -> Result:
    """Deploy, run the migration execution to its end, report. ``abort_after_step``: stop the execution
    once that step is done and start a new one with the same input (it must converge). ``template``: a
    copy of template.yaml (``member_template``: of member.yaml) to deploy instead (what a changed template
    would do)."""
    say = progress or (lambda _m: None)
    from twin.asl import ended_at, state_listeners, transitions
    from twin.dispatch import invocations
    from twin.events import EventPlayer, rehearse_events_only
    from twin.faults import api_calls

    if scn.migration is None:  # nothing to migrate: the rehearsal only plays `events`
        return rehearse_events_only(scn, progress, twin=twin)

    own = twin is None
    tw = twin or Twin(scn).start()
    try:
        dep = deploy_armed(tw, template=template, member_template=member_template)
        clock = get_clock()
        _map_crash_faults()
        t_sim0, t_wall0 = clock.now(), time.monotonic()
        sampler = start_sampler(tw).start()
        timeline = StepTimeline(t_sim0, say)
        state_listeners.append(timeline)
        # Approvals go the real way: request function -> Slack stand-in -> signed callback (twin.approver).
        approver: Any = _NoApprover()
        if scn.migration.approvals != "none":
            from twin.approver import approver_for

            approver = approver_for(approve, tw, dep, scn.twin.approver.answer, scn.twin.approver.at).start()
        player = EventPlayer(tw, dep, t0=t_sim0, say=say).start() if scn.events else None
        sfn = tw.accounts()[dep.account].client("stepfunctions")
        inp = json.dumps(execution_input(tw, dep, GATE, poll_config(scn)))
        executions: list[str] = []
        t_start = clock.now()
        try:
            while True:
                name = f"profile-migrator-{uuid.uuid4().hex[:12]}"
                with clock.busy():
                    arn = sfn.start_execution(stateMachineArn=dep.state_machine_arn, name=name, input=inp)[
                        "executionArn"
                    ]
                executions.append(arn)
                say(f"execution {name} started")
                aborted = threading.Event()
                if abort_after_step is not None and len(executions) == 1:

                    def stop(a: str = arn, flag: threading.Event = aborted) -> None:
                        flag.set()
                        sfn.stop_execution(
                            executionArn=a, error="Aborted", cause="rehearsal: abort after a step"
                        )

                    timeline.abort_at = (arn, abort_after_step, stop)
                desc = _follow(sfn, arn)
                # moto may report a stopped execution FAILED rather than ABORTED: we know we stopped it.
                if aborted.is_set() and desc["status"] != "SUCCEEDED" and len(executions) == 1:
                    say(
                        f"execution {name} aborted after step {abort_after_step}; starting a new one, same input"
                    )
                    continue
                break
        finally:
            approver.stop()
            state_listeners.remove(timeline)
            if player is not None:
                player.wait()  # every event delivered, every onboarding execution ended
                player.stop()
        # The migration ran from its first StartExecution to its last execution's end (not to the moment
        # this harness, polling DescribeExecution, noticed it).
        t_end = ended_at(executions[-1]) or clock.now()
        clock.sleep(3)  # a few more samples after the end
        status, problems, error = _outcome(desc)
        arch = plan(scn).architecture
        result = Result(
            status, arch, problems=problems, procedure="converge", error=error, warnings=_warnings(desc)
        )
        result.state_transitions = sum(transitions(a) for a in executions)
        result.lambda_invocations = sum(invocations().values())
        result.approvals = approver.log
        result.steps = timeline.steps
        if status == "SUCCEEDED":
            result.aws_wait_seconds = _critical_path(scn, _waves_of(scn))
        result.executions = executions
        if player is not None:
            result.onboarded = player.results()
            result.state_transitions += sum(transitions(a) for a in player.executions())
        finish(tw, result, sampler, t_sim0, t_wall0, span=(t_start, t_end))
        result.api_calls = dict(api_calls())
        result.cost = cost_of(
            result.state_transitions,
            result.lambda_invocations,
            len(scn.migration.endpoints),
            len(result.resolution),
        )
        return result
    finally:
        if own:
            tw.stop()


def _waves_of(scn: Any) -> list[dict[str, Any]]:
    from profile_migrator.workflow import waves

    p = plan(scn)
    return waves(p, "none") if p.safe else []


def _map_crash_faults() -> None:
    """``crash`` faults may name a step action (``enable-private-dns``) or the function (``EnablePrivateDns``)."""
    from twin.config import get_settings

    for _i, f in get_settings().faults_of("crash"):
        fn = ACTION_FUNCTIONS.get(str(f.get("function")))
        if fn is not None:
            f["function_name"] = fn


def _follow(sfn: Any, arn: str) -> dict[str, Any]:
    from twin.faults import harness_calls

    while True:
        with harness_calls():
            desc = sfn.describe_execution(executionArn=arn)
        if desc["status"] != "RUNNING":
            return dict(desc)
        time.sleep(0.02)


def _warnings(desc: dict[str, Any]) -> list[dict[str, str]]:
    """The execution output's ``warnings``: what a run that passed the point of no return left."""
    try:
        out = json.loads(desc.get("output") or "{}")
    except ValueError:
        return []
    return [dict(w) for w in out.get("warnings", [])] if isinstance(out, dict) else []


def _outcome(desc: dict[str, Any]) -> tuple[str, list[dict[str, Any]], str]:
    status = desc["status"]
    if status == "SUCCEEDED":
        return "SUCCEEDED", [], ""
    error = str(desc.get("error", ""))
    cause = str(desc.get("cause", ""))
    if error == "RolledBack":
        return "ROLLED_BACK", [], cause
    if error == "Refused":
        try:
            payload = json.loads(cause)
            problems = json.loads(payload.get("errorMessage", "[]"))
        except (ValueError, TypeError, AttributeError):
            problems = [{"code": "REFUSED", "message": cause, "resource": ""}]
        return "REFUSED", problems, ""
    return "FAILED", [], f"{error}: {cause}"[:2000]


class StepTimeline:
    """Each step's start (its action task entered) and end (StepDone entered), in simulated seconds."""

    def __init__(self, t0: float, say: ProgressFn) -> None:
        self.t0 = t0
        self.say = say
        self.abort_at: tuple[str, int, Callable[[], Any]] | None = None
        self.steps: list[dict[str, Any]] = []
        self._open: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def __call__(self, arn: str, state: str, inp: Any, now: float) -> None:
        mode = "undo" if state.startswith("Undo") else "forward"
        step = inp.get("step") if isinstance(inp, dict) else None
        if not isinstance(step, dict):
            return
        key = f"{arn}|{mode}|{step.get('index')}|{step.get('action')}"
        with self._lock:
            if state.endswith("Perform") and key not in self._open:
                target = " ".join(str(step[k]) for k in ("endpoint", "zone", "vpc", "record") if step.get(k))
                entry = {
                    "index": step.get("index"),
                    "action": step.get("action"),
                    "target": target,
                    "endpoint": step.get("endpoint"),
                    "wave": step.get("wave"),
                    "published_step": step.get("published_step"),
                    "start": round(now - self.t0, 1),
                    "end": round(now - self.t0, 1),
                    "mode": mode,
                    "done": False,
                }
                self.steps.append(entry)
                self._open[key] = entry
                self.say(
                    f"t={entry['start']:7.1f}s  {mode:7} step {entry['index']}: {entry['action']} {target}"
                )
            elif state.endswith("StepDone") and key in self._open:
                entry = self._open.pop(key)
                entry.update(end=round(now - self.t0, 1), done=True)
                abort = self.abort_at
                if (
                    abort is not None
                    and abort[0] == arn
                    and step.get("index") == abort[1]
                    and mode == "forward"
                ):
                    self.abort_at = None
                    threading.Thread(target=abort[2], daemon=True).start()

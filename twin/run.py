"""``rehearse``: the product's real state machine and handlers, deployed from ``template.yaml`` into the
twin, run on a scenario while the sampler watches every VPC's DNS."""

from __future__ import annotations

import json
import threading
import time
import uuid
from typing import Any

from profile_migrator.planner import plan
from profile_migrator.workflow import ACTION_FUNCTIONS

from twin.clock import get_clock
from twin.core import Twin
from twin.deploy import Deployment, deploy, execution_input
from twin.rehearsal import ProgressFn, Result, finish, start_sampler

# Probe gates and polls of the rehearsal (simulated seconds): what a team would put in the input.
GATE = {"consecutive": 3, "interval_seconds": 2, "timeout_seconds": 180}
POLL = {"initial_seconds": 2, "max_seconds": 30, "timeout_seconds": 900}


def _critical_path(scn: Any, waves: list[dict[str, Any]]) -> float:
    """The sum, over waves, of the longest AWS duration a step of the wave waits for (AS-1..AS-3)."""
    d = scn.twin.durations
    per_action = {
        "associate-vpc-with-profile": d.profile_association,
        "associate-zone-with-profile": d.resource_association,
        "disassociate-zone-from-profile": d.resource_association,
        "associate-endpoint-with-profile": max(d.resource_association, d.endpoint_pending),
        "enable-private-dns": d.endpoint_pending,
        "associate-vpc-with-zone": d.phz_change,
        "disassociate-vpc-from-zone": d.phz_change,
        "delete-zone-record": d.phz_change,
        "delete-zone": d.phz_change,
    }
    return sum(max((per_action.get(s["action"], 0.0) for s in w["steps"]), default=0.0) for w in waves)


class Approver:
    """The twin's approver: answers approval requests found in the run table per ``twin.approver``
    (issue 5 puts Slack in between; here the request function's stored token is answered directly)."""

    def __init__(self, tw: Twin, dep: Deployment, answer: str, at: str | None) -> None:
        self.tw, self.dep, self.answer, self.at = tw, dep, answer, at
        self.seen: set[str] = set()
        self.log: list[dict[str, Any]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="twin-approver", daemon=True)
        self._used_at = False

    def start(self) -> Approver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        from profile_migrator.aws import functions as fn
        from profile_migrator.aws import store

        acct = self.tw.accounts()[self.dep.account]
        while not self._stop.wait(0.02):
            try:
                items = store.scan_prefix(acct, self.dep.table, "approval#")
            except Exception:  # the table may be busy; try again next tick
                continue
            for pk, doc in items:
                if pk in self.seen:
                    continue
                self.seen.add(pk)
                action = doc["step"].get("action", "")
                answer = "approve"
                if self.at is None or (action == self.at and not self._used_at):
                    answer = self.answer
                    if self.at is not None:
                        self._used_at = True
                if answer == "ignore":
                    self.log.append({"action": action, "answer": "timed_out"})
                    continue
                if answer == "approve":
                    fn.send_task_success(acct, doc["token"], {"approved_by": "twin-approver"})
                    self.log.append({"action": action, "answer": "approved"})
                else:
                    fn.send_task_failure(acct, doc["token"], "Rejected", f"rejected by twin-approver: {action}")
                    self.log.append({"action": action, "answer": "rejected"})


def rehearse_state_machine(scn: Any, progress: ProgressFn | None = None, approve: str = "scenario",
                           twin: Twin | None = None) -> Result:
    say = progress or (lambda _m: None)
    from twin.asl import reset_accounting, transitions
    from twin.dispatch import invocations, reset_invocations
    from twin.faults import api_calls, reset_api_calls

    own = twin is None
    tw = twin or Twin(scn).start()
    try:
        dep = deploy(tw)
        clock = get_clock()
        reset_api_calls()
        reset_invocations()
        reset_accounting()
        tw.arm_faults()
        _map_crash_faults()
        t_sim0, t_wall0 = clock.now(), time.monotonic()
        sampler = start_sampler(tw).start()
        approver = Approver(tw, dep, scn.twin.approver.answer, scn.twin.approver.at).start()
        acct = tw.accounts()[dep.account]
        sfn = acct.client("stepfunctions")
        name = f"profile-migrator-{uuid.uuid4().hex[:12]}"
        inp = execution_input(tw, dep, GATE, POLL)
        arn = sfn.start_execution(stateMachineArn=dep.state_machine_arn, name=name, input=json.dumps(inp))["executionArn"]
        say(f"execution {name} started")
        desc = _follow(sfn, arn, say)
        approver.stop()
        clock.sleep(3)  # a few more samples after the end
        status, problems, error = _outcome(desc)
        arch = plan(scn).architecture
        result = Result(status, arch, problems=problems, procedure="converge", error=error)
        result.state_transitions = transitions(arn)
        result.lambda_invocations = sum(invocations().values())
        result.approvals = approver.log
        result.steps = _steps_from_history(sfn, arn, t_sim0)
        out = json.loads(desc.get("output") or "{}")
        if status == "SUCCEEDED":
            result.aws_wait_seconds = _critical_path(scn, [w for w in _waves_of(scn)])
        result.extra = {"execution": name, "output": out}  # type: ignore[attr-defined]
        finish(tw, result, sampler, t_sim0, t_wall0)
        result.api_calls = dict(api_calls())
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


def _follow(sfn: Any, arn: str, say: ProgressFn) -> dict[str, Any]:
    last = ""
    while True:
        desc = sfn.describe_execution(executionArn=arn)
        if desc["status"] != "RUNNING":
            return dict(desc)
        try:
            events = sfn.get_execution_history(executionArn=arn, reverseOrder=True, maxResults=5)["events"]
        except Exception:
            events = []
        for ev in events:
            det = ev.get("stateEnteredEventDetails")
            if det:
                if det["name"] != last:
                    last = det["name"]
                    say(f"t={get_clock().now():8.1f}s  {last}")
                break
        time.sleep(0.05)


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


def _steps_from_history(sfn: Any, arn: str, t0: float) -> list[dict[str, Any]]:
    """The steps on the simulated time axis, from the task-state events of the execution (approximate:
    the history carries real timestamps, mapped back through the clock's scale)."""
    from twin.clock import get_clock

    clock = get_clock()
    events: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"executionArn": arn, "maxResults": 1000}
    while True:
        resp = sfn.get_execution_history(**kwargs)
        events.extend(resp["events"])
        if not resp.get("nextToken"):
            break
        kwargs["nextToken"] = resp["nextToken"]
    if not events:
        return []
    start_real = events[0]["timestamp"].timestamp()
    out: list[dict[str, Any]] = []
    open_: dict[str, dict[str, Any]] = {}
    for ev in events:
        t = (ev["timestamp"].timestamp() - start_real) / clock.time_scale
        det = ev.get("stateEnteredEventDetails")
        if det and det["name"].startswith(("ForwardRun", "UndoRun")) and det["name"][-5:] != "Steps":
            data = json.loads(det.get("input") or "{}")
            step = data.get("step", {})
            target = " ".join(str(step[k]) for k in ("endpoint", "zone", "vpc", "record") if step.get(k))
            entry = {"index": step.get("index"), "action": step.get("action"), "target": target,
                     "start": round(t, 1), "end": round(t, 1),
                     "mode": "undo" if det["name"].startswith("Undo") else "forward"}
            out.append(entry)
            open_[f"{entry['mode']}{entry['index']}"] = entry
        ex = ev.get("stateExitedEventDetails")
        if ex and ex["name"].endswith("StepDone"):
            data = json.loads(ex.get("output") or "{}")
            key = f"{'undo' if ex['name'].startswith('Undo') else 'forward'}{data.get('index')}"
            if key in open_:
                open_[key]["end"] = round(t, 1)
    return out

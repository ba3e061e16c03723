"""Follow a migration execution from its Step Functions history: what it is doing, in words.

:class:`Tracker` reads history events (``get_execution_history``) in order and keeps what a person
watching wants to know: the phase (preflight, forward, rollback), the plan's summary, each step being
performed (from the ``step`` object in a state's input), its wait-and-poll loop (the step's ``result``:
polls, interval, waited), each wave's probe gate (the gate state's ``last`` answers per VPC and name)
and, at the end, the outcome. It calls no AWS API; :func:`render` draws it with rich, and
:meth:`Tracker.drain_lines` gives the same news as log lines (for a pipe, a CI log, a test).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

EXIT_OK, EXIT_FAILED, EXIT_REFUSED = 0, 1, 3
_ANSWER_STYLE = {"private": "green", "public": "yellow", "nxdomain": "bold red"}


def _json(text: Any) -> Any:
    if not isinstance(text, str):
        return None
    try:
        return json.loads(text)
    except ValueError:  # a truncated input (over 256 KiB) is not JSON: skip it
        return None


def _target(step: dict[str, Any]) -> str:
    """``lambda zone lambda-zone VPC dev``: the endpoint, then what the step acts on."""
    labels = {"endpoint": "", "zone": "zone ", "vpc": "VPC ", "record": "record "}
    return " ".join(f"{label}{step[k]}" for k, label in labels.items() if step.get(k))


@dataclass
class StepView:
    index: int
    action: str
    target: str
    mode: str  # forward | undo
    wave: int | None = None
    phase: str = "starting"  # starting | awaiting approval | performing | waiting for AWS | done
    polls: int = 0
    interval: float | None = None
    waited: float = 0.0

    def describe(self) -> str:
        text = f"{self.phase}"
        if self.phase == "waiting for AWS":
            text += f": poll {self.polls}, next in {self.interval:g} s, waited {self.waited:g} s"
        elif self.phase == "done" and self.polls:
            text += f" ({self.polls} poll{'s' if self.polls != 1 else ''}, waited {self.waited:g} s)"
        return text


@dataclass
class GateView:
    wave: int | None
    mode: str
    vpcs: list[str]
    checks: int = 0
    status: str = "pending"
    last: dict[str, str] = field(default_factory=dict)  # "vpc|name" -> answer class
    streaks: dict[str, int] = field(default_factory=dict)
    needed: int = 0


@dataclass
class Outcome:
    label: str  # SUCCEEDED | ROLLED_BACK | REFUSED | FAILED | ABORTED | TIMED_OUT
    exit_code: int
    detail: list[str] = field(default_factory=list)


class Tracker:
    """The state of one execution, as its history tells it."""

    def __init__(self, execution_arn: str) -> None:
        self.execution_arn = execution_arn
        self.name = execution_arn.rsplit(":", 1)[-1]
        self.status = "RUNNING"
        self.phase = "starting"
        self.last_state = ""  # the state most recently entered (inside a Map iteration too)
        self.summary: dict[str, Any] = {}
        self.waves_total = 0
        self.steps: dict[tuple[str, int], StepView] = {}
        self.gates: list[GateView] = []
        self.undo: dict[str, Any] = {}
        self.left: list[dict[str, Any]] = []  # cleanup left after the point of no return (warnings)
        self.last_error = ""
        self.last_event_id = 0
        self.child_event_ids: dict[str, int] = {}  # child execution ARN -> last event id read
        self.error = ""
        self.cause = ""
        self.consecutive = 0
        self._lines: list[str] = []

    # -- news ------------------------------------------------------------------------------------
    def _say(self, line: str) -> None:
        self._lines.append(line)

    def drain_lines(self) -> list[str]:
        out, self._lines = self._lines, []
        return out

    # -- events ----------------------------------------------------------------------------------
    def feed(self, events: list[dict[str, Any]], source: str | None = None) -> None:
        """Events of the execution, or of one of its Distributed Map children (``source``: the child's ARN;
        each child has its own history and event ids, SF-5)."""
        last = self.last_event_id if source is None else self.child_event_ids.get(source, 0)
        for ev in sorted(events, key=lambda e: int(e["id"])):
            if int(ev["id"]) <= last:
                continue
            last = int(ev["id"])
            if source is None:
                self._event(ev)
            elif not str(ev["type"]).startswith("Execution"):  # a child's end is not the run's
                self._event(ev)
        if source is None:
            self.last_event_id = last
        else:
            self.child_event_ids[source] = last

    def _event(self, ev: dict[str, Any]) -> None:
        kind = str(ev["type"])
        if kind.endswith("StateEntered"):
            det: dict[str, Any] = ev.get("stateEnteredEventDetails", {})
            self._entered(str(det.get("name", "")), _json(det.get("input")))
        elif kind.endswith("StateExited"):
            det = ev.get("stateExitedEventDetails", {})
            self._exited(str(det.get("name", "")), _json(det.get("output")))
        elif kind in ("LambdaFunctionFailed", "TaskFailed", "LambdaFunctionTimedOut", "TaskTimedOut"):
            det = next((v for k, v in ev.items() if k.endswith("EventDetails")), {})
            self.last_error = f"{det.get('error', '')}: {str(det.get('cause', ''))[:300]}".strip(": ")
        elif kind.startswith("Execution") and kind != "ExecutionStarted":
            det = next((v for k, v in ev.items() if k.endswith("EventDetails")), {})
            self.error = str(det.get("error", "") or self.error)
            self.cause = str(det.get("cause", "") or self.cause)

    def _entered(self, name: str, inp: Any) -> None:
        self.last_state = name
        if not isinstance(inp, dict):
            return
        step = inp.get("step")
        if isinstance(step, dict) and "index" in step and "action" in step:
            self._step_state(name, inp, step)
        elif isinstance(inp.get("wave"), dict):
            if name.endswith("GateCheck") and "gate" not in inp:  # a wave's gate starts
                wave = inp["wave"]
                gate = GateView(wave.get("wave"), str(inp.get("mode", "forward")), list(wave.get("gate", [])))
                cfg = inp.get("config", {}).get("gate", {})
                gate.needed = int(cfg.get("consecutive", 0) or 0)
                self.gates.append(gate)
                self._say(f"gate {self._wave_label(gate)}: probing {', '.join(gate.vpcs) or 'no VPC'}")
        else:
            phase = {
                "Preflight": "preflight",
                "PreflightWait": "preflight: waiting for endpoints to settle",
                "AcquireLock": "locking the endpoints",
                "Forward": "migrating",
                "JoinProfile": "migrating: VPCs join the Profile",
                "MigrateEndpoints": "migrating: endpoints side by side",
                "Cleanup": "past the point of no return: cleaning up",
                "ReleaseLock": "releasing the locks",
                "PlanUndo": "rolling back: planning",
                "Undo": "rolling back",
                "ReleaseAfterUndo": "rolled back: releasing the locks",
                "ExplainRollbackFailure": "the rollback failed",
            }.get(name)
            if phase and phase != self.phase:
                self.phase = phase
                self._say(f"phase: {phase}")

    def _wave_label(self, gate: GateView) -> str:
        label = f"wave {gate.wave}" if gate.wave is not None else "wave"
        return f"{label} (undo)" if gate.mode == "undo" else label

    def _step_state(self, name: str, inp: dict[str, Any], step: dict[str, Any]) -> None:
        mode = str(inp.get("mode", "forward"))
        key = (mode, int(step["index"]))
        view = self.steps.get(key)
        if view is None:
            view = StepView(int(step["index"]), str(step["action"]), _target(step), mode, step.get("wave"))
            self.steps[key] = view
        before = view.describe()
        found = inp.get("result")
        if isinstance(found, dict) and isinstance(found.get("Payload"), dict):
            found = found["Payload"]  # the step's answer, as its Lambda invocation gave it (lambda:invoke)
        result: dict[str, Any] = found if isinstance(found, dict) else {}
        if "RequestApproval" in name:
            view.phase = "awaiting approval"
        elif name.endswith("PollWait"):
            view.phase = "waiting for AWS"
            view.polls = int(result.get("polls", 0))
            view.interval = float(result.get("interval", 0))
            view.waited = float(result.get("elapsed", 0))
        elif name.endswith("StepDone"):
            view.phase = "done"
            view.polls = int(result.get("polls", view.polls))
            view.waited = float(result.get("elapsed", view.waited))
        elif name.endswith("StepLeft"):
            view.phase = "left (cleanup failed; see the warnings at the end)"
        elif name.endswith(("Failed", "FailedAsIs", "UnknownAction", "ExplainFailure")):
            view.phase = "failed"
        elif "Run" in name and not name.endswith("RunSteps"):
            view.phase = "performing"
        after = view.describe()
        if after != before:
            undo = " (undo)" if mode == "undo" else ""
            self._say(f"step {view.index}{undo} {view.action} {view.target}: {after}")

    def _exited(self, name: str, out: Any) -> None:
        if not isinstance(out, dict):
            return
        if name == "Preflight" and isinstance(out.get("preflight"), dict):
            pre = out["preflight"]
            if pre.get("ready"):
                self.summary = dict(pre.get("summary", {}))
                waves = self.summary.get("waves")  # a count since the plan lives in the run bucket (SF-5)
                self.waves_total = int(waves) if isinstance(waves, int) else len(pre.get("waves", []))
                self.consecutive = int(pre.get("config", {}).get("gate", {}).get("consecutive", 0) or 0)
                warnings = self.summary.get("warnings", [])
                self._say(
                    f"plan: {self.summary.get('architecture', '?')}, {self.summary.get('steps', '?')} steps "
                    f"in {self.waves_total} waves" + (f", {len(warnings)} warnings" if warnings else "")
                )
                for w in warnings:
                    self._say(f"  warning {w.get('code')} {w.get('resource')}: {w.get('message')}")
        elif name == "PlanUndo" and isinstance(out.get("undo"), dict):
            self.undo = dict(out["undo"])
            self._say(
                f"rolling back {self.undo.get('undone_steps', 0)} changes: {self.undo.get('cause', '')}".rstrip()
            )
        elif name == "Summarize" and isinstance(out.get("outcome"), dict):
            self.left = [dict(w) for w in out["outcome"].get("warnings", []) if isinstance(w, dict)]
            for w in self.left:
                self._say(f"left {w.get('code')} {w.get('resource')}: {w.get('message')}")
        elif name.endswith("GateCheck") and isinstance(out.get("gate"), dict) and self.gates:
            g = out["gate"]
            gate = self.gates[-1]
            gate.checks = int(g.get("checks", gate.checks))
            gate.status = str(g.get("status", gate.status))
            gate.last = {str(k): str(v) for k, v in dict(g.get("last", {})).items()}
            gate.streaks = {str(k): int(v) for k, v in dict(g.get("streaks", {})).items()}
            answers = (
                ", ".join(f"{k.replace('|', ' ')} {v}" for k, v in gate.last.items()) or "no probe answered"
            )
            self._say(
                f"gate {self._wave_label(gate)}: check {gate.checks}: {answers}"
                + (" — passed" if gate.status == "passed" else "")
            )

    # -- the end ---------------------------------------------------------------------------------
    def finish(self, describe: dict[str, Any]) -> Outcome:
        """The outcome from ``describe_execution`` once it is no longer RUNNING."""
        self.status = str(describe["status"])
        self.error = str(describe.get("error", "") or self.error)
        self.cause = str(describe.get("cause", "") or self.cause)
        if self.status == "SUCCEEDED":
            self.phase = "done"
            output = _json(describe.get("output"))
            if isinstance(output, dict) and isinstance(output.get("warnings"), list):
                self.left = [dict(w) for w in output["warnings"] if isinstance(w, dict)]
            detail = [f"{self.summary.get('steps', '?')} steps done"] if self.summary else []
            detail += [f"warning {w.get('code')} {w.get('resource')}: {w.get('message')}" for w in self.left]
            return Outcome("SUCCEEDED", EXIT_OK, detail)
        self.phase = "ended"
        if self.error == "Refused":
            return Outcome("REFUSED", EXIT_REFUSED, _problems(self.cause))
        if self.error == "RolledBack":
            # The cause says which step, which resource, which AWS error, and what the rollback proved.
            why = _cause_text(self.cause) if self.cause else str(self.undo.get("cause", ""))
            detail = [why] if why else []
            if "rolled back:" not in why:
                detail.append(
                    "every change was undone and the probes prove every VPC resolves as at the start"
                )
            return Outcome("ROLLED_BACK", EXIT_FAILED, detail)
        label = self.status if self.status in ("ABORTED", "TIMED_OUT") else "FAILED"
        detail = [f"{self.error}: {_cause_text(self.cause)}".strip(": ")]
        if self.undo and str(self.undo.get("cause", "")) not in detail[0]:
            detail.append(f"the rollback was for: {self.undo.get('cause', '')}")
        return Outcome(label, EXIT_FAILED, [d for d in detail if d])


def _cause_text(cause: str) -> str:
    """A Lambda error's cause is a JSON object; its errorMessage is what a person reads."""
    doc = _json(cause)
    if isinstance(doc, dict) and "errorMessage" in doc:
        return str(doc["errorMessage"])
    return cause


def _problems(cause: str) -> list[str]:
    problems = _json(_cause_text(cause))
    if not isinstance(problems, list):
        return [_cause_text(cause)]
    return [
        f"{p.get('code', '?')} {p.get('resource', '')}: {p.get('message', '')}"
        for p in problems
        if isinstance(p, dict)
    ]


# -- rich rendering ----------------------------------------------------------------------------------------

_STATUS_STYLE = {
    "RUNNING": "cyan",
    "SUCCEEDED": "bold green",
    "ROLLED_BACK": "bold yellow",
    "REFUSED": "bold yellow",
    "FAILED": "bold red",
    "ABORTED": "bold red",
    "TIMED_OUT": "bold red",
}


def render(t: Tracker, elapsed: float, outcome: Outcome | None = None) -> RenderableType:
    """The live display: header, the steps (those in flight and the last done), the current gate."""
    label = outcome.label if outcome else t.status
    head = Text.assemble(
        ("execution ", "bold"),
        (t.name, "cyan"),
        "  ",
        (label, _STATUS_STYLE.get(label, "bold")),
        f"  {t.phase}",
        (f" [{t.last_state}]" if t.last_state and not outcome else "", "dim"),
        f"  {elapsed:,.0f} s",
    )
    parts: list[RenderableType] = [head]
    if t.summary:
        done = sum(1 for s in t.steps.values() if s.mode == "forward" and s.phase == "done")
        parts.append(
            Text(
                f"plan: {t.summary.get('architecture', '?')}, {done}/{t.summary.get('steps', '?')} "
                f"steps done, {t.waves_total} waves"
            )
        )
    active = [s for s in t.steps.values() if s.phase != "done"]
    recent = [s for s in t.steps.values() if s.phase == "done"][-3:]
    if active or recent:
        table = Table(box=None, pad_edge=False, show_header=True, header_style="bold")
        for col in ("#", "wave", "action", "target", "now"):
            table.add_column(col, justify="right" if col in ("#", "wave") else "left")
        for s in [*recent, *active]:
            style = "dim" if s.phase == "done" else ("yellow" if s.phase == "awaiting approval" else "")
            index = f"{s.index}" + ("↺" if s.mode == "undo" else "")
            table.add_row(index, str(s.wave or ""), s.action, s.target, s.describe(), style=style)
        parts.append(table)
    if t.gates:
        g = t.gates[-1]
        gate = Table(
            title=f"gate {t._wave_label(g)}: check {g.checks}, {g.status}",
            box=None,
            title_justify="left",
            pad_edge=False,
        )
        for col in ("VPC", "name", "last answer", "in a row"):
            gate.add_column(col)
        for key, answer in g.last.items():
            vpc, _, name = key.partition("|")
            need = g.needed or t.consecutive
            gate.add_row(
                vpc,
                name,
                Text(answer, _ANSWER_STYLE.get(answer, "red")),
                f"{g.streaks.get(key, 0)}/{need}" if need else str(g.streaks.get(key, 0)),
            )
        parts.append(gate)
    if t.last_error and not outcome:
        parts.append(Text(f"last error (retried or rolled back): {t.last_error}", "yellow"))
    if outcome:
        for line in outcome.detail:
            parts.append(Text(line))
    return Group(*parts)

"""Rehearsals on the twin: the published procedure replayed literally (the baseline), and the
result object of the ``rehearse`` contract (scenario-format.md), shared with the state-machine run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from profile_migrator import actions
from profile_migrator.estate import Scenario, dump_scenario
from profile_migrator.planner import Plan, plan
from profile_migrator.vocabulary import step_doc

from twin.clock import get_clock
from twin.core import Twin

if TYPE_CHECKING:
    from twin.deploy import Deployment

ProgressFn = Callable[[str], None]

# A person polls the console about every 10 simulated seconds while waiting for completion.
OPERATOR_POLL = 10.0


@dataclass
class Result:
    status: str
    architecture: str
    problems: list[dict[str, str]] = field(default_factory=list)
    simulated_seconds: float = 0.0
    wall_seconds: float = 0.0
    aws_wait_seconds: float = 0.0
    state_transitions: int = 0
    lambda_invocations: int = 0
    api_calls: dict[str, int] = field(default_factory=dict)
    approvals: list[dict[str, Any]] = field(default_factory=list)
    onboarded: list[dict[str, Any]] = field(default_factory=list)
    resolution: list[dict[str, Any]] = field(default_factory=list)
    final: dict[str, Any] = field(default_factory=dict)
    # Not in the contract's required keys, but what the report draws.
    procedure: str = "converge"
    steps: list[dict[str, Any]] = field(default_factory=list)  # {index, action, target, start, end}
    transitions: dict[str, list[tuple[float, str, str]]] = field(default_factory=dict)
    error: str = ""
    warnings: list[dict[str, str]] = field(default_factory=list)  # what the run left for a person
    executions: list[str] = field(default_factory=list)
    # What the run cost on AWS's price list (state machine rehearsals: twin.run.cost_of), in total, per
    # migrated endpoint and per watched (VPC, name) pair.
    cost: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "architecture": self.architecture,
            "problems": self.problems,
            "simulated_seconds": round(self.simulated_seconds, 1),
            "wall_seconds": round(self.wall_seconds, 2),
            "aws_wait_seconds": round(self.aws_wait_seconds, 1),
            "state_transitions": self.state_transitions,
            "lambda_invocations": self.lambda_invocations,
            "api_calls": dict(sorted(self.api_calls.items())),
            "approvals": self.approvals,
            "onboarded": self.onboarded,
            "resolution": self.resolution,
            "final": self.final,
            "procedure": self.procedure,
            "steps": self.steps,
            "error": self.error,
            "warnings": self.warnings,
            **({"cost": self.cost} if self.cost else {}),
        }


def _step_target(step: dict[str, Any]) -> str:
    return " ".join(str(step[k]) for k in ("endpoint", "zone", "vpc", "record") if step.get(k))


#: Above this many watched (VPC, name) pairs the sampler resolves at settle events plus a thin periodic
#: sample (docs/twin.md) instead of every pair every simulated second.
EVENT_SAMPLING_ABOVE = 200


def deploy_armed(tw: Twin, template: Path | None = None, member_template: Path | None = None) -> Deployment:
    """Deploy the stack into the twin, zero what a rehearsal counts (AWS API calls, Lambda invocations,
    state transitions) and arm the scenario's faults. ``template`` / ``member_template``: copies of
    template.yaml / member.yaml to deploy instead (what a changed template would do)."""
    from twin.asl import reset_accounting
    from twin.deploy import MEMBER_TEMPLATE, TEMPLATE, deploy
    from twin.dispatch import reset_invocations
    from twin.faults import reset_api_calls

    dep = deploy(tw, template=template or TEMPLATE, member_template=member_template or MEMBER_TEMPLATE)
    reset_api_calls()
    reset_invocations()
    reset_accounting()
    tw.arm_faults()
    return dep


def start_sampler(twin: Twin) -> Any:
    from twin.dnsview import SettledModel
    from twin.sampler import Sampler

    assert twin.dns is not None
    targets = twin.watch_targets()
    events = SettledModel(twin.dns, twin.fleet) if len(targets) > EVENT_SAMPLING_ABOVE else None
    # A query that gets no reply within 1 real second is a timeout (a busy twin must not fake one).
    return Sampler.over_dns(
        targets, twin.fleet, twin.dns.private_ips, start=get_clock().now(), timeout=1.0, events=events
    )


def finish(
    twin: Twin,
    result: Result,
    sampler: Any,
    t_sim0: float,
    t_wall0: float,
    span: tuple[float, float] | None = None,
) -> Result:
    """Stop sampling, read the estate back through discovery, fill the figures. ``span``: the simulated
    seconds the migration itself started and ended (its duration; the sampling runs a little before and
    after it); default from ``t_sim0`` to now."""
    from twin.faults import api_calls

    sampler.stop()
    start, end = span if span is not None else (t_sim0, get_clock().now())
    result.simulated_seconds = end - start
    result.wall_seconds = time.monotonic() - t_wall0
    result.api_calls = {k: v for k, v in api_calls().items()}
    rows = sampler.summary()
    result.resolution = [
        {
            k: r[k]
            for k in ("vpc", "name", "samples", "private", "public", "nxdomain", "other", "downtime_seconds")
        }
        for r in rows
        if r.get("watched", True)
    ]
    # Sample times are clock times: the report wants seconds since the run start, like `steps`.
    result.transitions = {
        f"{v}|{n}": [(round(t - t_sim0, 1), a, b) for t, a, b in ts]
        for (v, n), ts in sampler.transitions().items()
    }
    get_settings_faults_off()
    from twin.faults import harness_calls

    with harness_calls():
        final = twin.discover().scenario
    result.final = {
        k: v
        for k, v in dump_scenario(final).items()
        if k in ("vpcs", "endpoints", "hosted_zones", "profiles")
    }
    for k in ("vpcs", "endpoints", "hosted_zones", "profiles"):
        result.final.setdefault(k, {})
    return result


def get_settings_faults_off() -> None:
    """Discovery of the final state must not trip on the scenario's faults."""
    from twin.config import get_settings

    get_settings().faults = []


def _wait_settled(
    ctx: actions.Context, waits: list[actions.Wait], period: float, timeout: float
) -> tuple[str, float]:
    clock = get_clock()
    t0 = clock.now()
    while True:
        with clock.busy():
            state = actions.poll_all(ctx, waits)
        if state != "pending":
            return state, clock.now() - t0
        if clock.now() - t0 > timeout:
            return "timeout", clock.now() - t0
        clock.sleep(period)


# Published procedure: where it says to wait for completion (step 1: "wait until every association is
# complete"; step 3: "the endpoint goes Pending -> Available"; step 4: "wait until that is complete";
# step 5: "briefly shows Pending, then Available").
_PUBLISHED_WAITS = {1, 3, 4, 5}


# A person who gets an error from the console reads it, waits and tries again a few times.
CONSOLE_RETRIES = 5


def _console_action(
    ctx: actions.Context, step: dict[str, Any], operator: float, say: ProgressFn
) -> tuple[list[actions.Wait], int]:
    from botocore.exceptions import ClientError

    for attempt in range(CONSOLE_RETRIES + 1):
        try:
            with get_clock().busy():
                return actions.perform(ctx, step_doc(step)), attempt
        except ClientError as exc:
            if attempt == CONSOLE_RETRIES:
                raise
            say(
                f"  console error ({exc.response.get('Error', {}).get('Code')}); retrying after {operator:.0f} s"
            )
            get_clock().sleep(operator)
    raise AssertionError("unreachable")


def replay_published(scn: Scenario, progress: ProgressFn | None = None, twin: Twin | None = None) -> Result:
    """Perform the published manual procedure literally through boto3 on a fresh twin."""
    from twin.faults import reset_api_calls

    say = progress or (lambda _m: None)
    the_plan: Plan = plan(scn, "published")
    if not the_plan.safe:
        return Result(
            "REFUSED", the_plan.architecture, [p.to_json() for p in the_plan.problems], procedure="published"
        )
    own = twin is None
    tw = twin or Twin(scn).start()
    try:
        return _replay(scn, tw, the_plan, say, reset_api_calls)
    finally:
        if own:
            tw.stop()


def _replay(
    scn: Scenario, tw: Twin, the_plan: Plan, say: ProgressFn, reset_api_calls: Callable[[], None]
) -> Result:
    clock = get_clock()
    ctx = tw.context()
    operator = scn.twin.durations.operator_action
    reset_api_calls()
    tw.arm_faults()
    t_sim0, t_wall0 = clock.now(), time.monotonic()
    sampler = start_sampler(tw).start()
    result = Result("SUCCEEDED", the_plan.architecture, procedure="published")
    steps = [s.to_json(i + 1) for i, s in enumerate(the_plan.steps)]
    pending: list[actions.Wait] = []
    try:
        for i, step in enumerate(steps):
            clock.sleep(operator)  # a person's time per console action
            t_start = clock.now() - t_sim0
            say(f"published step {step['published_step']}: {step['action']} {_step_target(step)}")
            waits, retries = _console_action(ctx, step, operator, say)
            if step["action"] == "create-parking-vpc" and step.get("vpc") in ctx.vpcs:
                tw.add_vpc_name(ctx.vpcs[step["vpc"]], step["vpc"])
            pending.extend(waits)
            nxt = steps[i + 1]["published_step"] if i + 1 < len(steps) else None
            if step["published_step"] in _PUBLISHED_WAITS and nxt != step["published_step"] and pending:
                state, waited = _wait_settled(ctx, pending, OPERATOR_POLL, 3600)
                result.aws_wait_seconds += waited
                if state != "settled":
                    raise actions.ActionError(f"step {step['index']} ({step['action']}) ended {state}")
                pending = []
            result.steps.append(
                {
                    "index": step["index"],
                    "action": step["action"],
                    "target": _step_target(step),
                    "published_step": step["published_step"],
                    "start": round(t_start, 1),
                    "retries": retries,
                    "end": round(clock.now() - t_sim0, 1),
                }
            )
        # The last changes settle before the run counts as over (AS-5).
        if pending:
            _, waited = _wait_settled(ctx, pending, OPERATOR_POLL, 3600)
            result.aws_wait_seconds += waited
        t_end = clock.now()
        clock.sleep(5)  # a few more samples after the end
    except Exception as exc:  # the replay stops where a person would: at the first error
        result.status = "FAILED"
        result.error = f"{type(exc).__name__}: {exc}"
        say(f"FAILED: {result.error}")
        t_end = clock.now()
    return finish(tw, result, sampler, t_sim0, t_wall0, span=(t_sim0, t_end))

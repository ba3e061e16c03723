"""Scenario ``events`` in the twin (scenario-format.md "Events in the twin"): a ``create-vpc`` event
creates the VPC at simulated second ``at`` and delivers the EventBridge event AWS would send (EV-1) to
the project's rules and onboarding flow, exactly as deployed from ``template.yaml`` (and, for a member
account, from ``member.yaml``'s forwarding rule).

moto stores EventBridge buses, rules and targets but does not invoke Lambda targets, so
:class:`EventRouter` routes an event itself over what is stored: the source account's default bus,
each enabled rule whose pattern matches (moto's own pattern matcher), its targets — a bus target
(member.yaml's forwarding) moves the event to that bus, a Lambda target is invoked asynchronously
(``InvocationType=Event``, as EventBridge does) through the twin's Lambda dispatch.

:class:`EventPlayer` plays a scenario's events (each delivered once, then once more: EventBridge
delivers at least once, so a repeated event must start nothing twice) and reports the ``onboarded``
rows of the ``rehearse`` contract from the onboarding executions. :func:`rehearse_events_only`
rehearses a scenario that has events and no ``migration``.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from profile_migrator.aws import ec2 as ec2_adapter
from profile_migrator.estate import CreateVpcEvent, Scenario
from profile_migrator.onboarding import execution_name

from twin.clock import get_clock
from twin.core import Twin
from twin.deploy import (
    ROOT,
    Deployment,
    _Resolver,
    create_event_resources,
    deployed,
    evaluate_conditions,
    load_template,
    parameter_values,
)
from twin.rehearsal import ProgressFn, Result, deploy_armed, finish, start_sampler

MEMBER_TEMPLATE = ROOT / "member.yaml"
ONBOARD_STATE_MACHINE = "OnboardStateMachine"

#: Real seconds :meth:`EventPlayer.wait` allows, by default, for the last execution to end.
WAIT_REAL_SECONDS = 120.0


def cloudtrail_event(
    vpc_id: str, account_id: str, region: str, cidr: str, tags: dict[str, str], event_name: str = "CreateVpc"
) -> dict[str, Any]:
    """The EventBridge event CloudTrail's record of a successful CreateVpc becomes (EV-1)."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    request_id = str(uuid.uuid4())
    tag_set = {"items": [{"key": k, "value": v} for k, v in tags.items()]}
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.ec2",
        "account": account_id,
        "time": now,
        "region": region,
        "resources": [],
        "detail": {
            "eventVersion": "1.09",
            "userIdentity": {
                "type": "AssumedRole",
                "accountId": account_id,
                "arn": f"arn:aws:sts::{account_id}:assumed-role/twin/twin",
            },
            "eventTime": now,
            "eventSource": "ec2.amazonaws.com",
            "eventName": event_name,
            "awsRegion": region,
            "sourceIPAddress": "127.0.0.1",
            "userAgent": "profile-migrator-twin",
            "requestParameters": {
                "cidrBlock": cidr,
                "tagSpecificationSet": {"items": [{"resourceType": "vpc", "tags": tag_set["items"]}]},
            },
            "responseElements": {
                "requestId": request_id,
                "vpc": {
                    "vpcId": vpc_id,
                    "state": "pending",
                    "ownerId": account_id,
                    "cidrBlock": cidr,
                    "instanceTenancy": "default",
                    "isDefault": False,
                    "tagSet": tag_set,
                },
            },
            "requestID": request_id,
            "eventID": str(uuid.uuid4()),
            "readOnly": False,
            "eventType": "AwsApiCall",
            "managementEvent": True,
            "recipientAccountId": account_id,
            "eventCategory": "Management",
        },
    }


def deploy_member_forwarding(
    tw: Twin, dep: Deployment, template: Path = MEMBER_TEMPLATE
) -> dict[str, list[str]]:
    """``member.yaml``'s EventBridge resources in every account but the central one (what StackSets
    deploys there with ``CentralBusArn`` = the central bus). Returns alias -> rule logical ids."""
    assert tw.built is not None
    scn = tw.scn
    out: dict[str, list[str]] = {}
    if not dep.buses:
        return out  # no central bus (OrganizationId empty): member accounts forward nothing
    central_id = scn.accounts[dep.account]
    bus_arn = f"arn:aws:events:{scn.region}:{central_id}:event-bus/{next(iter(dep.buses.values()))}"
    tpl = load_template(template)
    for alias, acct in tw.accounts().items():
        if alias == dep.account:
            continue
        account_id = scn.accounts[alias]
        params = parameter_values(
            tpl, {"CentralAccountId": central_id, "CentralBusArn": bus_arn, "CreateRole": "true", "VpcId": ""}
        )
        params.update({"AWS::Region": scn.region, "AWS::AccountId": account_id, "AWS::Partition": "aws"})
        conditions = evaluate_conditions(tpl, params)
        resources = {
            k: v
            for k, v in tpl["Resources"].items()
            if deployed(v, conditions)
            and v["Type"] in ("AWS::Events::Rule", "AWS::Events::EventBus", "AWS::IAM::Role")
        }
        attrs = {
            f"{lid}.Arn": f"arn:aws:iam::{account_id}:role/{r.get('Properties', {}).get('RoleName', lid)}"
            for lid, r in resources.items()
            if r["Type"] == "AWS::IAM::Role"
        }
        rules = create_event_resources(acct, resources, _Resolver(params, {}, attrs, conditions))
        out[alias] = sorted(rules)
    return out


class EventRouter:
    """EventBridge delivery over the rules stored in moto (which does not invoke Lambda targets)."""

    def __init__(self, tw: Twin) -> None:
        from moto.events.models import EventPattern

        self.tw = tw
        self._pattern = EventPattern
        self._by_id = {aid: alias for alias, aid in tw.scn.accounts.items()}
        self.deliveries: list[dict[str, Any]] = []

    def put(self, event: dict[str, Any]) -> list[str]:
        """Deliver ``event`` from its account's default bus; returns the Lambda ARNs invoked."""
        invoked: list[str] = []
        seen: set[tuple[str, str]] = set()
        queue = [(str(event["account"]), "default")]
        while queue:
            account_id, bus = queue.pop(0)
            if (account_id, bus) in seen or account_id not in self._by_id:
                continue
            seen.add((account_id, bus))
            events = self.tw.accounts()[self._by_id[account_id]].client("events")
            for rule in events.list_rules(EventBusName=bus).get("Rules", []):
                if rule.get("State") != "ENABLED" or not rule.get("EventPattern"):
                    continue
                # moto types the event as its EventMessageType TypedDict; this is EventBridge's JSON event.
                if not self._pattern.load(rule["EventPattern"]).matches_event(event):  # type: ignore[arg-type]
                    continue
                targets = events.list_targets_by_rule(Rule=rule["Name"], EventBusName=bus).get("Targets", [])
                for target in targets:
                    arn = str(target["Arn"])
                    parts = arn.split(":")
                    if parts[2] == "events" and parts[5].startswith("event-bus/"):
                        queue.append((parts[4], parts[5].split("/", 1)[1]))
                    elif parts[2] == "lambda":
                        self._invoke(parts[4], arn, event)
                        invoked.append(arn)
                    self.deliveries.append(
                        {"rule": rule["Name"], "bus": bus, "account": account_id, "target": arn}
                    )
        return invoked

    def _invoke(self, account_id: str, function_arn: str, event: dict[str, Any]) -> None:
        lam = self.tw.accounts()[self._by_id[account_id]].client("lambda")
        lam.invoke(FunctionName=function_arn, InvocationType="Event", Payload=json.dumps(event).encode())


@dataclass
class _Played:
    vpc: str
    account: str
    vpc_id: str
    deliveries: int = 0
    invoked: int = 0
    at: float = 0.0
    created: bool = False
    error: str = ""
    rows: dict[str, Any] = field(default_factory=dict)


OnCreated = Callable[[str, str, str], None]  # (vpc name, vpc id, account alias) before the event is sent


class EventPlayer:
    """Plays ``tw.scn.events`` against a deployment, in a background thread.

    ``t0``: the simulated time the events' ``at`` counts from (default: :meth:`start`'s time).
    ``redeliver``: deliver every event a second time (EventBridge's at-least-once delivery).
    ``on_created``: called after a VPC is created and before its event is delivered (a test's hook).
    """

    def __init__(
        self,
        tw: Twin,
        dep: Deployment,
        *,
        t0: float | None = None,
        redeliver: bool = True,
        on_created: OnCreated | None = None,
        say: ProgressFn | None = None,
    ) -> None:
        self.tw, self.dep = tw, dep
        self.t0 = t0
        self.redeliver = redeliver
        self.on_created = on_created
        self.say = say or (lambda _m: None)
        self.router = EventRouter(tw)
        self.played: dict[str, _Played] = {}
        self._stop = threading.Event()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="twin-events", daemon=True)
        self._error: BaseException | None = None

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> EventPlayer:
        if self.t0 is None:
            self.t0 = get_clock().now()
        deploy_member_forwarding(self.tw, self.dep)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def wait(self, timeout: float = WAIT_REAL_SECONDS) -> bool:
        """Until every event is delivered and every onboarding execution has ended (real ``timeout``)."""
        deadline = time.monotonic() + timeout
        if not self._done.wait(max(0.0, deadline - time.monotonic())):
            return False
        if self._error is not None:
            raise self._error
        sfn = self._sfn()
        for p in self.played.values():
            for arn in self._executions_of(p):
                while sfn.describe_execution(executionArn=arn)["status"] == "RUNNING":
                    if time.monotonic() > deadline:
                        return False
                    time.sleep(0.02)
        return True

    # -- playing ---------------------------------------------------------------------------------
    def _run(self) -> None:
        clock = get_clock()
        try:
            assert self.t0 is not None
            for ev in sorted(self.tw.scn.events, key=lambda e: e.at):
                while clock.now() < self.t0 + ev.at:
                    if self._stop.wait(0.01):
                        return
                self.play(ev)
        except BaseException as exc:  # reported by wait()
            self._error = exc
        finally:
            self._done.set()

    def play(self, ev: CreateVpcEvent) -> _Played:
        """Create the event's VPC (once per name) and deliver its event (twice with ``redeliver``)."""
        assert self.t0 is not None
        clock = get_clock()
        p = self.played.get(ev.vpc)
        if p is None:
            alias = ev.account
            with clock.busy():
                vpc_id = self.create_vpc(ev)
            p = self.played[ev.vpc] = _Played(
                ev.vpc, alias, vpc_id, at=round(clock.now() - self.t0, 1), created=True
            )
            self.say(f"t={p.at:7.1f}s  event create-vpc {ev.vpc} ({vpc_id}) in {alias}")
            if self.on_created is not None:
                self.on_created(ev.vpc, vpc_id, alias)
        else:
            self.say(
                f"t={clock.now() - self.t0:7.1f}s  event create-vpc {ev.vpc} again (same VPC {p.vpc_id})"
            )
        event = cloudtrail_event(
            p.vpc_id, self.tw.scn.accounts[p.account], self.tw.scn.region, ev.cidr, ev.tags
        )
        for _ in range(2 if self.redeliver else 1):
            p.invoked += len(self.router.put(event))
            p.deliveries += 1
        return p

    def create_vpc(self, ev: CreateVpcEvent) -> str:
        """The VPC, as its account's owner creates it: Name tag = the scenario name, its tags, DNS on."""
        acct = self.tw.accounts()[ev.account]
        vpc_id = ec2_adapter.create_vpc(acct, ev.cidr, ev.vpc, ev.tags)
        self.tw.add_vpc_name(vpc_id, ev.vpc)  # a resolver of its own (no probe: none is registered)
        return vpc_id

    # -- outcome ---------------------------------------------------------------------------------
    def _sfn(self) -> Any:
        return self.tw.accounts()[self.dep.account].client("stepfunctions")

    def _executions_of(self, p: _Played) -> list[str]:
        sm = self.dep.state_machines.get(ONBOARD_STATE_MACHINE)
        if sm is None:
            return []
        name = execution_name(p.vpc_id)
        listed = self._sfn().list_executions(stateMachineArn=sm).get("executions", [])
        return [e["executionArn"] for e in listed if e["name"] == name]

    def executions(self) -> list[str]:
        return [arn for p in self.played.values() for arn in self._executions_of(p)]

    def results(self) -> list[dict[str, Any]]:
        """The ``onboarded`` rows: ``{vpc, status: ASSOCIATED | SKIPPED | FAILED, reason}``."""
        return [{k: r[k] for k in ("vpc", "status", "reason")} for r in self.details()]

    def details(self) -> list[dict[str, Any]]:
        """The rows with what led to them (VPC id, deliveries, executions, the execution's output)."""
        out = []
        sfn = self._sfn()
        for p in self.played.values():
            arns = self._executions_of(p)
            row: dict[str, Any] = {
                "vpc": p.vpc,
                "vpc_id": p.vpc_id,
                "account": p.account,
                "at": p.at,
                "deliveries": p.deliveries,
                "invoked": p.invoked,
                "executions": len(arns),
            }
            if not arns:
                if not self.dep.conditions.get("Onboarding", bool(self.dep.rules)):
                    row.update(
                        status="SKIPPED",
                        reason="NOT_CONFIGURED: onboarding is off (no Profile to join: "
                        "OnboardProfileId is empty, no rule is deployed)",
                    )
                else:
                    row.update(
                        status="FAILED",
                        reason=f"no onboarding execution started (the event matched {p.invoked} target(s))",
                    )
                out.append(row)
                continue
            desc = sfn.describe_execution(executionArn=arns[0])
            status = desc["status"]
            if status == "SUCCEEDED":
                output = json.loads(desc.get("output") or "{}")
                row.update(
                    status=str(output.get("status", "ASSOCIATED")),
                    reason=str(output.get("reason", "")),
                    output=output,
                )
            elif status == "RUNNING":
                row.update(status="FAILED", reason="the onboarding execution was still running at the end")
            else:
                row.update(
                    status="FAILED", reason=f"{desc.get('error', status)}: {desc.get('cause', '')}"[:1000]
                )
            out.append(row)
        return out


def rehearse_events_only(
    scn: Scenario,
    progress: ProgressFn | None = None,
    twin: Twin | None = None,
    on_created: OnCreated | None = None,
) -> Result:
    """A rehearsal of a scenario without ``migration``: deploy, play its events, report ``onboarded``.

    Status: ``SUCCEEDED`` unless an onboarding ``FAILED``.
    """
    from profile_migrator.planner import plan

    from twin.asl import transitions
    from twin.dispatch import invocations
    from twin.faults import api_calls

    say = progress or (lambda _m: None)
    own = twin is None
    tw = twin or Twin(scn).start()
    try:
        dep = deploy_armed(tw)
        clock = get_clock()
        t_sim0, t_wall0 = clock.now(), time.monotonic()
        sampler = start_sampler(tw).start()
        player = EventPlayer(tw, dep, t0=t_sim0, say=say, on_created=on_created).start()
        try:
            ended = player.wait()
        finally:
            player.stop()
        clock.sleep(3)  # a few more samples after the end
        rows = player.results()
        failed = [r for r in rows if r["status"] == "FAILED"]
        result = Result("FAILED" if failed or not ended else "SUCCEEDED", plan(scn).architecture)
        if not ended:
            result.error = "the events did not finish in time"
        elif failed:
            result.error = "; ".join(f"{r['vpc']}: {r['reason']}" for r in failed)[:2000]
        result.onboarded = rows
        result.executions = player.executions()
        result.state_transitions = sum(transitions(a) for a in result.executions)
        result.lambda_invocations = sum(invocations().values())
        finish(tw, result, sampler, t_sim0, t_wall0)
        result.api_calls = dict(api_calls())
        return result
    finally:
        if own:
            tw.stop()

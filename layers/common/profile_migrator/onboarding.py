"""A new VPC joins the Route 53 Profile (EV-1) — the domain behind the onboarding state machine.

EventBridge delivers AWS's CloudTrail event for ``CreateVpc`` / ``CreateDefaultVpc`` (EV-1; member
accounts forward theirs to the central bus). The trigger starts one execution per VPC, named from the
VPC id, so a repeated event starts nothing twice. The execution then:

1. **decides** — skip, with the reason, a VPC out of scope (account / region lists), gone, tagged to
   opt out (``profile-migrator:opt-out = true``), created by the tool itself (a parking VPC), or that
   already has another Profile (CP-6); otherwise go on;
2. **associates** it with the Profile from the VPC owner's account, by VPC id (CP-9);
3. **polls** the association until ``COMPLETE`` (AS-1; its settings take effect then, AS-4);
4. **probes** it, when the VPC has a probe registered: every name an endpoint on the Profile carries
   must answer with that endpoint's private IPs (RES-7);
5. **notifies** (optional SNS topic).

The decision itself is pure (:func:`decide_vpc`); AWS is reached only through :mod:`.aws`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from botocore.exceptions import ClientError

from . import arns
from .aws import ec2, profiles
from .aws import functions as fn_adapter
from .aws import notify as notify_adapter
from .aws.session import Account, assume_role, default_account, error_code
from .dns_facts import MIN_PRIORITY, service_dns_name
from .models import OnboardRequest, OnboardStepEvent
from .tags import PARKING_TAG

OPT_OUT_TAG = "profile-migrator:opt-out"
EXECUTION_PREFIX = "onboard-"

# Association states (AS-1) that still count as the VPC's Profile (CP-6: DELETING ones block too).
_LIVE = ("CREATING", "UPDATING", "COMPLETE", "DELETING")


class AssociationFailed(Exception):
    """The Profile association ended FAILED (AS-1) or disappeared."""


class PollTimeout(Exception):
    """The Profile association did not complete in time."""


class ProbeFailed(Exception):
    """The VPC's probe did not answer privately for the Profile's endpoint names."""


class NotConfigured(Exception):
    """A setting the onboarding needs is missing (the message names it)."""


def _split(value: str | None) -> frozenset[str]:
    return frozenset(v.strip() for v in (value or "").split(",") if v.strip())


@dataclass(frozen=True)
class Settings:
    """The onboarding's configuration (the template's parameters, through the functions' environment)."""

    profile_id: str
    member_role: str = "profile-migrator-member"
    accounts: frozenset[str] = frozenset()  # empty: every account that reaches the bus
    regions: frozenset[str] = frozenset()  # empty: the stack's own region (a Profile is regional)
    home_region: str = "us-east-1"
    topic_arn: str = ""
    state_machine_arn: str = ""
    poll_initial_seconds: int = 5
    poll_max_seconds: int = 30
    poll_timeout_seconds: float = 1800.0  # AS-1: completion time is silent; Terraform waits 30 min
    probe_attempts: int = 6
    # RES-12: the Profile's priority on a new VPC that already has another Profile; None: the tool picks
    priority: int | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        e = os.environ if env is None else env
        return cls(
            profile_id=e.get("ONBOARD_PROFILE_ID", ""),
            member_role=e.get("MEMBER_ROLE_NAME", "profile-migrator-member"),
            accounts=_split(e.get("ONBOARD_ACCOUNTS")),
            regions=_split(e.get("ONBOARD_REGIONS")),
            home_region=e.get("AWS_REGION") or e.get("AWS_DEFAULT_REGION") or "us-east-1",
            topic_arn=e.get("ONBOARD_TOPIC_ARN", ""),
            state_machine_arn=e.get("ONBOARD_STATE_MACHINE_ARN", ""),
            poll_initial_seconds=int(e.get("ONBOARD_POLL_INITIAL_SECONDS", "5")),
            poll_max_seconds=int(e.get("ONBOARD_POLL_MAX_SECONDS", "30")),
            poll_timeout_seconds=float(e.get("ONBOARD_POLL_TIMEOUT_SECONDS", "1800")),
            probe_attempts=int(e.get("ONBOARD_PROBE_ATTEMPTS", "6")),
            priority=int(e["ONBOARD_PRIORITY"]) if e.get("ONBOARD_PRIORITY", "").strip() else None,
        )

    def allowed_regions(self) -> frozenset[str]:
        return self.regions or frozenset({self.home_region})

    def role_arn(self, account_id: str, region: str) -> str:
        return f"arn:{arns.partition(region)}:iam::{account_id}:role/{self.member_role}"


# -- The trigger ---------------------------------------------------------------------------------------


def execution_name(vpc_id: str) -> str:
    """One execution per VPC: its name is the VPC's id (a repeated event starts nothing twice)."""
    return f"{EXECUTION_PREFIX}{vpc_id}"


# -- The decision (pure) -------------------------------------------------------------------------------

Action = Literal["associate", "skip"]


@dataclass(frozen=True)
class Decision:
    action: Action
    code: str  # OUT_OF_SCOPE_ACCOUNT, OUT_OF_SCOPE_REGION, VPC_NOT_FOUND, PARKING_VPC, OPTED_OUT,
    #            VPC_PROFILE_LIMIT, SHADOWED_BY_OTHER_PROFILE, PRIORITY_IN_USE, ALREADY_ASSOCIATED, NEW_VPC
    reason: str
    priority: int | None = None  # the Profile association's priority when the VPC keeps another (RES-12)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _skip(code: str, reason: str) -> Decision:
    return Decision("skip", code, f"{code}: {reason}")


def scope_decision(req: OnboardRequest, settings: Settings) -> Decision | None:
    """A skip for an account or region out of scope (before any call to the VPC's account)."""
    if req.region not in settings.allowed_regions():
        return _skip(
            "OUT_OF_SCOPE_REGION",
            f"region {req.region} is not in {sorted(settings.allowed_regions())} (a Profile is regional)",
        )
    if settings.accounts and req.account not in settings.accounts:
        return _skip("OUT_OF_SCOPE_ACCOUNT", f"account {req.account} is not in the onboarding's account list")
    return None


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("true", "yes", "1")


def decide_vpc(
    req: OnboardRequest,
    vpc: ec2.VpcInfo | None,
    associations: list[profiles.ProfileAssociation],
    settings: Settings,
) -> Decision:
    """Skip or associate (scope first, then what the VPC's own account says about it)."""
    scoped = scope_decision(req, settings)
    if scoped is not None:
        return scoped
    if vpc is None:
        return _skip("VPC_NOT_FOUND", f"VPC {req.vpc_id} no longer exists in account {req.account}")
    if _truthy(vpc.tags.get(PARKING_TAG)):
        return _skip(
            "PARKING_VPC", f"VPC {req.vpc_id} is a parking VPC the migration created ({PARKING_TAG})"
        )
    if _truthy(vpc.tags.get(OPT_OUT_TAG)):
        return _skip("OPTED_OUT", f"VPC {req.vpc_id} is tagged {OPT_OUT_TAG}={vpc.tags[OPT_OUT_TAG]}")
    live = [a for a in associations if a.vpc_id == req.vpc_id and a.status in _LIVE]
    mine = [a for a in live if a.profile_id == settings.profile_id]
    if mine:
        return Decision(
            "associate",
            "ALREADY_ASSOCIATED",
            f"VPC {req.vpc_id} is already associated with the "
            f"Profile ({mine[0].status}, priority {mine[0].priority})",
            mine[0].priority,
        )
    other = [a for a in live if a.profile_id != settings.profile_id]
    if not other:
        return Decision("associate", "NEW_VPC", f"VPC {req.vpc_id} joins Profile {settings.profile_id}")
    return priority_decision(req.vpc_id, other, settings)


def priority_decision(vpc_id: str, other: list[profiles.ProfileAssociation], settings: Settings) -> Decision:
    """A VPC that keeps other Profiles (RES-1: at most two in all). RES-12: the tool's Profile is evaluated
    *before* the other one, so the endpoints it carries answer under both readings whatever the other
    carries (its zones may be parents of the service names, which it cannot read across accounts); with no
    free priority below the other one that cannot be proven, so the VPC is skipped, never the other
    association changed. ``settings.priority`` overrides the choice."""
    if len(other) >= 2:
        names = ", ".join(a.profile_id for a in other)
        return _skip(
            "VPC_PROFILE_LIMIT",
            f"VPC {vpc_id} already has two Profiles ({names}); a VPC can have at most two (RES-1, CP-6)",
        )
    (o,) = other
    if settings.priority is not None:
        if settings.priority == o.priority:
            return _skip(
                "PRIORITY_IN_USE",
                f"VPC {vpc_id} gives priority {o.priority} to Profile {o.profile_id} "
                "already; the onboarding's priority must differ (CP-6)",
            )
        return Decision(
            "associate",
            "NEW_VPC",
            f"VPC {vpc_id} joins Profile {settings.profile_id} at the "
            f"configured priority {settings.priority}, beside Profile {o.profile_id} at {o.priority} "
            "(RES-12)",
            settings.priority,
        )
    if o.priority <= MIN_PRIORITY:
        return _skip(
            "SHADOWED_BY_OTHER_PROFILE",
            f"VPC {vpc_id} has Profile {o.profile_id} at priority "
            f"{o.priority}, evaluated before any other: under the priority-first reading of RES-12 it "
            "could answer the endpoints' names; set the onboarding's priority to override",
        )
    prio = max(MIN_PRIORITY, o.priority - 100)
    return Decision(
        "associate",
        "NEW_VPC",
        f"VPC {vpc_id} joins Profile {settings.profile_id} at priority "
        f"{prio}, before Profile {o.profile_id} at {o.priority} (RES-12)",
        prio,
    )


# -- The steps (AWS through the adapters) --------------------------------------------------------------


def _settings() -> Settings:
    s = Settings.from_env()
    if not s.profile_id:
        raise NotConfigured("ONBOARD_PROFILE_ID is not set")
    return s


def owner_account(settings: Settings, account_id: str, region: str) -> Account:
    """The VPC owner's account (CP-9: it associates its own VPC): this function's own account, or the
    member role there."""
    home = default_account(region)
    if home.id() == account_id:
        return home
    return assume_role(home, settings.role_arn(account_id, region), "profile-migrator-onboard")


@dataclass
class ProbePlan:
    arn: str
    names: list[str] = field(default_factory=list)
    expected: dict[str, list[str]] = field(default_factory=dict)


def probe_plan(settings: Settings, req: OnboardRequest, probe_arn: str) -> ProbePlan:
    """What the VPC's probe must see once associated: each endpoint the Profile carries resolves to its
    private IPs (RES-7). Read by the Profile's owner (this account) and each endpoint's owner."""
    home = default_account(req.region)
    plan = ProbePlan(probe_arn)
    for res in profiles.list_resource_associations(home, settings.profile_id):
        if ":vpc-endpoint/" not in res.resource_arn or res.status != "COMPLETE":
            continue
        owner, endpoint_id = res.resource_arn.split(":")[4], res.resource_arn.rsplit("/", 1)[-1]
        acct = owner_account(settings, owner, req.region)
        ep = ec2.get_endpoint(acct, endpoint_id)
        name = service_dns_name(ep.service, req.region)
        plan.expected.setdefault(name, []).extend(ec2.endpoint_ips(acct, ep))
        if name not in plan.names:
            plan.names.append(name)
    return plan


def decide(req: OnboardRequest) -> dict[str, Any]:
    """The Decide step: ``{action, code, reason, profile_id, vpc_name, dns_ready, probe?}``."""
    settings = _settings()
    scoped = scope_decision(req, settings)
    if scoped is not None:
        return {**scoped.to_json(), "profile_id": settings.profile_id}
    acct = owner_account(settings, req.account, req.region)
    vpc = ec2.get_vpc(acct, req.vpc_id)
    assocs = profiles.associations_of_vpc(acct, req.vpc_id) if vpc is not None else []
    d = decide_vpc(req, vpc, assocs, settings)
    out: dict[str, Any] = {**d.to_json(), "profile_id": settings.profile_id}
    if d.action == "skip" or vpc is None:
        return out
    # RES-11: the Profile's zones answer only with both DNS attributes on; reported, not refused.
    out["dns_ready"] = vpc.dns_support and vpc.dns_hostnames
    out["vpc_name"] = vpc.name
    # read in the VPC owner's account, and trusted only as a function of that account (see probe_problem)
    probe_arn = fn_adapter.registered_probes(acct).get(req.vpc_id)
    refused = fn_adapter.probe_problem(probe_arn, req.account, req.region) if probe_arn else None
    if refused:
        out["probe_refused"] = refused
        probe_arn = None
    if probe_arn is not None:
        plan = probe_plan(settings, req, probe_arn)
        if plan.names:
            out["probe"] = asdict(plan)
    return out


def _association_json(a: profiles.ProfileAssociation, settings: Settings, **extra: Any) -> dict[str, Any]:
    return {
        "id": a.id,
        "profile_id": a.profile_id,
        "status": a.status,
        "polls": 0,
        "elapsed": 0,
        "interval": settings.poll_initial_seconds,
        **extra,
    }


def associate(ev: OnboardStepEvent) -> dict[str, Any]:
    """AssociateProfile from the VPC owner's account with the VPC id (CP-9); idempotent (SF-2).

    A VPC that got other Profiles since the decision so that it cannot join is skipped (``status: SKIPPED``),
    not failed; one other Profile is joined at a priority before it (RES-12, :func:`priority_decision`).
    """
    settings = _settings()
    req = ev.request
    acct = owner_account(settings, req.account, req.region)

    def current() -> tuple[profiles.ProfileAssociation | None, list[profiles.ProfileAssociation]]:
        live = [a for a in profiles.associations_of_vpc(acct, req.vpc_id) if a.status in _LIVE]
        mine = next((a for a in live if a.profile_id == settings.profile_id), None)
        return mine, [a for a in live if a.profile_id != settings.profile_id]

    mine, others = current()
    if mine is None:
        d = priority_decision(req.vpc_id, others, settings) if others else None
        if d is not None and d.action == "skip":  # the VPC got other Profiles since the decision
            return {
                "id": others[0].id,
                "profile_id": others[0].profile_id,
                "status": "SKIPPED",
                "reason": d.reason,
            }
        try:
            mine = profiles.associate_vpc(
                acct,
                settings.profile_id,
                req.vpc_id,
                execution_name(req.vpc_id),
                d.priority if d is not None else None,
            )
        except ClientError as exc:
            # CP-6: the same Profile again fails with ResourceExistsException or ConflictException (which
            # one is silent): look again to tell "ours already" from a refusal.
            if error_code(exc) not in ("ResourceExistsException", "ConflictException"):
                raise
            mine, others = current()
            if mine is None:
                raise
    assert mine is not None
    return _association_json(mine, settings)


def poll(ev: OnboardStepEvent) -> dict[str, Any]:
    """One poll of the association (AS-1); the interval doubles up to a maximum."""
    settings = Settings.from_env()
    req = ev.request
    res = dict(ev.association)
    acct = owner_account(settings, req.account, req.region)
    try:
        status = profiles.get_vpc_association(acct, str(res["id"])).status
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            raise AssociationFailed(f"association {res['id']} of VPC {req.vpc_id} disappeared") from None
        raise
    res["status"] = status
    res["polls"] = int(res.get("polls", 0)) + 1
    res["elapsed"] = float(res.get("elapsed", 0)) + float(res.get("interval", 0))
    if status in ("FAILED", "DELETING", "DELETED"):
        raise AssociationFailed(
            f"association {res['id']} of VPC {req.vpc_id} with Profile {res.get('profile_id')} ended {status}"
        )
    if status != "COMPLETE":
        if res["elapsed"] >= settings.poll_timeout_seconds:
            raise PollTimeout(
                f"association {res['id']} of VPC {req.vpc_id} still {status} after {res['elapsed']:.0f} s"
            )
        res["interval"] = int(min(int(res["interval"]) * 2, settings.poll_max_seconds))
    return res


def probe(ev: OnboardStepEvent) -> dict[str, Any]:
    """Invoke the VPC's probe once; ``passed`` when every name answered privately."""
    settings = Settings.from_env()
    plan = ev.decision.get("probe") or {}
    attempts = int(ev.probe.get("attempts", 0)) + 1
    home = default_account(ev.request.region)
    try:
        answers = fn_adapter.invoke_json(
            home, str(plan["arn"]), {"names": plan["names"], "expected": plan["expected"]}
        )["answers"]
    except fn_adapter.FunctionError as exc:  # a probe that cannot run counts as a failed answer
        answers = {n: {"class": f"probe-error:{exc.error_type}"} for n in plan["names"]}
    last = {n: str(answers.get(n, {}).get("class", "missing")) for n in plan["names"]}
    passed = all(c == "private" for c in last.values())
    if not passed and attempts >= settings.probe_attempts:
        raise ProbeFailed(
            f"the probe of VPC {ev.request.vpc_id} did not answer privately after {attempts} attempts: {last}"
        )
    return {"attempts": attempts, "last": last, "status": "passed" if passed else "pending"}


def notify(ev: OnboardStepEvent) -> dict[str, Any]:
    """The outcome (the execution's output), published to the topic when one is configured."""
    settings = Settings.from_env()
    req = ev.request
    status = ev.status or "ASSOCIATED"
    reason = ""
    if status == "FAILED":
        reason = _failure_reason(ev.failure)
    elif status == "SKIPPED":
        reason = str(ev.association.get("reason") or ev.decision.get("reason") or "")
    summary: dict[str, Any] = {
        "vpc_id": req.vpc_id,
        "account": req.account,
        "region": req.region,
        "status": status,
        "reason": reason,
        "profile_id": ev.decision.get("profile_id") or settings.profile_id,
        "association_id": ev.association.get("id", ""),
        "probe": ev.probe.get("status", "none"),
        "dns_ready": ev.decision.get("dns_ready"),
        "execution": ev.execution,
        "notified": False,
    }
    if settings.topic_arn:
        try:
            notify_adapter.publish_json(
                default_account(settings.home_region),
                settings.topic_arn,
                summary,
                subject=f"profile-migrator: VPC {req.vpc_id} {status}",
            )
            summary["notified"] = True
        except ClientError as exc:  # a lost notification must not undo an onboarding
            summary["notify_error"] = error_code(exc) or str(exc)
    return summary


def _failure_reason(failure: Mapping[str, Any]) -> str:
    """``Error: message`` from a Catch's ``{Error, Cause}`` (a Lambda's Cause is its error JSON)."""
    error = str(failure.get("Error", "Error"))
    cause = str(failure.get("Cause", ""))
    try:
        cause = str(json.loads(cause).get("errorMessage", cause))
    except (ValueError, AttributeError):
        pass
    return f"{error}: {cause}"[:1000]

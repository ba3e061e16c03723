"""Event models of the state machine's functions (strict about unknown fields at the edge).

Declared with :mod:`.typed` (pydantic's spelling, in the stdlib): every function parses its event with these,
and pydantic's own import would cost each cold start more than the issue-11 budget (see :mod:`.typed`). The
console's migration request (``MigrationInput``) is pydantic: :mod:`.request`, loaded by the preflight only.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from .arns import PARTITIONS, partition_of, role_parts
from .typed import ConfigDict, Field, Model, field_validator, model_validator

__all__ = ["PARTITIONS", "partition_of", "role_parts"]

MAX_ENDPOINTS = 250  # endpoints of one execution (the input's size and the plan's stay bounded)
MAX_NAME = 256  # a Name tag's value is at most 256 characters; an id is shorter


def _matching(pattern: str, v: str, what: str) -> str:
    """``v`` when it matches ``pattern`` whole, else a ValueError saying it is not ``what``."""
    if not re.fullmatch(pattern, v):
        raise ValueError(f"{v!r} is not {what}")
    return v


class _Event(Model):
    """Unknown fields are ignored (pydantic's default): the state machine may pass more than a function reads."""


class _Model(_Event):
    model_config = ConfigDict(extra="forbid")


class AccountRef(_Model):
    id: str
    role_arn: str | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        return _matching(r"\d{12}", v, "a 12-digit account id")

    @field_validator("role_arn")
    @classmethod
    def _role(cls, v: str | None) -> str | None:
        if v is not None and role_parts(v) is None:
            raise ValueError(
                f"{v!r} is not an IAM role ARN (arn:<partition>:iam::<12-digit account>:role/<name>, "
                f"partition one of {', '.join(PARTITIONS)})"
            )
        return v


def role_problem(alias: str, acct: AccountRef, region: str | None, member_role: str = "") -> str | None:
    """Why account ``alias``'s role must not be assumed (None: it may). Confused deputy: the role ARN comes
    from the execution input, so it must be that account's own role (its id), in the partition of the
    input's Region, and -- when the stack names its member role (``member_role``) -- that role."""
    if acct.role_arn is None:
        return None
    parts = role_parts(acct.role_arn)
    if parts is None:
        return f"account {alias!r}: role_arn {acct.role_arn!r} is not an IAM role ARN"
    partition, account, name = parts
    if account != acct.id:
        return (
            f"account {alias!r}: role_arn {acct.role_arn!r} is a role of account {account}, "
            f"not of the account's id {acct.id}"
        )
    region_partition = partition_of(region) if region else None
    if region_partition is not None and partition != region_partition:
        return (
            f"account {alias!r}: role_arn {acct.role_arn!r} is in partition {partition}, but region "
            f"{region} is in partition {region_partition}"
        )
    if member_role and name != member_role:
        return (
            f"account {alias!r}: role_arn {acct.role_arn!r} names role {name!r}, but this stack assumes "
            f"only its member role {member_role!r} (MemberRoleName)"
        )
    return None


class GateConfig(_Model):
    consecutive: int = Field(3, ge=1, le=20)
    interval_seconds: int = Field(5, gt=0, le=300)  # a Wait state's SecondsPath takes an integer
    timeout_seconds: float = Field(180, gt=0, le=3600)
    # The rollback's last gate proves every watched VPC is back; it may have to outlast the fault
    # that caused the rollback (a resolver outage), so it waits longer.
    proof_timeout_seconds: float = Field(900, gt=0, le=86400)
    # Probes invoked at once by one check (each in its own VPC, so RES-9's per-interface rate is unchanged).
    concurrency: int = Field(32, ge=1, le=64)
    # Answers the gate takes itself once its wave settled; the rest of the ``consecutive`` streak may come
    # from the steps' own probes in the last intervals before their changes settled (runtime.Observer).
    # Set it to ``consecutive`` for a gate that counts only answers after the change.
    settled_answers: int = Field(1, ge=1, le=20)

    @model_validator(mode="after")
    def _settled_within_streak(self) -> GateConfig:
        if self.settled_answers > self.consecutive:
            raise ValueError(
                f"settled_answers ({self.settled_answers}) must not exceed consecutive ({self.consecutive})"
            )
        return self


# What a step waits for (actions.poll): a Route 53 change (AS-3), an endpoint (AS-2), a Profile's VPC or
# resource association (AS-1).
WAIT_KINDS = ("change", "endpoint", "profile-association", "resource-association")


class PollConfig(_Model):
    # The short interval: between polls once a change is past its expected duration (or from the start,
    # when nothing is expected of it); the interval then grows to max_seconds for a change that overruns.
    initial_seconds: int = Field(5, gt=0, le=300)
    max_seconds: int = Field(30, gt=0, le=900)
    timeout_seconds: float = Field(900, gt=0, le=86400)
    # Wait kind (``change``, ``endpoint``, ``profile-association``, ``resource-association``; a ``-gone``
    # kind is its association's) -> how long such a change usually takes in this account (AS-1..AS-3: AWS
    # is silent): the first poll is made then, not on a doubling grid (issue 11).
    expected_seconds: dict[str, float] = Field(default_factory=dict)

    @field_validator("expected_seconds")
    @classmethod
    def _expected(cls, v: dict[str, float]) -> dict[str, float]:
        for kind, seconds in v.items():
            if kind not in WAIT_KINDS:
                raise ValueError(f"{kind!r} is not a wait kind (one of {', '.join(WAIT_KINDS)})")
            if not 0 <= seconds <= 86400:
                raise ValueError(f"{kind}: {seconds} s is not between 0 and 86400")
        return v


class Ids(_Event):
    vpcs: dict[str, str] = Field(default_factory=dict)
    endpoints: dict[str, str] = Field(default_factory=dict)
    zones: dict[str, str] = Field(default_factory=dict)
    profiles: dict[str, str] = Field(default_factory=dict)
    endpoint_accounts: dict[str, str] = Field(default_factory=dict)


class Ctx(_Event):
    """What every function of one execution needs: accounts, ids, probes, watched names, endpoint IPs."""

    region: str
    accounts: dict[str, AccountRef]
    ids: Ids = Field(default_factory=Ids)
    probes: dict[str, str] = Field(default_factory=dict)  # VPC name -> probe function ARN
    watched: dict[str, list[str]] = Field(default_factory=dict)  # VPC name -> names private at the start
    private_ips: dict[str, list[str]] = Field(default_factory=dict)  # service name -> endpoint ENI IPs
    dns_names: dict[str, str] = Field(default_factory=dict)  # migrated endpoint -> its service name


class RunRef(_Event):
    """Where Preflight stored the run's documents (SF-5: the state carries this, not the plan)."""

    bucket: str
    prefix: str
    region: str
    shared: str = ""  # item files the maps read (ItemReader): the shared waves, the lanes, the cleanup lanes
    lanes: str = ""
    cleanup: str = ""


class Config(_Event):
    gate: GateConfig = Field(default_factory=GateConfig)
    poll: PollConfig = Field(default_factory=PollConfig)
    approval_timeout_seconds: int = 3600


# forward: up to the point of no return (a failure rolls back); cleanup: after it (a failure is a
# warning); undo: the compensation.
Mode = Literal["forward", "cleanup", "undo"]


class RunEvent(_Event):
    """An event that needs the run's context: inline (``ctx``) or by reference (``run``, SF-5)."""

    ctx: Ctx | None = None
    run: RunRef | None = None


class PreflightEvent(_Event):
    """The preflight's event: the migration request (parsed by :func:`preflight.parse_input`, which words
    its errors for a person) and the execution's name."""

    request: dict[str, Any] = Field(default_factory=dict)
    execution: str = ""
    functions: dict[str, str] = Field(default_factory=dict)  # step function -> ARN (the state machine's)


class StepEvent(RunEvent):
    step: dict[str, Any]
    config: Config
    execution: str
    mode: Mode = "forward"


class PollEvent(RunEvent):
    result: dict[str, Any]
    config: Config
    mode: Mode = "forward"


class GateEvent(RunEvent):
    vpcs: list[str]
    config: Config
    state: dict[str, Any] = Field(default_factory=dict)
    mode: Mode = "forward"
    steps: list[dict[str, Any]] = Field(default_factory=list)  # the wave's steps (to name them on failure)
    # The steps' results: the streaks their functions counted while the changes settled (runtime.Observer).
    observed: list[dict[str, Any]] = Field(default_factory=list)


class LockEvent(RunEvent):
    op: Literal["acquire", "release"]
    keys: list[str] = Field(default_factory=list)  # or the run context's lock keys
    execution: str
    execution_arn: str = ""


class CompensateEvent(RunEvent):
    execution: str
    watched: list[str] = Field(default_factory=list)  # or the run context's watched VPCs
    failure: dict[str, Any] = Field(default_factory=dict)


class OutcomeEvent(RunEvent):
    """What the outcome function words: a failed step (``explain``), the end of a successful run
    (``summarize``: the cleanup steps left as warnings), or a rollback that failed too."""

    op: Literal["explain", "summarize", "rollback-failed", "left"]
    execution: str = ""
    mode: Mode = "forward"
    step: dict[str, Any] = Field(default_factory=dict)
    failure: dict[str, Any] = Field(default_factory=dict)
    cleanup: list[dict[str, Any]] | dict[str, Any] = Field(
        default_factory=list
    )  # waves, or the Map's failure
    rollback_failure: dict[str, Any] = Field(default_factory=dict)


class ApprovalRequest(RunEvent):
    token: str = Field(min_length=1, max_length=2048)  # SF-1
    step: dict[str, Any]
    execution: str


def __getattr__(name: str) -> Any:
    # The console's request models moved to :mod:`.request` (pydantic: the preflight's only), still
    # importable from here.
    if name in ("MigrationInput", "ConcurrencyConfig"):
        from . import request

        return getattr(request, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# -- Onboarding: a new VPC joins the Profile (EV-1) -----------------------------------------------------
# The CloudTrail event is AWS's, not ours: unknown fields are allowed (CloudTrail carries many more);
# only what the decision needs is declared, with AWS's own spelling as aliases.


class CloudTrailVpc(_Event):
    model_config = ConfigDict(populate_by_name=True)

    vpc_id: str = Field(alias="vpcId", pattern=r"^vpc-[0-9a-f]+$")
    owner_id: str | None = Field(None, alias="ownerId")


class CreateVpcResponse(_Event):
    vpc: CloudTrailVpc


class CreateVpcDetail(_Event):
    """``detail`` of the EventBridge event for a CreateVpc / CreateDefaultVpc call (EV-1)."""

    model_config = ConfigDict(populate_by_name=True)

    event_name: Literal["CreateVpc", "CreateDefaultVpc"] = Field(alias="eventName")
    event_source: Literal["ec2.amazonaws.com"] = Field(alias="eventSource")
    aws_region: str = Field(alias="awsRegion")
    recipient_account_id: str = Field(alias="recipientAccountId", pattern=r"^\d{12}$")
    # CloudTrail records failed calls too: then errorCode is set and responseElements is null.
    error_code: str | None = Field(None, alias="errorCode")
    response_elements: CreateVpcResponse | None = Field(None, alias="responseElements")


class OnboardRequest(_Model):
    """The onboarding execution's input (the trigger builds it from the event; deterministic, so a
    repeated event gives the same input: SF StartExecution is then idempotent)."""

    vpc_id: str = Field(pattern=r"^vpc-[0-9a-f]+$")
    account: str = Field(pattern=r"^\d{12}$")
    region: str
    event_name: str = "CreateVpc"


class OnboardStepEvent(_Event):
    """What every onboarding step function gets: the request plus the state so far."""

    request: OnboardRequest
    execution: str = ""
    decision: dict[str, Any] = Field(default_factory=dict)
    association: dict[str, Any] = Field(default_factory=dict)
    probe: dict[str, Any] = Field(default_factory=dict)
    status: Literal["ASSOCIATED", "SKIPPED", "FAILED"] | None = None
    failure: dict[str, Any] = Field(default_factory=dict)

"""The DNS estate model and the scenario loader (``scenario-format.md``) — pure data, no boto3.

A scenario names everything with its own handles (``dev``, ``lambda``, ``lambda-zone``); the twin and
discovery map those handles to AWS ids. Loading is strict: an unknown key, a dangling name, a malformed
CIDR or account id, a duplicate name, a record aliasing an unknown endpoint — each is a
:class:`ScenarioError` naming the file, the key path and the reason.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

# PyYAML reads scenario files (load_scenario) and is imported there: the preflight, which discovers the
# estate and never reads a file, does not load it on its first event.
if TYPE_CHECKING:
    import yaml

from .dns_facts import DEFAULT_PRIORITY as DEFAULT_PRIORITY
from .dns_facts import MAX_PRIORITY as MAX_PRIORITY
from .dns_facts import MIN_PRIORITY as MIN_PRIORITY
from .dns_facts import service_dns_name as service_dns_name

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
ACCOUNT_RE = re.compile(r"^\d{12}$")
REGION_RE = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$")
DNS_NAME_RE = re.compile(
    r"^(?=.{1,253}$)([a-z0-9_*]([a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"
)


class ScenarioError(Exception):
    """An unreadable or invalid scenario. ``str()`` names the file, the key path and the reason."""

    def __init__(self, file: str, path: str, reason: str) -> None:
        self.file = file
        self.path = path
        self.reason = reason
        where = f"{file}: {path}" if path else file
        super().__init__(f"{where}: {reason}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False, validate_assignment=False)


def _check_name(value: str, what: str) -> str:
    if not NAME_RE.match(value):
        raise ValueError(f"{what} {value!r} is not a valid name (letters, digits, '.', '_', '-'; max 63)")
    return value


class Vpc(_Strict):
    account: str
    cidr: str
    probe: bool = True
    dns_hostnames: bool = True
    dns_support: bool = True
    tags: dict[str, str] = Field(default_factory=dict)

    @field_validator("cidr")
    @classmethod
    def _cidr(cls, v: str) -> str:
        try:
            net = ipaddress.IPv4Network(v, strict=True)
        except ValueError as exc:
            raise ValueError(f"malformed IPv4 CIDR {v!r}: {exc}") from None
        if not 16 <= net.prefixlen <= 28:
            raise ValueError(f"CIDR {v!r}: a VPC's prefix length must be between /16 and /28")
        return str(net)

    @property
    def network(self) -> ipaddress.IPv4Network:
        return ipaddress.IPv4Network(self.cidr)


EndpointState = Literal["Available", "Pending", "PendingAcceptance", "Deleting", "Failed", "Rejected"]


def _dns_name(v: str, what: str) -> str:
    """``v`` as a DNS name (no trailing dot, lower case), or a ValueError naming ``what``."""
    v = v.rstrip(".").lower()
    if not DNS_NAME_RE.match(v):
        raise ValueError(f"{what} {v!r} is not a DNS name")
    return v


class Endpoint(_Strict):
    vpc: str
    service: str
    private_dns: bool = False
    dns_name: str | None = None
    state: EndpointState = "Available"

    @field_validator("service")
    @classmethod
    def _service(cls, v: str) -> str:
        if not re.match(r"^[a-z0-9][a-z0-9.-]*[a-z0-9]$", v):
            raise ValueError(f"service short name {v!r} is malformed (e.g. lambda, ecr.api)")
        return v

    @field_validator("dns_name")
    @classmethod
    def _dns(cls, v: str | None) -> str | None:
        return None if v is None else _dns_name(v, "dns_name")


class Record(_Strict):
    name: str
    type: Literal["A", "AAAA", "CNAME", "TXT", "MX", "SOA", "NS", "SRV", "CAA", "PTR", "SPF", "NAPTR"] = "A"
    alias_to: str | None = None
    values: list[str] | None = None
    ttl: int | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return _dns_name(v, "record name")

    @model_validator(mode="after")
    def _one_target(self) -> Record:
        if (self.alias_to is None) == (self.values is None):
            raise ValueError("a record needs exactly one of `alias_to` (an endpoint name) or `values`")
        if self.alias_to is not None and self.type not in ("A", "AAAA"):
            raise ValueError(f"an alias to an endpoint must be of type A or AAAA, not {self.type}")
        if self.values is not None and self.type == "A":
            for val in self.values:
                try:
                    ipaddress.IPv4Address(val)
                except ValueError:
                    raise ValueError(f"A record value {val!r} is not an IPv4 address") from None
        return self


# VPC associations per private hosted zone, AWS's default quota (raised per zone on request).
DEFAULT_ZONE_MAX_VPCS = 300


class HostedZone(_Strict):
    account: str
    name: str
    vpcs: list[str] = Field(default_factory=list)
    max_vpcs: int = Field(DEFAULT_ZONE_MAX_VPCS, ge=1)  # VPC associations per private hosted zone
    records: list[Record] = Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return _dns_name(v, "zone name")


# RES-12 / CP-6: a Profile association's priority (dns_facts: 100-9900, lower evaluated first; 100 when omitted).
Priority = Annotated[int, Field(ge=MIN_PRIORITY, le=MAX_PRIORITY)]


class ProfileVpc(_Strict):
    """A Profile-VPC association given with its priority (``{vpc: dev, priority: 200}``)."""

    vpc: str
    priority: Priority = DEFAULT_PRIORITY


# A Profile's VPC entry: a name, or {vpc, priority}; tagged so an error names the real key (not the union arm).
ProfileVpcEntry = Annotated[
    Annotated[str, Tag("vpc-name")] | Annotated[ProfileVpc, Tag("vpc-association")],
    Discriminator(lambda v: "vpc-name" if isinstance(v, str) else "vpc-association"),
]


class Profile(_Strict):
    account: str
    # Each entry is a VPC name (priority 100) or {vpc, priority} (RES-12, CP-6).
    vpcs: list[ProfileVpcEntry] = Field(default_factory=list)
    max_vpcs: int = Field(1000, ge=1)  # VPCs per Profile
    hosted_zones: list[str] = Field(default_factory=list)
    endpoints: list[str] = Field(default_factory=list)
    shared_with: list[str] = Field(default_factory=list)

    @property
    def vpc_names(self) -> list[str]:
        return [v if isinstance(v, str) else v.vpc for v in self.vpcs]

    @property
    def priorities(self) -> dict[str, int]:
        """VPC name -> the priority of its association with this Profile (RES-12)."""
        return {v: DEFAULT_PRIORITY for v in self.vpcs if isinstance(v, str)} | {
            v.vpc: v.priority for v in self.vpcs if isinstance(v, ProfileVpc)
        }


Approvals = Literal["none", "destructive", "every-step"]


class Migration(_Strict):
    profile: str
    endpoints: list[str]
    approvals: Approvals = "none"
    parking_vpc: str = "auto"
    # The target Profile's priority on a VPC that already has another Profile (RES-12); None: the planner
    # picks one and says which.
    priority: Priority | None = None

    @field_validator("endpoints")
    @classmethod
    def _non_empty(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("at least one endpoint must be named")
        if len(set(v)) != len(v):
            raise ValueError("an endpoint is named twice")
        return v


class Durations(_Strict):
    endpoint_pending: float = Field(60.0, ge=0)
    profile_association: float = Field(20.0, ge=0)
    resource_association: float = Field(20.0, ge=0)
    phz_change: float = Field(30.0, ge=0)
    operator_action: float = Field(20.0, ge=0)


class Approver(_Strict):
    answer: Literal["approve", "reject", "ignore"] = "approve"
    at: str | None = None


class ThrottleFault(_Strict):
    kind: Literal["throttle"]
    service: Literal["route53", "route53profiles", "ec2"]
    rate: float = Field(gt=0)


class ErrorFault(_Strict):
    kind: Literal["error"]
    operation: str
    times: int = Field(1, ge=1)
    code: str


class StuckFault(_Strict):
    kind: Literal["stuck"]
    endpoint: str


class AssociationFailsFault(_Strict):
    kind: Literal["association-fails"]
    profile: str
    resource: str


class ResolverOutageFault(_Strict):
    kind: Literal["resolver-outage"]
    vpc: str
    from_: float = Field(alias="from", ge=0)
    to: float = Field(ge=0)

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @model_validator(mode="after")
    def _order(self) -> ResolverOutageFault:
        if self.to <= self.from_:
            raise ValueError("`to` must be after `from`")
        return self


class PriorRequestFault(_Strict):
    kind: Literal["prior-request"]


class CrashFault(_Strict):
    kind: Literal["crash"]
    function: str
    times: int = Field(1, ge=1)


Fault = Annotated[
    ThrottleFault
    | ErrorFault
    | StuckFault
    | AssociationFailsFault
    | ResolverOutageFault
    | PriorRequestFault
    | CrashFault,
    Field(discriminator="kind"),
]


class TwinConfig(_Strict):
    time_scale: float = Field(0.01, gt=0)
    durations: Durations = Field(default_factory=Durations)
    negative_cache_ttl: float = Field(0.0, ge=0)
    profile_precedence: Literal["priority-first", "specificity-first"] = "priority-first"  # RES-12 readings
    rate_limits: Literal["aws", "off"] = "aws"  # RL-1 / RL-2 token buckets per account
    # IAM from the templates: every call of a function runs with its role (docs/twin.md); off for debugging.
    iam: Literal["on", "off"] = "on"
    approver: Approver = Field(default_factory=Approver)
    faults: list[Fault] = Field(default_factory=list)


class CreateVpcEvent(_Strict):
    at: float = Field(ge=0)
    kind: Literal["create-vpc"]
    vpc: str
    account: str
    cidr: str
    tags: dict[str, str] = Field(default_factory=dict)

    @field_validator("cidr")
    @classmethod
    def _cidr(cls, v: str) -> str:
        return Vpc._cidr(v)


def _account_id(v: Any) -> str:
    """A 12-digit account id, as a string (validated per alias so the error names ``accounts.<alias>``)."""
    if isinstance(v, int) and not isinstance(v, bool):
        raise ValueError(f"{v!r} is a number: write the account id as a quoted string of 12 digits")
    if not isinstance(v, str) or not ACCOUNT_RE.match(v):
        raise ValueError(f"{v!r} is not a 12-digit account id")
    return v


AccountId = Annotated[str, BeforeValidator(_account_id)]


class Scenario(_Strict):
    region: str = "us-east-1"
    accounts: dict[str, AccountId] = Field(default_factory=dict)
    vpcs: dict[str, Vpc] = Field(default_factory=dict)
    endpoints: dict[str, Endpoint] = Field(default_factory=dict)
    hosted_zones: dict[str, HostedZone] = Field(default_factory=dict)
    profiles: dict[str, Profile] = Field(default_factory=dict)
    migration: Migration | None = None
    twin: TwinConfig = Field(default_factory=TwinConfig)
    events: list[CreateVpcEvent] = Field(default_factory=list)

    @field_validator("region")
    @classmethod
    def _region(cls, v: str) -> str:
        if not REGION_RE.match(v):
            raise ValueError(f"region {v!r} is not an AWS region name (e.g. us-east-1)")
        return v

    # -- derived helpers -------------------------------------------------------------------------
    def endpoint_dns_name(self, endpoint: str) -> str:
        ep = self.endpoints[endpoint]
        return ep.dns_name or service_dns_name(ep.service, self.region)

    def profiles_of_vpc(self, vpc: str) -> dict[str, int]:
        """Profile name -> priority of every Profile associated with ``vpc`` (RES-1: at most two)."""
        out: dict[str, int] = {}
        for name, prof in self.profiles.items():
            prio = prof.priorities.get(vpc)
            if prio is not None:
                out[name] = prio
        return out

    def account_id(self, alias: str) -> str:
        return self.accounts[alias]


# -- cross-reference checks ------------------------------------------------------------------------


def _refs(scn: Scenario) -> Iterator[tuple[str, str]]:
    """Yield (key path, reason) for every dangling or conflicting reference."""
    accounts = scn.accounts
    names: dict[str, str] = {}
    for section in ("vpcs", "endpoints", "hosted_zones", "profiles"):
        for name in getattr(scn, section):
            try:
                _check_name(name, "name")
            except ValueError as exc:
                yield f"{section}.{name}", str(exc)
            if name in names:
                yield f"{section}.{name}", f"duplicate name: {name!r} is already used in {names[name]}"
            names[name] = section
    ids: dict[str, str] = {}
    for name, acct_id in scn.accounts.items():
        try:
            _check_name(name, "account alias")
        except ValueError as exc:
            yield f"accounts.{name}", str(exc)
        if name in names:
            yield f"accounts.{name}", f"duplicate name: {name!r} is also used in {names[name]}"
        if acct_id in ids:
            yield f"accounts.{name}", f"account id {acct_id} is already used by account {ids[acct_id]!r}"
        ids[acct_id] = name

    def acct(path: str, alias: str) -> Iterator[tuple[str, str]]:
        if alias not in accounts:
            yield path, f"unknown account {alias!r} (declared accounts: {sorted(accounts) or 'none'})"

    nets: list[tuple[ipaddress.IPv4Network, str, str]] = []
    for name, vpc_model in scn.vpcs.items():
        yield from acct(f"vpcs.{name}.account", vpc_model.account)
        nets.append((vpc_model.network, name, vpc_model.account))
    for name, ep in scn.endpoints.items():
        if ep.vpc not in scn.vpcs:
            yield f"endpoints.{name}.vpc", f"unknown VPC {ep.vpc!r}"
    for name, zone in scn.hosted_zones.items():
        yield from acct(f"hosted_zones.{name}.account", zone.account)
        seen: set[str] = set()
        for i, vpc in enumerate(zone.vpcs):
            if vpc not in scn.vpcs:
                yield f"hosted_zones.{name}.vpcs[{i}]", f"unknown VPC {vpc!r}"
            if vpc in seen:
                yield f"hosted_zones.{name}.vpcs[{i}]", f"VPC {vpc!r} is listed twice"
            seen.add(vpc)
        rec_seen: set[tuple[str, str]] = set()
        if len(zone.vpcs) > zone.max_vpcs:
            yield (
                f"hosted_zones.{name}.vpcs",
                f"{len(zone.vpcs)} VPCs exceed the zone's max_vpcs {zone.max_vpcs} (Q-1)",
            )
        for i, rec in enumerate(zone.records):
            if rec.alias_to is not None and rec.alias_to not in scn.endpoints:
                yield f"hosted_zones.{name}.records[{i}].alias_to", f"unknown endpoint {rec.alias_to!r}"
            if not (rec.name == zone.name or rec.name.endswith("." + zone.name)):
                yield f"hosted_zones.{name}.records[{i}].name", f"{rec.name!r} is not in zone {zone.name!r}"
            if (rec.name, rec.type) in rec_seen:
                yield f"hosted_zones.{name}.records[{i}]", f"duplicate record {rec.name} {rec.type}"
            rec_seen.add((rec.name, rec.type))
    # CP-2: a VPC cannot have two directly associated zones of the same name.
    direct: dict[tuple[str, str], str] = {}
    for name, zone in scn.hosted_zones.items():
        for vpc in zone.vpcs:
            key = (vpc, zone.name)
            if key in direct:
                yield (
                    f"hosted_zones.{name}.vpcs",
                    f"conflicting estate: VPC {vpc!r} is associated with two zones named {zone.name} "
                    f"({direct[key]!r} and {name!r}); AWS refuses that (CP-2)",
                )
            direct[key] = name
    for name, ep in scn.endpoints.items():
        if ep.private_dns and ep.vpc in scn.vpcs:
            key = (ep.vpc, scn.endpoint_dns_name(name))
            if key in direct:
                yield (
                    f"endpoints.{name}.private_dns",
                    f"conflicting estate: Private DNS is on while zone {direct[key]!r} of the same name is "
                    f"directly associated with VPC {ep.vpc!r}; AWS refuses that (CP-1, CP-2)",
                )
    vpc_profiles: dict[str, dict[int, str]] = {}  # VPC -> priority -> Profile
    for name, prof in scn.profiles.items():
        yield from acct(f"profiles.{name}.account", prof.account)
        listed: set[str] = set()
        for i, vpc in enumerate(prof.vpc_names):
            prio = prof.priorities[vpc]
            others = vpc_profiles.setdefault(vpc, {})
            if vpc not in scn.vpcs:
                yield f"profiles.{name}.vpcs[{i}]", f"unknown VPC {vpc!r}"
            elif vpc in listed:
                yield f"profiles.{name}.vpcs[{i}]", f"VPC {vpc!r} is listed twice"
            elif len(others) >= 2:
                # RES-1 / CP-6: a VPC has at most two Profile associations.
                yield (
                    f"profiles.{name}.vpcs[{i}]",
                    f"conflicting estate: VPC {vpc!r} is already associated with Profiles "
                    f"{', '.join(repr(p) for p in others.values())}; a VPC can have at most two (CP-6)",
                )
            elif prio in others:
                yield (
                    f"profiles.{name}.vpcs[{i}]",
                    f"conflicting estate: VPC {vpc!r} has priority {prio} for Profile {others[prio]!r} too; "
                    "each Profile association of a VPC needs its own priority (RES-12, CP-6: give "
                    "{vpc: ..., priority: N})",
                )
            listed.add(vpc)
            others.setdefault(prio, name)
        if len(prof.vpc_names) > prof.max_vpcs:
            yield (
                f"profiles.{name}.vpcs",
                f"{len(prof.vpc_names)} VPCs exceed the Profile's max_vpcs {prof.max_vpcs} (Q-2)",
            )
        carried: dict[str, str] = {}
        for i, zone_name in enumerate(prof.hosted_zones):
            if zone_name not in scn.hosted_zones:
                yield f"profiles.{name}.hosted_zones[{i}]", f"unknown hosted zone {zone_name!r}"
                continue
            zname = scn.hosted_zones[zone_name].name
            if zname in carried:
                yield (
                    f"profiles.{name}.hosted_zones[{i}]",
                    f"the Profile already carries {zname} ({carried[zname]!r}) (CP-7)",
                )
            carried[zname] = zone_name
        for i, ep_name in enumerate(prof.endpoints):
            if ep_name not in scn.endpoints:
                yield f"profiles.{name}.endpoints[{i}]", f"unknown endpoint {ep_name!r}"
                continue
            ename = scn.endpoint_dns_name(ep_name)
            if ename in carried:
                yield (
                    f"profiles.{name}.endpoints[{i}]",
                    f"the Profile already carries {ename} ({carried[ename]!r}) (CP-7)",
                )
            carried[ename] = ep_name
        for i, alias in enumerate(prof.shared_with):
            yield from acct(f"profiles.{name}.shared_with[{i}]", alias)
    if scn.migration is not None:
        pv = scn.migration.parking_vpc
        if pv not in ("auto", "none") and pv not in scn.vpcs:
            yield "migration.parking_vpc", f"unknown VPC {pv!r} (use auto, none or a VPC name)"
    for i, fault in enumerate(scn.twin.faults):
        if isinstance(fault, StuckFault) and fault.endpoint not in scn.endpoints:
            yield f"twin.faults[{i}].endpoint", f"unknown endpoint {fault.endpoint!r}"
        if isinstance(fault, ResolverOutageFault) and fault.vpc not in scn.vpcs:
            yield f"twin.faults[{i}].vpc", f"unknown VPC {fault.vpc!r}"
        if isinstance(fault, AssociationFailsFault):
            if fault.profile not in scn.profiles:
                yield f"twin.faults[{i}].profile", f"unknown profile {fault.profile!r}"
            if fault.resource not in scn.endpoints and fault.resource not in scn.hosted_zones:
                yield f"twin.faults[{i}].resource", f"unknown endpoint or hosted zone {fault.resource!r}"
    for i, ev in enumerate(scn.events):
        yield from acct(f"events[{i}].account", ev.account)
        if ev.vpc in scn.vpcs:
            yield f"events[{i}].vpc", f"VPC {ev.vpc!r} already exists in the estate"
        try:
            _check_name(ev.vpc, "VPC name")
        except ValueError as exc:
            yield f"events[{i}].vpc", str(exc)


def _loc_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            part = str(part)
            if part in ("from_",):
                part = "from"
            # pydantic adds the discriminator tag / function names to loc; keep only real keys
            if part in (
                "throttle",
                "error",
                "stuck",
                "association-fails",
                "resolver-outage",
                "prior-request",
                "crash",
                "vpc-name",
                "vpc-association",
            ):
                continue
            if part.startswith("function-") or part.startswith("function_"):
                continue
            out += ("." if out else "") + part
    return out


def parse_scenario(data: Any, file: str = "<scenario>") -> Scenario:
    """Validate a decoded scenario document. Raises :class:`ScenarioError`."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ScenarioError(file, "", "a scenario must be a mapping at the top level")
    try:
        scn = Scenario.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        path = _loc_path(tuple(err["loc"]))
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key (check the spelling against scenario-format.md)"
        elif msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        raise ScenarioError(file, path, msg) from None
    for path, reason in _refs(scn):
        raise ScenarioError(file, path, reason)
    return scn


class _JsonObject(dict[str, Any]):
    """A decoded JSON object that remembers which keys were given more than once."""

    duplicates: tuple[str, ...] = ()


def _json_object(pairs: list[tuple[str, Any]]) -> _JsonObject:
    obj = _JsonObject()
    dups: list[str] = []
    for key, value in pairs:
        if key in obj:
            dups.append(key)
        obj[key] = value
    obj.duplicates = tuple(dups)
    return obj


def _json_duplicate_key(data: Any, path: str = "") -> tuple[str, str] | None:
    if isinstance(data, dict):
        for key in getattr(data, "duplicates", ()):
            return (f"{path}.{key}" if path else key), f"duplicate key {key!r}"
        for key, value in data.items():
            found = _json_duplicate_key(value, f"{path}.{key}" if path else str(key))
            if found:
                return found
    elif isinstance(data, list):
        for i, item in enumerate(data):
            found = _json_duplicate_key(item, f"{path}[{i}]")
            if found:
                return found
    return None


# A document's size once its aliases are expanded: what the model and the planner would walk. Far above any
# real estate (1,000 VPCs x 50 endpoints is ~0.2 M nodes); a "billion laughs" document is refused instead.
MAX_EXPANDED_NODES = 2_000_000


def _yaml_problem(root: yaml.Node) -> tuple[str, str] | None:
    """(key path, reason) of the first mapping key given twice (YAML would keep the last one silently), of a
    recursive alias, or of a document that expands beyond :data:`MAX_EXPANDED_NODES` through its aliases.

    Linear in the document's text: an aliased node is one node object, checked and sized once (memoized by
    its identity), however many times the aliases repeat it."""
    import yaml

    checked: set[int] = set()
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def walk(node: yaml.Node, path: str) -> tuple[str, str] | None:
        if id(node) in checked:
            return None  # an alias of a node already checked
        checked.add(id(node))
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, value_node in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
                sub = f"{path}.{key}" if path else str(key)
                if key is not None:
                    if key in seen:
                        return sub, (
                            f"duplicate key {key!r} (line {key_node.start_mark.line + 1}; first given at "
                            f"line {seen[key]})"
                        )
                    seen[key] = key_node.start_mark.line + 1
                found = walk(value_node, sub)
                if found:
                    return found
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                found = walk(item, f"{path}[{i}]")
                if found:
                    return found
        return None

    def size(node: yaml.Node, path: str) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise _Expansion(path, "a recursive alias (a node that contains itself)")
        active.add(key)
        n = 1
        if isinstance(node, yaml.MappingNode):
            n += sum(size(k, path) + size(v, _sub(path, getattr(k, "value", "?"))) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            n += sum(size(c, f"{path}[{i}]") for i, c in enumerate(node.value))
        active.discard(key)
        sizes[key] = n
        if n > MAX_EXPANDED_NODES:
            raise _Expansion(
                path, f"expands to more than {MAX_EXPANDED_NODES:,} values through YAML aliases (anchors)"
            )
        return n

    try:
        size(root, "")
    except _Expansion as exc:
        return exc.path, exc.reason
    return walk(root, "")


def _sub(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


class _Expansion(Exception):
    def __init__(self, path: str, reason: str) -> None:
        super().__init__(reason)
        self.path, self.reason = path, reason


def load_scenario(path: str | Path) -> Scenario:
    """Read a YAML or JSON scenario file. Raises :class:`ScenarioError` naming the file."""
    import yaml

    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(str(p), "", f"cannot read: {exc.strerror or exc}") from None
    try:
        if p.suffix == ".json":
            data = json.loads(text, object_pairs_hook=_json_object)
            dup_json = _json_duplicate_key(data)
            if dup_json is not None:
                raise ScenarioError(str(p), *dup_json)
        else:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
            problem = _yaml_problem(node) if node is not None else None
            if problem is not None:
                raise ScenarioError(str(p), *problem)
            data = yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise ScenarioError(str(p), "", f"not valid YAML/JSON: {exc}") from None
    except RecursionError:
        raise ScenarioError(str(p), "", "nested too deeply") from None
    return parse_scenario(data, str(p))


def dump_scenario(scn: Scenario) -> dict[str, Any]:
    """The scenario as plain data (defaults omitted) — ``parse_scenario(dump_scenario(s)) == s``."""
    doc: dict[str, Any] = scn.model_dump(mode="json", exclude_defaults=True, by_alias=True)
    return doc


def dump_scenario_yaml(scn: Scenario) -> str:
    import yaml

    return str(yaml.safe_dump(dump_scenario(scn), sort_keys=False, default_flow_style=None))

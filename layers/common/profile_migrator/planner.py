"""The planner: architecture detection, ordered steps, per-step simulation, problems. Pure.

It answers one question: for this estate, in which order can the migration run so that no VPC ever
stops resolving the service privately — and is it safe to run at all?

Plans are built by *convergence*: both published paths meet after their step 1 (the zone associated
directly with every VPC that resolves through it and attached to the Profile, every such VPC in the
Profile), so only the associations still missing are emitted, then steps 2–7. Every step is applied to
the resolution model (:mod:`.resolution`) and every (VPC, name) that resolved privately at the start
must still do so after each step; a plan that cannot be proven is refused (``UNSAFE_STEP``).
"""

from __future__ import annotations

import gc
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from .estate import DEFAULT_ZONE_MAX_VPCS, MAX_PRIORITY, MIN_PRIORITY, HostedZone, Scenario
from .resolution import PRECEDENCES, Answer, DnsState, Precedence, _suffixes
from .tags import PARKING_TAG  # the tool's parking tag (re-exported: planner.PARKING_TAG)
from .vocabulary import DESTRUCTIVE, SPECS, Action, Effect  # the one vocabulary of actions

Procedure = Literal["converge", "published"]

# RL-1: Route 53 throttles per account (older guidance 5 requests/s; AssociateVPCWithHostedZone
# refills at 5/s). A wave fires its calls together, so it never holds more than 5 Route 53 calls.
# RL-2: the Profiles API is silent; the twin assumes 5/s too.
MAX_WAVE = 5


class _Fx:
    """The :class:`Effect` members the simulation reads, as plain class attributes: reading a member off an
    Enum class costs ten times as much (~0.15 µs), and the simulation compares one per step, 100,000 times."""

    ADD_VPC: Final = Effect.ADD_VPC
    ASSOCIATE_ZONE: Final = Effect.ASSOCIATE_ZONE
    ATTACH_ENDPOINT: Final = Effect.ATTACH_ENDPOINT
    ATTACH_ZONE: Final = Effect.ATTACH_ZONE
    COPY_RECORD: Final = Effect.COPY_RECORD
    CREATE_ZONE: Final = Effect.CREATE_ZONE
    DELETE_RECORD: Final = Effect.DELETE_RECORD
    DELETE_ZONE: Final = Effect.DELETE_ZONE
    DETACH_ZONE: Final = Effect.DETACH_ZONE
    DISASSOCIATE_ZONE: Final = Effect.DISASSOCIATE_ZONE
    ENABLE_PRIVATE_DNS: Final = Effect.ENABLE_PRIVATE_DNS
    JOIN_PROFILE: Final = Effect.JOIN_PROFILE
    NONE: Final = Effect.NONE
    REMOVE_VPC: Final = Effect.REMOVE_VPC


class _Ax:
    """The :class:`Action` members the step passes read (as :class:`_Fx`, for the same reason)."""

    ASSOCIATE_VPC_WITH_PROFILE: Final = Action.ASSOCIATE_VPC_WITH_PROFILE
    ASSOCIATE_VPC_WITH_ZONE: Final = Action.ASSOCIATE_VPC_WITH_ZONE
    ASSOCIATE_ZONE_WITH_PROFILE: Final = Action.ASSOCIATE_ZONE_WITH_PROFILE
    CREATE_PARKING_VPC: Final = Action.CREATE_PARKING_VPC
    DISASSOCIATE_VPC_FROM_ZONE: Final = Action.DISASSOCIATE_VPC_FROM_ZONE
    ENABLE_PRIVATE_DNS: Final = Action.ENABLE_PRIVATE_DNS


def _own_records(zone: HostedZone) -> list[str]:
    """The names of a zone's records but its own SOA and NS (the endpoint alias, in a migrated zone)."""
    return [rec.name for rec in zone.records if rec.type not in ("SOA", "NS")]


@dataclass
class Problem:
    code: str
    message: str
    resource: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "resource": self.resource}


@dataclass(slots=True)
class Step:
    action: Action
    endpoint: str | None = None
    vpc: str | None = None
    zone: str | None = None
    record: str | None = None
    profile: str | None = None
    account: str | None = None  # the account alias that performs the call (CP-9, CP-10)
    priority: int | None = None  # associate-vpc-with-profile on a VPC with another Profile (RES-12, CP-6)
    copy_of: str | None = None  # create-bridge-zone / create-zone-record: the zone a bridge copy copies
    published_step: int | None = None
    wave: int = 0
    gate: list[str] = field(default_factory=list)
    with_prev: bool = False  # runs in the wave of the step before it (assign_waves)

    @property
    def destructive(self) -> bool:
        return self.action in DESTRUCTIVE

    def to_json(self, index: int) -> dict[str, Any]:
        out: dict[str, Any] = {"index": index, "action": self.action.value}
        for key in ("endpoint", "vpc", "zone", "record", "profile", "account", "priority", "copy_of"):
            val = getattr(self, key)
            if val is not None:
                out[key] = val
        out["published_step"] = self.published_step
        out["wave"] = self.wave
        out["destructive"] = self.destructive
        out["gate"] = list(self.gate)
        return out


@dataclass(slots=True)
class Prediction:
    after_step: int
    vpc: str
    name: str
    answer: str
    via: str

    def to_json(self) -> dict[str, Any]:
        return {
            "after_step": self.after_step,
            "vpc": self.vpc,
            "name": self.name,
            "answer": self.answer,
            "via": self.via,
        }


@dataclass
class Plan:
    architecture: str
    procedure: Procedure = "converge"
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    predicted: list[Prediction] = field(default_factory=list)
    endpoints: dict[str, dict[str, Any]] = field(default_factory=dict)
    parking: dict[str, str] = field(default_factory=dict)  # zone -> parking VPC name
    # VPC -> the target Profile's priority on a VPC that keeps another Profile (RES-12)
    priorities: dict[str, int] = field(default_factory=dict)
    bridges: dict[str, str] = field(default_factory=dict)  # bridge copy -> the zone it copies

    @property
    def safe(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        safe = self.safe
        return {
            "architecture": self.architecture,
            "procedure": self.procedure,
            "safe": safe,
            "problems": [p.to_json() for p in self.problems],
            "warnings": [w.to_json() for w in self.warnings],
            "endpoints": self.endpoints,
            "priorities": dict(self.priorities),
            "bridges": dict(self.bridges),
            "steps": [s.to_json(i + 1) for i, s in enumerate(self.steps)] if safe else [],
            "predicted": [p.to_json() for p in self.predicted],
        }


# ---------------------------------------------------------------------------------------------------


@dataclass
class _EndpointCtx:
    name: str
    dns_name: str
    vpc: str  # the endpoint's own VPC ("shared services")
    zones: list[str]  # self-managed zones named after the service: retired by the migration
    watched: set[str]  # VPCs that resolve the name privately at the start
    targets: set[str]  # VPCs that must end up in the Profile
    architecture: str


class _Planner:
    def __init__(self, scn: Scenario, procedure: Procedure, *, exhaustive: bool = False) -> None:
        self.scn = scn
        self.procedure = procedure
        self.exhaustive = exhaustive  # check the incremental simulation against a full one (plan())
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.steps: list[Step] = []
        self.parking: dict[str, str] = {}
        self.zone_added: dict[str, list[str]] = {}  # zone -> VPCs given an associate-vpc-with-zone step
        self.state0 = DnsState.from_scenario(scn)
        # (VPC, name) -> its answer in ``state0`` under the scenario's reading of RES-12: resolved once by
        # the analysis, read again by the simulation's first step (the same state, the same question).
        self.answers0: dict[tuple[str, str], Answer] = {}
        self.own_parking = {v for v, vpc in scn.vpcs.items() if vpc.tags.get(PARKING_TAG) == "true"}
        # Scenario.profiles_of_vpc, once per VPC (it rebuilds every Profile's priority map per call:
        # O(VPCs) per VPC, which made planning quadratic in VPCs).
        self._profiles_of: dict[str, dict[str, int]] = {}
        for name, prof in scn.profiles.items():
            for vpc, prio in prof.priorities.items():
                self._profiles_of.setdefault(vpc, {})[name] = prio
        # VPC -> the *other* Profiles it keeps (name -> priority), and the target Profile's chosen priority
        self.priorities: dict[str, int] = {}
        self.bridges: dict[str, str] = {}  # bridge copy -> the zone it copies
        self.copies: dict[str, list[str]] = {}  # zone -> its bridge copies, in plan order

    # -- helpers ---------------------------------------------------------------------------------
    def problem(self, code: str, message: str, resource: str) -> None:
        if not any(p.code == code and p.resource == resource for p in self.problems):
            self.problems.append(Problem(code, message, resource))

    def warn(self, code: str, message: str, resource: str) -> None:
        if not any(p.code == code and p.resource == resource for p in self.warnings):
            self.warnings.append(Problem(code, message, resource))

    def zone_of(self, zone: str) -> HostedZone:
        """The scenario zone of ``zone`` (a bridge copy: the zone it copies — same name, account, records)."""
        return self.scn.hosted_zones[self.bridges.get(zone, zone)]

    def zone_limit(self, zone: str) -> int:
        """Q-1: a zone's VPC-association limit; a bridge copy is new, so it has the default quota (capped by
        the original's, which a scenario may set lower than AWS's default)."""
        hz = self.zone_of(zone)
        return min(hz.max_vpcs, DEFAULT_ZONE_MAX_VPCS) if zone in self.bridges else hz.max_vpcs

    def vpc_account(self, vpc: str) -> str:
        if vpc in self.scn.vpcs:
            return self.scn.vpcs[vpc].account
        return self.parking_account.get(vpc, "")

    # -- analysis --------------------------------------------------------------------------------
    def analyse_endpoint(self, name: str, profile: str) -> _EndpointCtx | None:
        scn = self.scn
        if name not in scn.endpoints:
            self.problem("ENDPOINT_NOT_FOUND", f"endpoint {name!r} is not in the estate", name)
            return None
        ep = scn.endpoints[name]
        if ep.state != "Available":
            self.problem("ENDPOINT_NOT_AVAILABLE", f"endpoint {name!r} is {ep.state}, not Available", name)
        dns = scn.endpoint_dns_name(name)
        zones: list[str] = []
        for zname, zone in scn.hosted_zones.items():
            aliases = [r for r in zone.records if r.alias_to == name]
            if aliases and zone.name != dns:
                self.problem(
                    "ZONE_NAME_MISMATCH",
                    f"zone {zname!r} ({zone.name}) aliases endpoint {name!r} but is not named after its "
                    f"service DNS name {dns}",
                    zname,
                )
            carriers = [p for p, prof in scn.profiles.items() if zname in prof.hosted_zones]
            if zone.name == dns and carriers and profile not in carriers:
                # Another Profile's zone: never changed (RES-12: whether it shadows the endpoint is checked).
                self.warn(
                    "ZONE_KEPT",
                    f"zone {zname!r} ({zone.name}) is carried by Profile {', '.join(carriers)}, not {profile!r}: "
                    "the tool leaves it and that Profile as they are",
                    zname,
                )
                continue
            if zone.name == dns:
                zones.append(zname)
                foreign = [
                    f"{r.name} {r.type}"
                    for r in zone.records
                    if r.type not in ("SOA", "NS") and not (r.alias_to == name and r.name == dns)
                ]
                if foreign:
                    # Nothing is ever deleted that is not the endpoint alias, SOA or NS.
                    self.problem(
                        "FOREIGN_RECORDS",
                        f"zone {zname!r} holds records other than the alias to {name!r}: {', '.join(foreign)}; "
                        "deleting it would lose them",
                        zname,
                    )
        zone_keys = {f"zone:{z}" for z in zones}
        zone_vias = {f"zone:{z}" for z in zones} | {f"profile-zone:{z}" for z in zones}
        watched: set[str] = set()
        targets: set[str] = {ep.vpc}
        for vpc in scn.vpcs:
            if vpc in self.own_parking:
                continue
            ans = self.answers0[(vpc, dns)] = self.state0.resolve(vpc, dns)
            if ans.private:
                watched.add(vpc)
                if ans.via in zone_vias:
                    targets.add(vpc)
        prof = scn.profiles.get(profile)
        # Architecture of this endpoint.
        if prof is not None and name in prof.endpoints and ep.private_dns and not zones:
            arch = "migrated"
        elif not zones:
            arch = "greenfield"
        else:
            attached = [z for z in zones if prof is not None and z in prof.hosted_zones]
            direct0 = self.state0.direct
            direct_others = {
                v for v in targets - {ep.vpc} if v in direct0 and not direct0[v].isdisjoint(zone_keys)
            }
            through_profile_only = targets - {ep.vpc} - direct_others
            if not attached:
                arch = "direct-phz"
            elif not direct_others:
                arch = "profile-phz"
            elif not through_profile_only and targets <= set(prof.vpc_names if prof else []):
                arch = "mixed"  # already converged: zone attached and directly associated everywhere
            else:
                arch = "mixed"
        return _EndpointCtx(name, dns, ep.vpc, zones, watched, targets, arch)

    def check_vpcs(self, ctx: _EndpointCtx, profile: str) -> None:
        scn = self.scn
        prof = scn.profiles[profile]
        svpc = scn.vpcs[ctx.vpc]
        if not (svpc.dns_support and svpc.dns_hostnames):
            # RES-6 / RES-11: Private DNS needs both attributes on the endpoint's VPC.
            self.problem(
                "VPC_DNS_DISABLED",
                f"VPC {ctx.vpc!r} (endpoint {ctx.name!r}) has enableDnsSupport={svpc.dns_support}, "
                f"enableDnsHostnames={svpc.dns_hostnames}; Private DNS and Profiles need both on",
                ctx.vpc,
            )
        related = set(prof.vpc_names)
        for z in ctx.zones:
            related |= set(scn.hosted_zones[z].vpcs)
        for vpc in sorted(related - {ctx.vpc}):
            v = scn.vpcs[vpc]
            if not (v.dns_support and v.dns_hostnames):
                self.warn(
                    "VPC_DNS_DISABLED",
                    f"VPC {vpc!r} has a DNS attribute off (RES-11): it does not resolve {ctx.dns_name} "
                    "privately before or after the migration",
                    vpc,
                )
        joining = set(ctx.targets)
        if self.procedure == "published":
            joining |= self._published_members(ctx, profile)  # published step 1 joins every zone VPC
        for vpc in sorted(joining):
            if profile in self._profiles_of.get(vpc, {}):
                continue
            others = self.other_profiles(vpc, profile)
            if len(others) >= 2:
                self.problem(
                    "VPC_PROFILE_LIMIT",
                    f"VPC {vpc!r} must join Profile {profile!r} but already has two other Profiles "
                    f"({', '.join(sorted(others))}); a VPC can have at most two (RES-1, CP-6)",
                    vpc,
                )
                continue
            acct = scn.vpcs[vpc].account
            if acct != prof.account and acct not in prof.shared_with:
                self.problem(
                    "PROFILE_NOT_SHARED",
                    f"VPC {vpc!r} (account {acct}) must join Profile {profile!r}, which is not shared "
                    f"with that account through AWS RAM (CP-9)",
                    vpc,
                )

    def other_profiles(self, vpc: str, profile: str) -> dict[str, int]:
        """The Profiles other than ``profile`` associated with ``vpc``, with their priorities."""
        return {p: prio for p, prio in self._profiles_of.get(vpc, {}).items() if p != profile}

    def choose_priorities(self, ctxs: list[_EndpointCtx], profile: str, joining: list[str]) -> None:
        """RES-12: the target Profile's priority on each VPC that keeps one other Profile, chosen so the
        VPC resolves every migrated name through the target Profile under *both* readings once migrated;
        a VPC already in both is checked the same way. The other association is never changed."""
        mig = self.scn.migration
        assert mig is not None
        final = self.state0.copy()  # the DNS state the migration ends in, for the shadowing check
        for ctx in ctxs:
            for z in ctx.zones:
                final.delete_zone(z)
            final.set_private_dns(ctx.name, ctx.vpc, True)
            final.attach_to_profile(profile, f"endpoint:{ctx.name}")
        names_of: dict[str, list[str]] = {}
        for ctx in ctxs:
            for vpc in ctx.targets:
                names_of.setdefault(vpc, []).append(ctx.dns_name)
        by_name = final._zones_named()

        def carries_match(prof: str, names: list[str]) -> bool:
            carried = final.profile_zones.get(prof, ())
            return any(k in carried for n in names for sfx in _suffixes(n) for k in by_name.get(sfx, ()))

        def proven(vpc: str, prio: int) -> list[str]:
            """The readings under which ``vpc`` at ``prio`` does not resolve its names through the Profile."""
            st = final
            before = dict(st.profiles_of.get(vpc, {}))
            st.associate_vpc_profile(vpc, profile, prio)
            bad = [
                f"{prec}: {n} -> {ans.classification} via {ans.via}"
                for prec in PRECEDENCES
                for n in names_of.get(vpc, [])
                if not (ans := st.resolve(vpc, n, precedence=prec)).private
                or ans.via not in (f"profile-endpoint:{e}" for e in mig.endpoints)
                and ans.via != "managed-zone"
            ]
            st.profiles_of[vpc] = before
            return bad

        for vpc in sorted(set(joining) | {v for v in names_of if v in self.scn.vpcs}):
            others = self.other_profiles(vpc, profile)
            if not others:
                continue
            ((other, oprio),) = others.items()  # VPC_PROFILE_LIMIT refused the case of two others
            current = self._profiles_of.get(vpc, {}).get(profile)
            if current is not None:
                candidates = [current]  # already associated: its priority is the one AWS uses
            elif mig.priority is not None:
                if mig.priority == oprio:
                    self.problem(
                        "PRIORITY_IN_USE",
                        f"migration.priority {mig.priority} is the priority of VPC {vpc!r}'s association with "
                        f"Profile {other!r}; each association of a VPC needs its own (CP-6)",
                        vpc,
                    )
                    continue
                candidates = [mig.priority]
            else:
                below = max(MIN_PRIORITY, oprio - 100) if oprio > MIN_PRIORITY else None
                above = min(MAX_PRIORITY, oprio + 100) if oprio < MAX_PRIORITY else None
                # Evaluated after the other Profile unless it carries a zone matching a migrated name
                # (then it would answer first under priority-first): the VPC's other lookups keep their order.
                first_ours = carries_match(other, names_of.get(vpc, []))
                candidates = [p for p in ((below, above) if first_ours else (above, below)) if p is not None]
            failures: list[str] = []
            for prio in candidates:
                bad = proven(vpc, prio)
                if not bad:
                    if current is None:
                        self.priorities[vpc] = prio
                    break
                failures.append(f"at priority {prio} ({'; '.join(bad)})")
            else:
                self.problem(
                    "SHADOWED_BY_OTHER_PROFILE",
                    f"VPC {vpc!r} keeps Profile {other!r} (priority {oprio}), which would still answer the "
                    f"migrated name with something other than the endpoint under some reading of RES-12 with "
                    f"Profile {profile!r} {', '.join(failures)}; the tool does not change another Profile's "
                    "association: move it, or give migration.priority",
                    vpc,
                )

    # -- step building ---------------------------------------------------------------------------
    def add(self, step: Step) -> Step:
        self.steps.append(step)
        if step.action == _Ax.ASSOCIATE_VPC_WITH_ZONE and step.zone is not None and step.vpc is not None:
            self.zone_added.setdefault(step.zone, []).append(step.vpc)
        return step

    def emit(
        self,
        action: Action,
        published_step: int,
        *,
        endpoint: str | None = None,
        vpc: str | None = None,
        zone: str | None = None,
        record: str | None = None,
        profile: str | None = None,
        account: str | None = None,
        priority: int | None = None,
        copy_of: str | None = None,
    ) -> Step:
        """Add a step of ``action`` (step ``published_step`` of the published procedure) on its targets (the
        fields of :class:`Step`; passed on by position: a plan of 1,000 x 50 emits 100,000 steps)."""
        return self.add(
            Step(action, endpoint, vpc, zone, record, profile, account, priority, copy_of, published_step)
        )

    def zone_assoc(self, zone: str, vpc: str, pstep: int, endpoint: str) -> None:
        zacct = self.zone_of(zone).account
        vacct = self.vpc_account(vpc)
        if vacct != zacct:
            # CP-9: the zone's account authorises, then the VPC's account associates.
            self.emit(
                Action.AUTHORIZE_VPC_ASSOCIATION, pstep, endpoint=endpoint, zone=zone, vpc=vpc, account=zacct
            )
        self.emit(Action.ASSOCIATE_VPC_WITH_ZONE, pstep, endpoint=endpoint, zone=zone, vpc=vpc, account=vacct)

    def bridge(self, zone: str, vpcs: list[str], endpoint: str, frees: str | None) -> list[str]:
        """Q-1: path 2's bridge associates ``zone`` directly with ``vpcs`` (steps 4-5 switch every VPC at
        once, so each needs its bridge at the same time). The VPCs past the zone's limit — less its current
        associations and its parking VPC — are bridged by copies of the zone (``<zone>-bridge-<i>``), each
        created on its own parking VPC (CP-2: a VPC holds one zone of a name; RES-3/RES-4: created on a
        workload VPC it would answer NXDOMAIN there until its record exists), given the original's alias
        record, then associated with its block. ``frees``: a VPC that leaves the zone (step 2) before its
        parking VPC joins it (step 6). Returns the VPCs still to associate with ``zone`` itself."""
        mig = self.scn.migration
        assert mig is not None
        hz = self.scn.hosted_zones[zone]
        members = set(hz.vpcs) | set(self.zone_added.get(zone, []))
        parked = (
            mig.parking_vpc == "none"
            or mig.parking_vpc in members
            or bool(members & self.own_parking)
            or frees in members
        )
        room = max(hz.max_vpcs - len(members) - (0 if parked else 1), 0)
        if len(vpcs) <= room:
            return vpcs
        per_copy = (
            min(hz.max_vpcs, DEFAULT_ZONE_MAX_VPCS) - 1
        )  # a copy's limit (zone_limit) less its parking VPC
        if per_copy < 1:
            return vpcs  # a copy could not hold a workload VPC besides its parking VPC: the simulation refuses
        keep, rest = vpcs[:room], vpcs[room:]
        for vpc in keep:  # the zone's own room first
            self.zone_assoc(zone, vpc, 1, endpoint)
        for i, start in enumerate(range(0, len(rest), per_copy), start=1):
            copy = f"{zone}-bridge-{i}"
            while copy in self.scn.hosted_zones or copy in self.bridges:
                copy += "-x"
            self.bridges[copy] = zone
            self.copies.setdefault(zone, []).append(copy)
            pvpc = f"parking-{copy}"
            while pvpc in self.scn.vpcs or pvpc in self.parking_account:
                pvpc += "-x"
            self.parking_account[pvpc] = hz.account
            self.parking[copy] = pvpc
            self.emit(
                Action.CREATE_PARKING_VPC, 1, endpoint=endpoint, vpc=pvpc, zone=copy, account=hz.account
            )
            self.emit(
                Action.CREATE_BRIDGE_ZONE,
                1,
                endpoint=endpoint,
                zone=copy,
                vpc=pvpc,
                copy_of=zone,
                account=hz.account,
            )
            for record in _own_records(hz):
                self.emit(
                    Action.CREATE_ZONE_RECORD,
                    1,
                    endpoint=endpoint,
                    zone=copy,
                    record=record,
                    copy_of=zone,
                    account=hz.account,
                )
            for vpc in rest[start : start + per_copy]:
                self.zone_assoc(copy, vpc, 1, endpoint)
        return []

    def parking_for(self, zone: str, endpoint: str, pstep: int) -> str | None:
        """Park ``zone`` on an empty VPC so its last workload VPC can leave (removes the step-7 window)."""
        mig = self.scn.migration
        assert mig is not None
        if zone in self.parking:
            return self.parking[zone]
        if mig.parking_vpc == "none" or self.procedure == "published":
            return None
        if mig.parking_vpc == "auto":
            pvpc = f"parking-{zone}"
            zacct = self.scn.hosted_zones[zone].account
            if pvpc in self.own_parking:
                self.parking_account[pvpc] = self.scn.vpcs[pvpc].account  # an earlier run's: reuse it
            else:
                while pvpc in self.scn.vpcs:
                    pvpc += "-x"
                self.parking_account[pvpc] = zacct
                self.emit(
                    Action.CREATE_PARKING_VPC, pstep, endpoint=endpoint, vpc=pvpc, zone=zone, account=zacct
                )
        else:
            pvpc = mig.parking_vpc
        self.parking[zone] = pvpc
        if pvpc not in self.scn.hosted_zones[zone].vpcs:
            self.zone_assoc(zone, pvpc, pstep, endpoint)
        return pvpc

    def build(self) -> Plan:
        scn = self.scn
        mig = scn.migration
        self.parking_account: dict[str, str] = {}
        if mig is None:
            return Plan(architecture="migrated", procedure=self.procedure)
        profile = mig.profile
        if profile not in scn.profiles:
            self.problem("PROFILE_NOT_FOUND", f"Profile {profile!r} is not in the estate", profile)
            return Plan("unknown", self.procedure, self.problems, self.warnings)
        ctxs: list[_EndpointCtx] = []
        for name in mig.endpoints:
            ctx = self.analyse_endpoint(name, profile)
            if ctx is not None:
                ctxs.append(ctx)
                self.check_vpcs(ctx, profile)
        archs = {c.architecture for c in ctxs}
        architecture = archs.pop() if len(archs) == 1 else ("mixed" if archs else "unknown")
        ep_info = {
            c.name: {
                "architecture": c.architecture,
                "dns_name": c.dns_name,
                "vpc": c.vpc,
                "zones": c.zones,
                "vpcs": sorted(c.targets),
            }
            for c in ctxs
        }
        joining = self._joining(ctxs, profile)  # step 1's VPCs, once (a pure function of the analysis)
        if not self.problems:
            self.choose_priorities(ctxs, profile, joining)
        if self.problems:
            return Plan(architecture, self.procedure, self.problems, self.warnings, endpoints=ep_info)

        # Step 1 (shared by all endpoints): every VPC that must resolve through the Profile joins it.
        vpc_order = {v: i for i, v in enumerate(scn.vpcs)}
        for vpc in joining:
            # CP-9: the VPC owner's account associates its own VPC with the shared Profile; CP-6: with a
            # Priority when the VPC keeps another Profile (RES-12).
            self.emit(
                Action.ASSOCIATE_VPC_WITH_PROFILE,
                1,
                vpc=vpc,
                profile=profile,
                account=self.vpc_account(vpc),
                priority=self.priorities.get(vpc),
            )
        for ctx in ctxs:
            self.endpoint_steps(ctx, profile, vpc_order)
        # A parking VPC an aborted run left behind, whose zone is already gone, is deleted at the end.
        for vpc in sorted(self.own_parking - set(self.parking_account)):
            self.parking_account[vpc] = scn.vpcs[vpc].account
            self.emit(Action.DELETE_PARKING_VPC, 7, vpc=vpc, account=scn.vpcs[vpc].account)
        self.hoist_parking()
        self.assign_waves()
        plan = Plan(
            architecture,
            self.procedure,
            self.problems,
            self.warnings,
            self.steps,
            endpoints=ep_info,
            parking=dict(self.parking),
            priorities=dict(self.priorities),
            bridges=dict(self.bridges),
        )
        # RES-12: with two Profiles on some VPC the plan must hold under both readings; the scenario's own
        # reading (the one the twin answers with) gives the predictions.
        primary = scn.twin.profile_precedence
        two = (
            any(len(p) > 1 for p in self.state0.profiles_of.values())
            or bool(self.priorities)
            or any(self.other_profiles(v, profile) for v in joining)
        )
        for precedence in [primary] + ([p for p in PRECEDENCES if p != primary] if two else []):
            self.simulate(plan, ctxs, profile, precedence, primary=precedence == primary)
        return plan

    def _joining(self, ctxs: list[_EndpointCtx], profile: str) -> list[str]:
        """Step 1's VPCs: every VPC that must resolve through the Profile and is not in it yet."""
        vpc_order = {v: i for i, v in enumerate(self.scn.vpcs)}
        in_profile = set(self.scn.profiles[profile].vpc_names)
        joining: dict[str, None] = {}  # ordered, with O(1) membership
        for ctx in ctxs:
            members = self._published_members(ctx, profile) if self.procedure == "published" else ctx.targets
            for vpc in sorted(members, key=lambda v: vpc_order.get(v, 1 << 30)):
                if vpc not in in_profile and vpc not in joining:
                    joining[vpc] = None
        return list(joining)

    def _published_members(self, ctx: _EndpointCtx, profile: str) -> set[str]:
        """Published step 1: path 1 associates the zone's VPCs; path 2 relies on the Profile's VPCs."""
        members = {ctx.vpc}
        for z in ctx.zones:
            members |= set(self.scn.hosted_zones[z].vpcs)
        return members

    def endpoint_steps(self, ctx: _EndpointCtx, profile: str, vpc_order: dict[str, int]) -> None:
        scn = self.scn
        prof = scn.profiles[profile]
        ep = scn.endpoints[ctx.name]
        e = ctx.name
        pacct = prof.account
        eacct = scn.vpcs[ctx.vpc].account
        direct0 = self.state0.direct

        def order(vpcs: Iterable[str]) -> list[str]:
            return sorted(vpcs, key=lambda v: vpc_order.get(v, 1 << 30))

        carried = [z for z in ctx.zones if z in prof.hosted_zones]
        s_zones = [z for z in ctx.zones if f"zone:{z}" in direct0.get(ctx.vpc, set())]
        attached: list[str] = list(carried)
        # Step 1: the zone reaches the endpoint's VPC through the Profile once it leaves it directly.
        if not ep.private_dns and s_zones and not carried and e not in prof.endpoints:
            self.emit(
                Action.ASSOCIATE_ZONE_WITH_PROFILE,
                1,
                endpoint=e,
                zone=s_zones[0],
                profile=profile,
                account=pacct,
            )
            attached.append(s_zones[0])
        # Step 1 (path 2): VPCs that get the zone only through the Profile are associated directly, so
        # they keep it when the zone leaves the Profile (step 4) until they switch (step 6).
        if self.procedure == "published":
            needing = [v for v in order(prof.vpc_names) if v != ctx.vpc] if carried else []
        else:
            needing = [v for v in order(ctx.targets - {ctx.vpc})]
        zone_keys = [f"zone:{z}" for z in ctx.zones]
        adding = [v for v in needing if (d := direct0.get(v)) is None or d.isdisjoint(zone_keys)]
        if attached and adding and self.procedure == "converge":
            frees = ctx.vpc if not ep.private_dns else None  # step 2 comes before the zone is parked
            adding = self.bridge(attached[0], adding, e, frees)  # past the zone's limit, bridge copies
        for vpc in adding if attached else []:
            self.zone_assoc(attached[0], vpc, 1, e)
        # Steps 2 and 3: the endpoint's VPC leaves the zone, then Private DNS goes on (CP-1 needs step 2 first).
        if not ep.private_dns:
            for z in s_zones:
                remaining = set(scn.hosted_zones[z].vpcs) - {ctx.vpc}
                if not remaining and not self._assoc_added(z):
                    self.parking_for(z, e, 2)  # CP-3: a zone's last VPC cannot leave
                self.emit(
                    Action.DISASSOCIATE_VPC_FROM_ZONE,
                    2,
                    endpoint=e,
                    zone=z,
                    vpc=ctx.vpc,
                    account=scn.hosted_zones[z].account,
                )
            self.emit(Action.ENABLE_PRIVATE_DNS, 3, endpoint=e, vpc=ctx.vpc, account=eacct)
        # Step 4: the zone leaves the Profile (CP-7: the Profile cannot carry the name twice).
        for z in attached:
            self.emit(
                Action.DISASSOCIATE_ZONE_FROM_PROFILE, 4, endpoint=e, zone=z, profile=profile, account=pacct
            )
        # Step 5: the endpoint joins the Profile (CP-8: Private DNS is on by now).
        if e not in prof.endpoints:
            self.emit(Action.ASSOCIATE_ENDPOINT_WITH_PROFILE, 5, endpoint=e, profile=profile, account=pacct)
        # Step 6: the remaining VPCs leave the zone, canary first; the zone is parked before the last.
        retired = [*ctx.zones, *(c for z in ctx.zones for c in self.copies.get(z, []))]
        for z in retired:
            zvpcs0 = scn.hosted_zones[z].vpcs if z in scn.hosted_zones else []  # a bridge copy starts empty
            members = [v for v in zvpcs0 if v != ctx.vpc or ep.private_dns]
            known = set(members)
            members += [v for v in dict.fromkeys(self.zone_added.get(z, [])) if v not in known]
            if not members:
                continue
            # Park before choosing who leaves: a named parking VPC may already be a member, and it must
            # stay (CP-3: the zone's last association cannot be removed).
            pvpc = self.parking_for(z, e, 6)
            members = [v for v in members if v != pvpc]
            if not members:
                continue
            keep_last = pvpc is None  # CP-3 without parking: the last VPC stays until the zone is deleted
            leaving = order(members)
            if keep_last:
                last = leaving[-1]
                leaving = leaving[:-1]
                self.warn(
                    "NXDOMAIN_WINDOW",
                    f"VPC {last!r} stays on zone {z!r} until it is deleted: between deleting the alias record and "
                    f"deleting the zone it gets NXDOMAIN for {ctx.dns_name} (RES-4). Park the zone "
                    "(parking_vpc: auto) to remove the window",
                    last,
                )
            zacct = self.zone_of(z).account
            for vpc in leaving:
                self.emit(Action.DISASSOCIATE_VPC_FROM_ZONE, 6, endpoint=e, zone=z, vpc=vpc, account=zacct)
        # Step 7: delete the alias record, then the zone (CP-4), then the tool's own parking VPC.
        for z in retired:
            zone = self.zone_of(z)  # a bridge copy holds the original's records
            for record in _own_records(zone):
                self.emit(
                    Action.DELETE_ZONE_RECORD, 7, endpoint=e, zone=z, record=record, account=zone.account
                )
            self.emit(Action.DELETE_ZONE, 7, endpoint=e, zone=z, account=zone.account)
            pvpc = self.parking.get(z)
            if pvpc is not None and pvpc in self.parking_account:
                self.emit(
                    Action.DELETE_PARKING_VPC,
                    7,
                    endpoint=e,
                    vpc=pvpc,
                    zone=z,
                    account=self.parking_account[pvpc],
                )

    def _assoc_added(self, zone: str) -> bool:
        return bool(self.zone_added.get(zone))

    def hoist_parking(self) -> None:
        """The parking of a zone at step 6 (its VPC created, then associated with the zone) changes no
        watched VPC's answers — no workload VPC resolves through the parking VPC — so it runs beside the
        endpoint's own earlier steps instead of in two waves of its own (issue 11): the VPC is created in
        the wave of the endpoint's VPC leaving the zone (step 2, a Route 53 change; the creation is EC2's),
        and associated with the zone in the wave that turns Private DNS on (step 3, EC2's: no other change
        of the zone is in flight, CP-5). Zones with bridge copies (Q-1) keep the plain order."""
        steps = self.steps
        step2: dict[str | None, int] = {}
        step3: dict[str | None, int] = {}
        pairs: dict[
            str | None, int
        ] = {}  # endpoint -> index of its create-parking-vpc (then the association)
        for i, st in enumerate(steps):
            e = st.endpoint
            if st.action == _Ax.DISASSOCIATE_VPC_FROM_ZONE and st.published_step == 2:
                step2.setdefault(e, i)
            elif st.action == _Ax.ENABLE_PRIVATE_DNS:
                step3.setdefault(e, i)
            elif (
                st.action == _Ax.CREATE_PARKING_VPC
                and st.published_step == 6
                and st.zone not in self.copies
                and e not in pairs
                and i + 1 < len(steps)
                and steps[i + 1].action == _Ax.ASSOCIATE_VPC_WITH_ZONE
                and steps[i + 1].vpc == st.vpc
                and steps[i + 1].zone == st.zone
            ):
                pairs[e] = i
        after: dict[int, Step] = {}  # index -> the parking step that now follows it
        moved: set[int] = set()
        for e, i in pairs.items():
            two, three = step2.get(e), step3.get(e)
            if two is None or three is None or three != two + 1 or not three < i:
                continue
            after[two], after[three] = steps[i], steps[i + 1]
            moved.update((i, i + 1))
            steps[i].with_prev = steps[i + 1].with_prev = True
        if not moved:
            return
        out: list[Step] = []
        for i, st in enumerate(steps):
            if i in moved:
                continue
            out.append(st)
            if i in after:
                out.append(after[i])
        self.steps = out

    def _profile_carries_none(self, j: int) -> bool:
        """The migration's Profile carries no zone and no endpoint named like step ``j``'s endpoint (or a
        parent of its name, RES-2) at the start, and every step before it is a VPC joining the Profile."""
        step = self.steps[j]
        mig = self.scn.migration
        if mig is None or step.endpoint is None:
            return False
        name = self.scn.endpoint_dns_name(step.endpoint).rstrip(".").lower()
        prof = self.scn.profiles[mig.profile]

        def covers(other: str) -> bool:
            other = other.rstrip(".").lower()
            return name == other or name.endswith("." + other)

        if any(
            covers(self.scn.hosted_zones[z].name) for z in prof.hosted_zones if z in self.scn.hosted_zones
        ):
            return False
        if any(covers(self.scn.endpoint_dns_name(e)) for e in prof.endpoints if e in self.scn.endpoints):
            return False
        return j > 0 and all(s.action == Action.ASSOCIATE_VPC_WITH_PROFILE for s in self.steps[:j])

    def assign_waves(self) -> None:
        """Group steps into waves: independent per-VPC associations run together (at most MAX_WAVE);
        step-6 disassociations start with a canary alone, then waves that double (RL-1); a step marked
        ``with_prev`` joins the wave before it (:meth:`hoist_parking`)."""
        wave = 0
        i = 0
        steps = self.steps
        while i < len(steps):
            s = steps[i]
            if s.with_prev and i > 0:
                s.wave = steps[i - 1].wave
                i += 1
                continue
            wave += 1
            s.wave = wave
            if s.action == _Ax.ASSOCIATE_VPC_WITH_PROFILE:
                j = i + 1
                while j < len(steps) and steps[j].action == s.action and j - i < MAX_WAVE:
                    steps[j].wave = wave
                    j += 1
                # The zone that follows the joins onto the Profile goes with the last of them when the wave
                # has room (issue 11): a VPC that sees the zone directly and through the Profile answers from
                # the same zone (RES-3: local wins; the records are one), so the order inside the wave
                # changes no answer; the calls are Profiles API calls on other resources (RL-2: at most
                # MAX_WAVE together).
                # Likewise an endpoint's Private DNS turned on right after the joins (greenfield) when the
                # Profile carries nothing of its name: the joins change no answer of that name, and Private
                # DNS answers in the endpoint's own VPC from its managed zone (RES-7), whatever the Profile.
                if (
                    j < len(steps)
                    and j - i < MAX_WAVE
                    and (
                        steps[j].action == _Ax.ASSOCIATE_ZONE_WITH_PROFILE
                        or (steps[j].action == _Ax.ENABLE_PRIVATE_DNS and self._profile_carries_none(j))
                    )
                    and (j + 1 == len(steps) or steps[j + 1].action != _Ax.ASSOCIATE_VPC_WITH_PROFILE)
                ):
                    steps[j].wave = wave
                    j += 1
                i = j
                continue
            if (
                s.action == _Ax.DISASSOCIATE_VPC_FROM_ZONE
                and s.published_step == 6
                and self.procedure == "converge"
            ):
                # s is the canary (alone); then waves of 2, 4, ... up to MAX_WAVE.
                size = 2
                j = i + 1
                while (
                    j < len(steps)
                    and steps[j].action == s.action
                    and steps[j].published_step == 6
                    and steps[j].endpoint == s.endpoint
                ):
                    wave += 1
                    k = j
                    while (
                        k < len(steps)
                        and k - j < size
                        and steps[k].action == s.action
                        and steps[k].published_step == 6
                        and steps[k].endpoint == s.endpoint
                    ):
                        steps[k].wave = wave
                        k += 1
                    j = k
                    size = min(size * 2, MAX_WAVE)
                i = j
                continue
            i += 1

    # -- simulation ------------------------------------------------------------------------------
    def simulate(
        self,
        plan: Plan,
        ctxs: list[_EndpointCtx],
        profile: str,
        precedence: Precedence,
        *,
        primary: bool = True,
    ) -> None:
        """Apply every step to the resolution model under one reading of RES-12 and check it. The primary
        reading records predictions; another reading only adds its problems (named) and gate VPCs."""
        scn = self.scn
        st = self.state0.copy()
        st.precedence = precedence
        reading = "" if primary else f" (under the {precedence} reading of RES-12)"
        names = {c.name: c.dns_name for c in ctxs}
        all_names = sorted(set(names.values()))
        relevant: set[str] = set(scn.profiles[profile].vpc_names)
        for c in ctxs:
            relevant |= c.watched | c.targets
            for z in c.zones:
                relevant |= set(scn.hosted_zones[z].vpcs)
        bridges = self.bridges
        # The tool's own parking VPCs are empty by construction. A *named* parking VPC is watched like any
        # other when it resolves a name privately at the start: parking it on the zone would hide its
        # NXDOMAIN between record and zone deletion (RES-4).
        parking = set(self.parking_account) | {
            p for p in self.parking.values() if not any(st.resolve(p, n).private for n in all_names)
        }
        order = {v: i for i, v in enumerate(scn.vpcs)}
        watched = sorted(relevant - parking - self.own_parking, key=lambda v: order.get(v, 1 << 30))
        current: dict[tuple[str, str], Answer] = {}
        start_private: set[tuple[str, str]] = set()
        # The analysis resolved these in the same state under the scenario's reading (RES-12).
        known = self.answers0 if precedence == self.state0.precedence else {}
        for vpc in watched:
            for n in all_names:
                ans = known.get((vpc, n))
                if ans is None:
                    ans = st.resolve(vpc, n)
                current[(vpc, n)] = ans
                if primary:
                    plan.predicted.append(Prediction(0, vpc, n, ans.classification, ans.via))
                if ans.private:
                    start_private.add((vpc, n))
        watched_set = set(watched)
        changed_vpcs: set[str] = set()
        in_window: dict[tuple[str, str], int] = {}
        probe = {v: scn.vpcs[v].probe for v in scn.vpcs}
        zname = {z: scn.hosted_zones[z].name for z in scn.hosted_zones}
        zname.update({c: zname[z] for c, z in bridges.items()})

        under: dict[str, list[str]] = {}

        def names_under(zone_name: str) -> list[str]:
            if zone_name not in under:
                under[zone_name] = [n for n in all_names if n == zone_name or n.endswith("." + zone_name)]
            return under[zone_name]

        zone_vpcs = {z: len(zone.vpcs) for z, zone in scn.hosted_zones.items()}  # CP-3 / Q-1 bookkeeping
        zone_vpcs.update(dict.fromkeys(bridges, 0))

        # The control-plane rules a step must not break: AWS would refuse the call (CP-1, CP-2, CP-3, CP-7).
        def refused(idx: int, action: str, rule: str, why: str, resource: str) -> None:
            self.problem(
                "UNSAFE_STEP",
                f"step {idx} ({action}) would be refused by AWS: {why} ({rule}){reading}",
                resource,
            )

        def direct_name(vpc: str, name: str) -> bool:
            direct = st.direct.get(vpc)
            return direct is not None and not direct.isdisjoint(st.keys_named(name))

        def refuse_second_zone_name(idx: int, action: str, vpc: str, zone: str) -> None:
            # CP-2: a VPC cannot have two directly associated zones of the same name.
            if direct_name(vpc, zname[zone]):
                why = f"VPC {vpc!r} already has a zone named {zname[zone]} (ConflictingDomainExists)"
                refused(idx, action, "CP-2", why, vpc)

        def carried_name(name: str) -> bool:
            carried = st.profile_zones.get(profile, ())
            return any(k in carried for k in st.keys_named(name))

        members: dict[str, set[str]] = {}
        for v, profs in st.profiles_of.items():
            for p in profs:
                members.setdefault(p, set()).add(v)

        if self.exhaustive:
            self._check_full(st, 0, watched, all_names, current)
        profiles_of, direct = st.profiles_of, st.direct  # mutated in place by the steps, never replaced
        for idx, step in enumerate(self.steps, start=1):
            touched: set[str]
            affected: list[str]
            # A step that only changes what the Profile carries (``changed``, a zone source key) leaves the
            # answer of a VPC with a same-name zone of its own unchanged: see ``shielded`` below.
            changed: str | None = None
            a = step.action
            effect = SPECS[a].effect
            # The most frequent effects first (the branches are exclusive: one effect per action).
            if effect in (_Fx.ASSOCIATE_ZONE, _Fx.DISASSOCIATE_ZONE):
                assert step.zone is not None and step.vpc is not None
                if effect is _Fx.ASSOCIATE_ZONE:
                    refuse_second_zone_name(idx, a, step.vpc, step.zone)
                    st.associate_zone_vpc(step.zone, step.vpc)
                    zone_vpcs[step.zone] += 1
                    limit = self.zone_limit(step.zone)
                    if zone_vpcs[step.zone] > limit:
                        refused(
                            idx,
                            a,
                            "Q-1",
                            f"zone {step.zone!r} would have {zone_vpcs[step.zone]} VPC associations, "
                            f"above its limit of {limit} (LimitsExceeded)",
                            step.zone,
                        )
                else:
                    st.disassociate_zone_vpc(step.zone, step.vpc)
                    zone_vpcs[step.zone] -= 1
                    if zone_vpcs[step.zone] <= 0:
                        refused(
                            idx,
                            a,
                            "CP-3",
                            f"it would remove the last VPC association of zone {step.zone!r} "
                            "(LastVPCAssociation)",
                            step.zone,
                        )
                touched, affected = {step.vpc}, names_under(zname[step.zone])
            elif effect is _Fx.NONE:  # authorize-vpc-association: no DNS effect
                touched, affected = set(), []
            elif effect is _Fx.JOIN_PROFILE:
                assert step.vpc is not None
                st.associate_vpc_profile(step.vpc, profile, 100 if step.priority is None else step.priority)
                members.setdefault(profile, set()).add(step.vpc)
                touched, affected = {step.vpc}, all_names
            elif effect in (_Fx.ATTACH_ZONE, _Fx.DETACH_ZONE):
                assert step.zone is not None
                if effect is _Fx.ATTACH_ZONE:
                    if carried_name(zname[step.zone]):
                        refused(
                            idx,
                            a,
                            "CP-7",
                            f"Profile {profile!r} already carries {zname[step.zone]}",
                            step.zone,
                        )
                    st.attach_to_profile(profile, f"zone:{step.zone}")
                else:
                    st.detach_from_profile(profile, f"zone:{step.zone}")
                changed = f"zone:{step.zone}"
                touched, affected = set(members.get(profile, set())), names_under(zname[step.zone])
            elif effect is _Fx.ATTACH_ENDPOINT:
                assert step.endpoint is not None
                if carried_name(names[step.endpoint]):
                    refused(
                        idx,
                        a,
                        "CP-7",
                        f"Profile {profile!r} already carries {names[step.endpoint]}",
                        step.endpoint,
                    )
                st.attach_to_profile(profile, f"endpoint:{step.endpoint}")
                changed = f"endpoint:{step.endpoint}"
                touched, affected = set(members.get(profile, set())), names_under(names[step.endpoint])
            elif effect is _Fx.ENABLE_PRIVATE_DNS:
                assert step.endpoint is not None and step.vpc is not None
                if direct_name(step.vpc, names[step.endpoint]):
                    refused(
                        idx,
                        a,
                        "CP-1",
                        f"a zone named {names[step.endpoint]} is still directly associated "
                        f"with VPC {step.vpc!r}",
                        step.endpoint,
                    )
                st.set_private_dns(step.endpoint, step.vpc, True)
                touched, affected = {step.vpc}, names_under(names[step.endpoint])
            elif effect in (_Fx.DELETE_RECORD, _Fx.DELETE_ZONE):
                assert step.zone is not None
                touched = st.vpcs_seeing(f"zone:{step.zone}")
                if effect is _Fx.DELETE_RECORD:
                    assert step.record is not None
                    st.delete_record(step.zone, step.record)
                else:
                    st.delete_zone(step.zone)
                affected = names_under(zname[step.zone])
            elif effect is _Fx.ADD_VPC:
                assert step.vpc is not None
                st.add_vpc(step.vpc)
                touched, affected = set(), []
            elif effect is _Fx.CREATE_ZONE:
                # CreateHostedZone with its first VPC, the copy's own parking VPC (CP-2 checked as an association).
                assert step.zone is not None and step.vpc is not None
                refuse_second_zone_name(idx, a, step.vpc, step.zone)
                st.create_zone(step.zone, zname[step.zone], step.vpc)
                zone_vpcs[step.zone] = 1
                touched, affected = st.vpcs_seeing(f"zone:{step.zone}"), names_under(zname[step.zone])
            elif effect is _Fx.COPY_RECORD:
                assert step.zone is not None and step.record is not None and step.copy_of is not None
                st.copy_record(step.copy_of, step.zone, step.record)
                touched, affected = st.vpcs_seeing(f"zone:{step.zone}"), names_under(zname[step.zone])
            elif effect is _Fx.REMOVE_VPC:
                assert step.vpc is not None
                st.remove_vpc(step.vpc)
                touched, affected = set(), []
            else:  # Effect.UNDO_ONLY: the planner never emits it
                raise ValueError(f"step {idx} ({a}) is an undo-only action: a plan never performs it")
            if not touched:  # nothing to re-resolve, nothing to gate (either reading)
                step.gate = []
                if self.exhaustive:
                    self._check_full(st, idx, watched, all_names, current, touched, affected, set(), probe)
                continue
            # RES-2/RES-3: the names a Profile change can affect are under the changed source's name N; a
            # VPC that has a zone named N directly answers them from it or from a more specific zone —
            # whose sources this step did not change — whatever its one Profile carries at N. (With two
            # Profiles, RES-12's priority-first reading may switch which one is asked: resolved.)
            shield: list[str] | tuple[()] = (
                st.keys_named(st.zones[changed].name) if changed is not None and changed in st.zones else ()
            )
            gate: set[str] = set()
            # The watched VPCs among ``touched`` in estate order, so the predictions of a step that changes
            # several VPCs come in that order whatever the process's string hashing (a set's order varies).
            if len(touched) == 1:
                visit: Iterable[str] = touched
            elif len(touched) > len(watched) // 8:
                visit = [v for v in watched if v in touched]
            else:
                visit = sorted(touched & watched_set, key=order.__getitem__)
            for vpc in visit:
                if vpc not in watched_set:
                    continue
                probed = probe.get(vpc, False)
                if shield and len(profiles_of.get(vpc, ())) <= 1:
                    local = direct.get(vpc)
                    if local is not None and not local.isdisjoint(shield):
                        # Shielded: every affected answer is the one it had before this step.
                        if probed:
                            for n in affected:
                                if current[(vpc, n)].kind == "private":
                                    gate.add(vpc)
                                    break
                        continue
                for n in affected:
                    ans = st.resolve(vpc, n)
                    # Gate only on what the step predicts private: a VPC in the step-7 NXDOMAIN window
                    # (parking_vpc: none) would otherwise hold a gate that cannot pass.
                    if probed and ans.kind == "private":
                        gate.add(vpc)
                    key = (vpc, n)
                    old = current[key]
                    # Answers are often shared instances (resolution.py); two that differ mostly differ by via.
                    if ans is old or (ans.via == old.via and ans == old):
                        continue
                    current[key] = ans
                    changed_vpcs.add(vpc)
                    if primary:
                        plan.predicted.append(Prediction(idx, vpc, n, ans.classification, ans.via))
                    if key in start_private and not ans.private:
                        window = effect is _Fx.DELETE_RECORD and self.parking.get(step.zone or "") is None
                        if window:
                            in_window[key] = idx
                        else:
                            self.problem(
                                "UNSAFE_STEP",
                                f"step {idx} ({a}) leaves VPC {vpc!r} without private resolution of {n} "
                                f"(answer {ans.classification} via {ans.via}){reading}",
                                vpc,
                            )
                    elif key in in_window and ans.private:
                        in_window.pop(key)
            if self.exhaustive:
                self._check_full(st, idx, watched, all_names, current, touched, affected, gate, probe)
            if not primary:
                # RES-12: the gate probes only what is private under every reading (the reading AWS uses
                # is unknown; a gate on an answer private under one reading only could never pass).
                gate = {v for v in step.gate if any(st.resolve(v, n).private for n in affected)}
            # A gate holds watched VPCs only, all of the estate (``relevant``): each has its place in ``order``,
            # and ``watched`` is in that order — a large gate of this reading's is read off it, not sorted.
            if len(gate) <= 1:
                step.gate = list(gate)
            elif primary and len(gate) > len(watched) // 8:
                step.gate = [v for v in watched if v in gate]
            else:
                step.gate = sorted(gate, key=order.__getitem__)
        # Whatever is still not private at the end is a permanent loss.
        for (vpc, n), since in in_window.items():
            self.problem(
                "UNSAFE_STEP", f"VPC {vpc!r} loses {n} from step {since} and never gets it back{reading}", vpc
            )
        for key in start_private:
            if not current[key].private:
                self.problem(
                    "UNSAFE_STEP",
                    f"VPC {key[0]!r} does not resolve {key[1]} privately at the end{reading}",
                    key[0],
                )
        for vpc in sorted(changed_vpcs):
            if (
                vpc in scn.vpcs
                and not scn.vpcs[vpc].probe
                and self.procedure == "converge"
                and vpc not in self.own_parking
            ):
                self.problem(
                    "NO_PROBE",
                    f"VPC {vpc!r} changes how it resolves the service but has no DNS probe to prove it",
                    vpc,
                )
        if self.procedure == "published":
            for s in self.steps:
                s.gate = []  # the published procedure has no probes
        plan.problems = self.problems
        plan.warnings = self.warnings

    @staticmethod
    def _check_full(
        st: DnsState,
        idx: int,
        watched: list[str],
        all_names: list[str],
        current: dict[tuple[str, str], Answer],
        touched: set[str] | None = None,
        affected: list[str] | None = None,
        gate: set[str] | None = None,
        probe: dict[str, bool] | None = None,
    ) -> None:
        """``plan(exhaustive=True)``: after step ``idx`` (0: the start), re-resolve every watched (VPC, name)
        and require the incremental simulation's answers — and its gate — to be exactly those."""
        for vpc in watched:
            for n in all_names:
                full = st.resolve(vpc, n)
                if full != current[(vpc, n)]:
                    raise IncrementalMismatch(
                        f"after step {idx}, VPC {vpc!r} resolves {n} to {full}, but the incremental "
                        f"simulation holds {current[(vpc, n)]}"
                    )
        if touched is None or affected is None or gate is None or probe is None:
            return
        expected = {
            v
            for v in touched
            if v in set(watched) and probe.get(v, False) and any(st.resolve(v, n).private for n in affected)
        }
        if expected != gate:
            raise IncrementalMismatch(f"after step {idx}, the gate is {sorted(gate)}, not {sorted(expected)}")


class IncrementalMismatch(AssertionError):
    """``plan(exhaustive=True)``: the incremental simulation disagrees with a full re-resolution (a bug)."""


def plan(scn: Scenario, procedure: Procedure = "converge", *, exhaustive: bool = False) -> Plan:
    """Plan the migration requested by ``scn.migration`` and prove it on the resolution model.

    The simulation re-resolves after each step only the (VPC, name) pairs the step can change.
    ``exhaustive`` (tests) re-resolves every watched pair after every step as well and raises
    :class:`IncrementalMismatch` where the two differ; the plan is the same."""
    # Planning allocates hundreds of thousands of small, acyclic objects (steps, answers, predictions)
    # that all stay alive: the cyclic garbage collector would walk the growing heap again and again for
    # nothing (a third of the time at 1,000 VPCs x 50 endpoints). It is off while planning only.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _Planner(scn, procedure, exhaustive=exhaustive).build()
    finally:
        if enabled:
            gc.enable()

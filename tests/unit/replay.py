"""An independent replay of a plan's steps on the resolution model, with AWS's control-plane rules.

It does not read the planner's ``predicted`` or its bookkeeping: it starts from the scenario, applies
each step of ``plan.to_json()["steps"]`` as AWS would (refusing what AWS refuses: CP-1..CP-10), and
resolves every (VPC, migrated name) of the estate after every step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from profile_migrator.estate import Scenario
from profile_migrator.planner import PARKING_TAG
from profile_migrator.resolution import PRECEDENCES, DnsState, Precedence

# AWS's default VPC-association quota, the one a newly created zone has.
DEFAULT_ZONE_LIMIT = 300


class AwsRefusal(AssertionError):
    """A step AWS would refuse (the rule id is in the message)."""


@dataclass
class Replay:
    scn: Scenario
    st: DnsState = field(init=False)
    zone_vpcs: dict[str, set[str]] = field(init=False)
    records: dict[str, list[tuple[str, str]]] = field(init=False)
    vpc_account: dict[str, str] = field(init=False)
    private_dns: dict[str, bool] = field(init=False)
    authorized: set[tuple[str, str]] = field(default_factory=set)
    parking: set[str] = field(default_factory=set)
    # zone -> (name, account, VPC limit): the scenario's zones and the copies the plan creates
    zone_info: dict[str, tuple[str, str, int]] = field(init=False)
    peak: dict[str, int] = field(default_factory=dict)  # zone -> most VPC associations at any step
    created_zones: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        scn = self.scn
        self.st = DnsState.from_scenario(scn)
        self.zone_vpcs = {z: set(zone.vpcs) for z, zone in scn.hosted_zones.items()}
        self.records = {z: [(r.name, r.type) for r in zone.records] for z, zone in scn.hosted_zones.items()}
        self.vpc_account = {v: vpc.account for v, vpc in scn.vpcs.items()}
        self.zone_info = {z: (zone.name, zone.account, zone.max_vpcs) for z, zone in scn.hosted_zones.items()}
        self.peak = {z: len(vs) for z, vs in self.zone_vpcs.items()}
        self.private_dns = {e: ep.private_dns for e, ep in scn.endpoints.items()}
        # An earlier, aborted run's parking VPC (tagged by the tool) is the tool's own: reused, then deleted.
        self.parking = {v for v, vpc in scn.vpcs.items() if vpc.tags.get(PARKING_TAG) == "true"}

    def workload_vpcs(self) -> list[str]:
        return [v for v in self.scn.vpcs if v not in self.own_parking]

    @property
    def own_parking(self) -> set[str]:
        return {v for v, vpc in self.scn.vpcs.items() if vpc.tags.get(PARKING_TAG) == "true"}

    # -- helpers --------------------------------------------------------------------------------------
    def names(self) -> list[str]:
        assert self.scn.migration is not None
        return sorted(
            {self.scn.endpoint_dns_name(e) for e in self.scn.migration.endpoints if e in self.scn.endpoints}
        )

    def answers(self, precedence: Precedence = "priority-first") -> dict[tuple[str, str], Any]:
        return {
            (v, n): self.st.resolve(v, n, precedence=precedence)
            for v in self.workload_vpcs()
            for n in self.names()
        }

    def zone_name(self, key: str) -> str | None:
        z = self.st.zones.get(key)
        return z.name if z is not None else None

    def carried_names(self, profile: str) -> set[str]:
        return {n for k in self.st.profile_zones.get(profile, set()) if (n := self.zone_name(k)) is not None}

    def direct_names(self, vpc: str) -> set[str]:
        return {n for k in self.st.direct.get(vpc, set()) if (n := self.zone_name(k)) is not None}

    @staticmethod
    def refuse(rule: str, why: str, step: dict[str, Any]) -> AwsRefusal:
        return AwsRefusal(f"{rule}: {why} (step {step.get('index')}: {step})")

    # -- one step -------------------------------------------------------------------------------------
    def apply(self, step: dict[str, Any]) -> None:
        scn, st, a = self.scn, self.st, step["action"]
        assert scn.migration is not None
        profile = scn.migration.profile
        prof = scn.profiles[profile]
        if a == "associate-vpc-with-profile":
            vpc = step["vpc"]
            others = {p: v for p, v in st.profiles_of.get(vpc, {}).items() if p != profile}
            prio = step.get("priority")
            if len(others) >= 2:
                raise self.refuse(
                    "CP-6", f"{vpc} already has two Profiles {others} (LimitExceededException)", step
                )
            if others and prio is None:
                raise self.refuse("CP-6", f"{vpc} has Profile {others}: a Priority is required", step)
            if prio is not None and (not 100 <= prio <= 9900 or prio in others.values()):
                raise self.refuse("CP-6", f"priority {prio} invalid or in use on {vpc} ({others})", step)
            acct = self.vpc_account[vpc]
            if step["account"] != acct:
                raise self.refuse("CP-9", "a VPC is associated with a Profile by its own account", step)
            if acct != prof.account and acct not in prof.shared_with:
                raise self.refuse("CP-9", f"Profile not shared with {acct}", step)
            st.associate_vpc_profile(vpc, profile, 100 if prio is None else prio)
        elif a == "associate-zone-with-profile":
            zone = step["zone"]
            if self.zone_info[zone][0] in self.carried_names(profile):
                raise self.refuse("CP-7", "the Profile already carries that name", step)
            st.attach_to_profile(profile, f"zone:{zone}")
        elif a == "authorize-vpc-association":
            zone, vpc = step["zone"], step["vpc"]
            if step["account"] != self.zone_info[zone][1]:
                raise self.refuse("CP-9", "only the zone's account authorises", step)
            self.authorized.add((zone, vpc))
        elif a == "associate-vpc-with-zone":
            zone, vpc = step["zone"], step["vpc"]
            zname, zacct, limit = self.zone_info[zone]
            vacct = self.vpc_account[vpc]
            if zacct != vacct and ((zone, vpc) not in self.authorized or step["account"] != vacct):
                raise self.refuse(
                    "CP-9", "cross-account association without authorisation by the VPC's account", step
                )
            if zname in self.direct_names(vpc):
                raise self.refuse("CP-2", f"{vpc} already has a zone of that name", step)
            if vpc not in self.zone_vpcs[zone] and len(self.zone_vpcs[zone]) >= limit:
                raise self.refuse("Q-1", f"{zone} already has {limit} VPCs (LimitsExceeded)", step)
            st.associate_zone_vpc(zone, vpc)
            self.zone_vpcs[zone].add(vpc)
            self.peak[zone] = max(self.peak[zone], len(self.zone_vpcs[zone]))
        elif a == "disassociate-vpc-from-zone":
            zone, vpc = step["zone"], step["vpc"]
            if vpc not in self.zone_vpcs[zone]:
                raise self.refuse("-", f"{vpc} is not associated with {zone}", step)
            if len(self.zone_vpcs[zone]) == 1:
                raise self.refuse("CP-3", "LastVPCAssociation", step)
            if step["account"] not in (self.zone_info[zone][1], self.vpc_account[vpc]):
                raise self.refuse("CP-10", "called by neither the zone's nor the VPC's account", step)
            st.disassociate_zone_vpc(zone, vpc)
            self.zone_vpcs[zone].discard(vpc)
        elif a == "enable-private-dns":
            ep = step["endpoint"]
            evpc = scn.endpoints[ep].vpc
            if scn.endpoint_dns_name(ep) in self.direct_names(evpc):
                raise self.refuse(
                    "CP-1", "conflicting DNS domain directly associated with the endpoint's VPC", step
                )
            attrs = scn.vpcs[evpc]
            if not (attrs.dns_support and attrs.dns_hostnames):
                raise self.refuse("RES-6", "Private DNS needs both VPC DNS attributes", step)
            st.set_private_dns(ep, evpc, True)
            self.private_dns[ep] = True
        elif a == "disassociate-zone-from-profile":
            st.detach_from_profile(profile, f"zone:{step['zone']}")
        elif a == "associate-endpoint-with-profile":
            ep = step["endpoint"]
            if not self.private_dns[ep]:
                raise self.refuse("CP-8", "Private DNS is off", step)
            if scn.endpoint_dns_name(ep) in self.carried_names(profile):
                raise self.refuse("CP-7", "the Profile already carries that name", step)
            st.attach_to_profile(profile, f"endpoint:{ep}")
        elif a == "create-parking-vpc":
            vpc = step["vpc"]
            assert vpc not in self.vpc_account, f"parking VPC {vpc} collides with an estate VPC"
            self.vpc_account[vpc] = step["account"]
            self.parking.add(vpc)
            st.add_vpc(vpc)
        elif a == "create-bridge-zone":
            # CreateHostedZone (private) with its first VPC; a copy of ``copy_of``: same name, new zone whose
            # limit is AWS's default quota — at most the original's in a scenario that lowers it.
            zone, vpc, orig = step["zone"], step["vpc"], step["copy_of"]
            assert zone not in self.zone_info, f"bridge copy {zone} collides with a zone"
            assert vpc in self.parking, f"bridge copy {zone} created on {vpc}, not a parking VPC of the plan"
            oname, oacct, olimit = self.zone_info[orig]
            if step["account"] != oacct:
                raise self.refuse("CP-9", "a copy is created in the original zone's account", step)
            if oname in self.direct_names(vpc):
                raise self.refuse("CP-2", f"{vpc} already has a zone of that name", step)
            self.zone_info[zone] = (oname, oacct, min(olimit, DEFAULT_ZONE_LIMIT))
            self.zone_vpcs[zone] = {vpc}
            self.records[zone] = []
            self.peak[zone] = 1
            self.created_zones.add(zone)
            st.create_zone(zone, oname, vpc)
        elif a == "create-zone-record":
            zone, rec, orig = step["zone"], step["record"], step["copy_of"]
            assert zone in self.created_zones, (
                f"create-zone-record forward only into a copy the plan created: {zone}"
            )
            match = [r for r in self.records[orig] if r[0] == rec]
            assert match, f"no record {rec} in {orig} to copy"
            self.records[zone].append(match[0])
            st.copy_record(orig, zone, rec)
        elif a == "delete-zone-record":
            zone, rec = step["zone"], step["record"]
            match = [r for r in self.records[zone] if r[0] == rec]
            assert match, f"no record {rec} in {zone}"
            self.records[zone].remove(match[0])
            if not any(r[0] == rec for r in self.records[zone]):
                st.delete_record(zone, rec)
        elif a == "delete-zone":
            zone = step["zone"]
            left = [r for r in self.records[zone] if r[1] not in ("SOA", "NS")]
            if left:
                raise self.refuse("CP-4", f"HostedZoneNotEmpty: {left}", step)
            st.delete_zone(zone)
            self.zone_vpcs.pop(zone)
        elif a == "delete-parking-vpc":
            vpc = step["vpc"]
            assert vpc in self.parking, f"{vpc} is not a parking VPC the plan created"
            assert not any(vpc in vs for vs in self.zone_vpcs.values()), f"{vpc} still holds a zone"
            st.remove_vpc(vpc)
            self.parking.discard(vpc)
            del self.vpc_account[vpc]
        else:
            raise AssertionError(f"unknown action {a}")


def check_plan(scn: Scenario, plan_json: dict[str, Any]) -> Replay:
    """Replay a safe plan under both readings of RES-12; assert the planner's promise."""
    for precedence in PRECEDENCES:
        rp = check_plan_under(scn, plan_json, precedence)
    return rp


def check_plan_under(scn: Scenario, plan_json: dict[str, Any], precedence: Precedence) -> Replay:
    """Replay a safe plan under one reading of RES-12. Returns the final replay state."""
    assert plan_json["safe"], plan_json["problems"]
    rp = Replay(scn)
    start = rp.answers(precedence)
    start_private = {k for k, ans in start.items() if ans.private}
    window_vpcs = {w["resource"] for w in plan_json["warnings"] if w["code"] == "NXDOMAIN_WINDOW"}
    in_window: set[tuple[str, str]] = set()
    for step in plan_json["steps"]:
        rp.apply(step)
        now = rp.answers(precedence)
        for key in start_private:
            if now[key].private:
                in_window.discard(key)
                continue
            # The one admitted exception: parking_vpc none's warned window, from deleting the record
            # to deleting the zone (RES-4); anything else breaks the promise.
            assert key[0] in window_vpcs and (step["action"] == "delete-zone-record" or key in in_window), (
                f"step {step['index']} {step['action']} leaves {key} {now[key]}"
            )
            in_window.add(key)
        for vpc in step["gate"]:
            assert scn.vpcs[vpc].probe, f"gate on {vpc}, which has no probe"
            assert any(now[(vpc, n)].private for n in rp.names()), f"gate on {vpc}, predicted not private"
    assert not in_window, f"never private again: {in_window}"
    # The target state (migration-procedure.md) for every migrated endpoint.
    assert scn.migration is not None
    end = rp.answers(precedence)
    for ep in scn.migration.endpoints:
        name = scn.endpoint_dns_name(ep)
        assert rp.private_dns[ep], f"{ep}: Private DNS still off"
        assert f"endpoint:{ep}" in rp.st.profile_zones.get(scn.migration.profile, set()), (
            f"{ep} not on the Profile"
        )
        kept = {w["resource"] for w in plan_json["warnings"] if w["code"] == "ZONE_KEPT"}  # another Profile's
        assert not [
            k
            for k, z in rp.st.zones.items()
            if k.startswith("zone:") and z.name == name and k[len("zone:") :] not in kept
        ], f"a self-managed zone named {name} survives"
        for vpc in rp.workload_vpcs():
            if (vpc, name) in start_private:
                assert end[(vpc, name)].via in ("profile-endpoint:" + ep, "managed-zone"), (
                    vpc,
                    end[(vpc, name)],
                )
    assert not rp.parking, f"parking VPCs left behind: {rp.parking}"
    return rp

"""Read the DNS estate from AWS through the adapters (read-only) into a :class:`Scenario`.

The same code reads a real organisation and the local twin: ``final`` in ``rehearse`` is this
module's answer. Resources are named by their ``Name`` tag (a tag AWS users already use); an untagged
resource is named by its id. Names that collide get their id appended.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .aws import ec2, profiles, ram, route53
from .aws.session import Account
from .estate import DEFAULT_PRIORITY, DEFAULT_ZONE_MAX_VPCS, Scenario, parse_scenario, service_dns_name


@dataclass
class Discovered:
    """The estate plus the id maps (scenario name -> AWS id) that produced it."""

    scenario: Scenario
    vpc_ids: dict[str, str] = field(default_factory=dict)
    endpoint_ids: dict[str, str] = field(default_factory=dict)
    zone_ids: dict[str, str] = field(default_factory=dict)
    profile_ids: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # what could not be represented, and why


class _Names:
    def __init__(self) -> None:
        self.used: set[str] = set()

    def take(self, name: str, rid: str) -> str:
        if name in self.used:
            name = f"{name}-{rid}"
        self.used.add(name)
        return name


_LIVE = ("COMPLETE", "CREATING", "UPDATING")


def discover(accounts: dict[str, Account], region: str, probes: set[str] | None = None) -> Discovered:
    """Read every account's VPCs, interface endpoints, private zones and Profiles.

    ``accounts`` maps an alias to an :class:`Account`; ``probes`` is the set of VPC ids that have a
    registered DNS probe (None: unknown, every VPC is assumed to have one).
    """
    names = _Names()
    alias_of: dict[str, str] = {}
    for alias, acct in accounts.items():
        alias_of[acct.id()] = alias
        names.used.add(alias)
    out = Discovered(scenario=Scenario())
    doc: dict[str, Any] = {"region": region, "accounts": {a: acct.id() for a, acct in accounts.items()},
                           "vpcs": {}, "endpoints": {}, "hosted_zones": {}, "profiles": {}}
    vpc_name: dict[str, str] = {}
    ep_by_dns: dict[str, str] = {}
    ep_name: dict[str, str] = {}
    for alias, acct in accounts.items():
        for v in ec2.list_vpcs(acct):
            if v.owner and v.owner != acct.id():
                continue  # a VPC shared into this account is read in its owner's account
            name = names.take(v.name, v.id)
            vpc_name[v.id] = name
            out.vpc_ids[name] = v.id
            entry: dict[str, Any] = {"account": alias, "cidr": v.cidr}
            if not v.dns_hostnames:
                entry["dns_hostnames"] = False
            if not v.dns_support:
                entry["dns_support"] = False
            if probes is not None:
                entry["probe"] = v.id in probes
            if v.tags:
                entry["tags"] = v.tags
            doc["vpcs"][name] = entry
    for acct in accounts.values():
        for e in ec2.list_interface_endpoints(acct):
            if e.vpc_id not in vpc_name:
                out.skipped.append(f"endpoint {e.id}: its VPC {e.vpc_id} is not in a discovered account")
                continue
            name = names.take(e.name, e.id)
            ep_name[e.id] = name
            out.endpoint_ids[name] = e.id
            for dns in e.dns_names:
                ep_by_dns[dns.rstrip(".").lower()] = name
            entry = {"vpc": vpc_name[e.vpc_id], "service": e.service, "private_dns": e.private_dns}
            if e.state != "Available":
                entry["state"] = e.state
            private_names = [d for d in e.dns_names if not d.startswith("vpce-") and not d.startswith("*.vpce-")]
            if private_names and private_names[0] != service_dns_name(e.service, region):
                entry["dns_name"] = private_names[0]
            doc["endpoints"][name] = entry
    zone_name: dict[str, str] = {}
    for alias, acct in accounts.items():
        for z in route53.list_private_zones(acct):
            name = names.take(z.tag_name, z.id)
            zone_name[z.id] = name
            out.zone_ids[name] = z.id
            zvpcs = []
            for vid, _reg in z.vpcs:
                if vid in vpc_name:
                    zvpcs.append(vpc_name[vid])
                else:
                    out.skipped.append(f"zone {z.id}: VPC {vid} is not in a discovered account")
            records = []
            for r in route53.list_records(acct, z.id):
                if r.type in ("SOA", "NS") and r.name == z.name:
                    continue
                if r.alias_target is not None:
                    target = ep_by_dns.get(r.alias_target)
                    if target is not None:
                        records.append({"name": r.name, "type": r.type, "alias_to": target})
                        continue
                    out.skipped.append(f"zone {z.id}: alias {r.name} -> {r.alias_target} is not an endpoint")
                    records.append({"name": r.name, "type": r.type, "values": []})
                    continue
                rec: dict[str, Any] = {"name": r.name, "type": r.type, "values": r.values}
                records.append(rec)
            doc["hosted_zones"][name] = {"account": alias, "name": z.name, "vpcs": zvpcs, "records": records}
            limit = route53.zone_vpc_limit(acct, z.id)  # the planner never passes it
            if limit != DEFAULT_ZONE_MAX_VPCS:
                doc["hosted_zones"][name]["max_vpcs"] = limit
    read: list[tuple[str, str, profiles.ProfileInfo, list[profiles.ProfileAssociation]]] = []
    for alias, acct in accounts.items():
        for p in profiles.list_profiles(acct):
            if p.owner != acct.id():
                continue  # a shared Profile is read in its owner's account
            live = [a for a in profiles.list_vpc_associations(acct, p.id) if a.status in _LIVE and a.vpc_id in vpc_name]
            read.append((alias, names.take(p.name, p.id), p, live))
    # RES-1: a VPC may have two Profiles; then (or off the default 100) its entries carry the priority (RES-12)
    per_vpc: dict[str, int] = {}
    for *_, live in read:
        for a in live:
            per_vpc[a.vpc_id] = per_vpc.get(a.vpc_id, 0) + 1
    for alias, name, p, live in read:
        acct = accounts[alias]
        out.profile_ids[name] = p.id
        pvpcs: list[Any] = [
            {"vpc": vpc_name[a.vpc_id], "priority": a.priority}
            if a.priority != DEFAULT_PRIORITY or per_vpc[a.vpc_id] > 1 else vpc_name[a.vpc_id]
            for a in live
        ]
        pzones: list[str] = []
        peps: list[str] = []
        for r in profiles.list_resource_associations(acct, p.id):
            if r.status not in _LIVE:
                continue
            rid = r.resource_arn.rsplit("/", 1)[-1]
            if ":hostedzone/" in r.resource_arn and rid in zone_name:
                pzones.append(zone_name[rid])
            elif ":vpc-endpoint/" in r.resource_arn and rid in ep_name:
                peps.append(ep_name[rid])
            else:
                out.skipped.append(f"profile {p.id}: resource {r.resource_arn} not represented")
        shared = []
        for acct_id in ram.shared_with(acct, p.arn):
            if acct_id not in alias_of:
                alias_of[acct_id] = acct_id
                doc["accounts"][acct_id] = acct_id
            shared.append(alias_of[acct_id])
        doc["profiles"][name] = {"account": alias, "vpcs": pvpcs, "hosted_zones": pzones, "endpoints": peps,
                                 "shared_with": shared}
    out.scenario = parse_scenario(doc, "<discovered estate>")
    return out

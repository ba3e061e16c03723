"""Read the DNS estate from AWS through the adapters (read-only) into a :class:`Scenario`.

The same code reads a real organisation and the local twin: ``final`` in ``rehearse`` is this
module's answer. Resources are named by their ``Name`` tag (a tag AWS users already use) when that tag
is a valid scenario name that no other resource (nor an account alias) carries; otherwise — no tag, a tag
that is not a valid name, a tag two resources share — by their id, and ``named_by_id`` says why. Never a
silent suffix, never "first found wins": the same estate gets the same names in any discovery order.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .aws import ec2, profiles, ram, route53
from .aws.session import Account
from .estate import (
    DEFAULT_PRIORITY,
    DEFAULT_ZONE_MAX_VPCS,
    NAME_RE,
    Scenario,
    parse_scenario,
    service_dns_name,
)


@dataclass
class Discovered:
    """The estate plus the id maps (scenario name -> AWS id) that produced it."""

    scenario: Scenario
    vpc_ids: dict[str, str] = field(default_factory=dict)
    endpoint_ids: dict[str, str] = field(default_factory=dict)
    zone_ids: dict[str, str] = field(default_factory=dict)
    profile_ids: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # what could not be represented, and why
    named_by_id: list[str] = field(
        default_factory=list
    )  # resources whose Name tag could not name them, and why
    # (kind, Name tag) -> ids of the resources named by their id although they carry that tag (a tag that is
    # not a valid scenario name, or one several resources carry): how an input naming such a tag resolves
    tag_ids: dict[tuple[str, str], list[str]] = field(default_factory=dict)


class _Names:
    """Scenario names: the Name tag when it is a valid name carried by that resource alone, else the id."""

    def __init__(self, reserved: set[str], tagged: list[tuple[str, str, str]]) -> None:
        # tagged: (kind, Name tag or the id when untagged, id)
        # One count per resource: a shared Profile or VPC is listed by every account that sees it.
        self.counts = Counter(tag for _kind, tag, rid in set(tagged) if tag != rid)
        self.reserved = reserved
        self.why: list[str] = []
        self.by_tag: dict[tuple[str, str], list[str]] = {}

    def take(self, kind: str, tag: str, rid: str) -> str:
        if tag == rid:
            return rid
        if not NAME_RE.match(tag) or self.counts[tag] > 1 or tag in self.reserved:
            ids = self.by_tag.setdefault((kind, tag), [])
            if rid not in ids:
                ids.append(rid)
        if not NAME_RE.match(tag):
            self.why.append(f"{kind} {rid}: Name tag {tag!r} is not a valid scenario name")
            return rid
        if self.counts[tag] > 1 or tag in self.reserved:
            self.why.append(
                f"{kind} {rid}: Name tag {tag!r} is carried by {self.counts[tag]} resources"
                + (" and an account alias" if tag in self.reserved else "")
            )
            return rid
        return tag


_LIVE = ("COMPLETE", "CREATING", "UPDATING")


def discover(accounts: dict[str, Account], region: str, probes: set[str] | None = None) -> Discovered:
    """Read every account's VPCs, interface endpoints, private zones and Profiles.

    ``accounts`` maps an alias to an :class:`Account`; ``probes`` is the set of VPC ids that have a
    registered DNS probe (None: unknown, every VPC is assumed to have one).
    """
    alias_of: dict[str, str] = {}
    for alias, acct in accounts.items():
        alias_of[acct.id()] = alias
    found_vpcs = {alias: ec2.list_vpcs(acct) for alias, acct in accounts.items()}
    found_eps = {alias: ec2.list_interface_endpoints(acct) for alias, acct in accounts.items()}
    found_zones = {alias: route53.list_private_zones(acct) for alias, acct in accounts.items()}
    found_profiles = {alias: profiles.list_profiles(acct) for alias, acct in accounts.items()}
    names = _Names(
        set(accounts),
        [("VPC", v.name, v.id) for vs in found_vpcs.values() for v in vs]
        + [("endpoint", e.name, e.id) for es in found_eps.values() for e in es]
        + [("hosted zone", z.tag_name, z.id) for zs in found_zones.values() for z in zs]
        + [("Profile", p.name, p.id) for ps in found_profiles.values() for p in ps],
    )
    out = Discovered(scenario=Scenario())
    doc: dict[str, Any] = {
        "region": region,
        "accounts": {a: acct.id() for a, acct in accounts.items()},
        "vpcs": {},
        "endpoints": {},
        "hosted_zones": {},
        "profiles": {},
    }
    vpc_name: dict[str, str] = {}
    ep_by_dns: dict[str, str] = {}
    ep_name: dict[str, str] = {}
    for alias, acct in accounts.items():
        for v in found_vpcs[alias]:
            if v.owner and v.owner != acct.id():
                continue  # a VPC shared into this account is read in its owner's account
            name = names.take("VPC", v.name, v.id)
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
    for alias in accounts:
        for e in found_eps[alias]:
            if e.vpc_id not in vpc_name:
                out.skipped.append(f"endpoint {e.id}: its VPC {e.vpc_id} is not in a discovered account")
                continue
            name = names.take("endpoint", e.name, e.id)
            ep_name[e.id] = name
            out.endpoint_ids[name] = e.id
            for dns in e.dns_names:
                ep_by_dns[dns.rstrip(".").lower()] = name
            entry = {"vpc": vpc_name[e.vpc_id], "service": e.service, "private_dns": e.private_dns}
            if e.state != "Available":
                entry["state"] = e.state
            private_names = [
                d for d in e.dns_names if not d.startswith("vpce-") and not d.startswith("*.vpce-")
            ]
            if private_names and private_names[0] != service_dns_name(e.service, region):
                entry["dns_name"] = private_names[0]
            doc["endpoints"][name] = entry
    zone_name: dict[str, str] = {}
    for alias, acct in accounts.items():
        for z in found_zones[alias]:
            name = names.take("hosted zone", z.tag_name, z.id)
            zone_name[z.id] = name
            out.zone_ids[name] = z.id
            zvpcs = []
            for vid, _reg in z.vpcs:
                if vid in vpc_name:
                    zvpcs.append(vpc_name[vid])
                else:
                    out.skipped.append(f"zone {z.id}: VPC {vid} is not in a discovered account")
            records: list[dict[str, Any]] = []
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
            # the zone's own quota (the planner never passes it), written when it is not the default
            limit = route53.vpc_limit(acct, z.id)
            if limit is not None and limit != DEFAULT_ZONE_MAX_VPCS:
                doc["hosted_zones"][name]["max_vpcs"] = limit
    read: list[tuple[str, str, profiles.ProfileInfo, list[profiles.ProfileAssociation]]] = []
    for alias, acct in accounts.items():
        for p in found_profiles[alias]:
            if p.owner != acct.id():
                continue  # a shared Profile is read in its owner's account
            live = [
                a
                for a in profiles.list_vpc_associations(acct, p.id)
                if a.status in _LIVE and a.vpc_id in vpc_name
            ]
            read.append((alias, names.take("Profile", p.name, p.id), p, live))
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
            if a.priority != DEFAULT_PRIORITY or per_vpc[a.vpc_id] > 1
            else vpc_name[a.vpc_id]
            for a in live
        ]
        pzones: list[str] = []
        peps: list[str] = []
        for ra in profiles.list_resource_associations(acct, p.id):
            if ra.status not in _LIVE:
                continue
            rid = ra.resource_arn.rsplit("/", 1)[-1]
            if ":hostedzone/" in ra.resource_arn and rid in zone_name:
                pzones.append(zone_name[rid])
            elif ":vpc-endpoint/" in ra.resource_arn and rid in ep_name:
                peps.append(ep_name[rid])
            else:
                out.skipped.append(f"profile {p.id}: resource {ra.resource_arn} not represented")
        shared = []
        for acct_id in ram.shared_with(acct, p.arn):
            if acct_id not in alias_of:
                alias_of[acct_id] = acct_id
                doc["accounts"][acct_id] = acct_id
            shared.append(alias_of[acct_id])
        doc["profiles"][name] = {
            "account": alias,
            "vpcs": pvpcs,
            "hosted_zones": pzones,
            "endpoints": peps,
            "shared_with": shared,
        }
    out.named_by_id = names.why
    out.tag_ids = names.by_tag
    out.scenario = parse_scenario(doc, "<discovered estate>")
    return out

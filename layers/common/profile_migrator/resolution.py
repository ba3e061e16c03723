"""How a VPC resolves a name — rules RES-1..RES-8, RES-10..RES-12 of ``aws-dns-semantics.md``. Pure.

One model serves the planner's prediction and the twin's DNS answers. :class:`DnsState` is the
*settled* DNS-relevant state (AS-5: a change counts once settled): which zones each VPC sees directly,
which Profiles each VPC has (at most two, each with a priority: RES-1, RES-12), and what each Profile
carries. It is built from an :class:`Estate`
(scenario) and mutated by the planner's simulation one step at a time; :meth:`DnsState.resolve`
answers one query.

A *zone source* has a key that is also the ``via`` of an answer:

- ``zone:<name>`` — a self-managed PHZ (``profile-zone:<name>`` when reached through the Profile);
- ``managed-zone:<endpoint>`` — the AWS-managed zone of an endpoint with Private DNS on (RES-6);
- ``endpoint:<endpoint>`` — an interface endpoint carried by a Profile (``profile-endpoint:<name>``, RES-7).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from .estate import Scenario

AnswerKind = Literal["private", "public", "nxdomain", "nodata", "noanswer", "other"]

# RES-12: how two Profiles on one VPC combine is silent; the two readings. A plan must be safe under both.
Precedence = Literal["priority-first", "specificity-first"]
PRECEDENCES: tuple[Precedence, ...] = ("priority-first", "specificity-first")

# RES-10: Route 53's default SOA gives min(SOA TTL 900, minimum 86400) = 900 s of negative caching;
# whether the VPC resolver caches PHZ NXDOMAIN is silent, so the twin's TTL is configurable (default 0).
DEFAULT_SOA_NEGATIVE_TTL = 900.0


@dataclass(frozen=True)
class Answer:
    """One resolution. ``endpoint`` names the endpoint whose ENI IPs answer (private answers)."""

    kind: AnswerKind
    via: str
    endpoint: str | None = None
    values: tuple[str, ...] = ()
    negative_ttl: float = 0.0

    @property
    def private(self) -> bool:
        return self.kind == "private"

    @property
    def classification(self) -> str:
        """The contract's ``answer``: private | public | nxdomain (nodata counts as nxdomain)."""
        if self.kind == "nodata":
            return "nxdomain"
        return self.kind


@dataclass
class ZoneSource:
    """A zone as Route 53 Resolver sees it: a name and its records (name -> target)."""

    key: str
    name: str
    # record name -> ("endpoint", endpoint name) | ("values", ips)
    records: dict[str, tuple[str, tuple[str, ...] | str]] = field(default_factory=dict)


@lru_cache(maxsize=8192)
@functools.lru_cache(maxsize=4096)
def _suffixes(qname: str) -> tuple[str, ...]:
    """``a.b.c`` -> (``a.b.c``, ``b.c``, ``c``) — most specific first (RES-2). Cached: the planner's
    simulation asks for the same few names hundreds of thousands of times."""
    parts = qname.split(".")
    return tuple(".".join(parts[i:]) for i in range(len(parts)))


# Answers are immutable: the planner's simulation resolves hundreds of thousands of times, and a frozen
# dataclass is slow to build, so the common answers are shared instances.
_PUBLIC = Answer("public", "public")
_NO_ANSWER = Answer("noanswer", "none")


@lru_cache(maxsize=65536)
def _private(via: str, endpoint: str) -> Answer:
    return Answer("private", via, endpoint=endpoint)


@lru_cache(maxsize=65536)
def _via(zone_key: str, through_profile: bool) -> str:
    """An answer's ``via`` for the zone source ``zone_key`` (a pure function of the key: cached)."""
    kind, _, name = zone_key.partition(":")
    if kind == "zone":
        return f"profile-zone:{name}" if through_profile else f"zone:{name}"
    if kind == "managed-zone":
        return "managed-zone"
    return f"profile-endpoint:{name}"


@dataclass
class VpcDns:
    dns_support: bool = True
    dns_hostnames: bool = True


_DEFAULT_VPC_DNS = VpcDns()


class DnsState:
    """The settled DNS view of an estate, indexed for fast resolution and cheap mutation."""

    def __init__(self) -> None:
        self.vpcs: dict[str, VpcDns] = {}
        self.zones: dict[str, ZoneSource] = {}
        # VPC -> zone keys associated directly (self-managed PHZs and managed zones, RES-1, RES-6)
        self.direct: dict[str, set[str]] = defaultdict(set)
        # VPC -> {Profile: priority} (RES-1: up to two; RES-12: lower priority evaluated first)
        self.profiles_of: dict[str, dict[str, int]] = defaultdict(dict)
        # VPC -> {Profile: previous priority} while an association is UPDATING (AS-6, twin only)
        self.old_priorities: dict[str, dict[str, int]] = {}
        self.precedence: Precedence = "priority-first"
        # Profile -> zone keys it carries (PHZs and endpoints, RES-7)
        self.profile_zones: dict[str, set[str]] = defaultdict(set)
        self.negative_ttl: float = 0.0
        # zone name -> zone keys, so a query costs O(labels), not O(zones the VPC sees). Rebuilt lazily
        # when ``zones`` is replaced or changes size (callers may write ``zones`` directly); a zone's name
        # never changes for a given key.
        self._by_name: dict[str, list[str]] = {}
        self._by_name_of: tuple[int, int] = (0, -1)
        # qname -> the zone keys of each of its suffixes that names a zone, most specific first (RES-2):
        # derived from ``_by_name`` and dropped with it. The planner asks for the same few names
        # hundreds of thousands of times, and most suffixes (``com``, ``amazonaws.com``) name no zone.
        self._candidates: dict[str, tuple[list[str], ...]] = {}

    # -- construction ----------------------------------------------------------------------------
    @classmethod
    def from_scenario(cls, scn: Scenario) -> DnsState:
        st = cls()
        st.negative_ttl = scn.twin.negative_cache_ttl
        st.precedence = scn.twin.profile_precedence
        for name, vpc in scn.vpcs.items():
            st.vpcs[name] = VpcDns(vpc.dns_support, vpc.dns_hostnames)
        for name, zone in scn.hosted_zones.items():
            src = ZoneSource(key=f"zone:{name}", name=zone.name)
            for rec in zone.records:
                if rec.type != "A":
                    continue
                if rec.alias_to is not None:
                    src.records[rec.name] = ("endpoint", rec.alias_to)  # RES-8
                else:
                    src.records[rec.name] = ("values", tuple(rec.values or ()))
            st.zones[src.key] = src
            for vpc_name in zone.vpcs:
                st.direct[vpc_name].add(src.key)
        for name, ep in scn.endpoints.items():
            dns = scn.endpoint_dns_name(name)
            st.add_endpoint(name, dns)
            if ep.private_dns:
                st.direct[ep.vpc].add(f"managed-zone:{name}")  # RES-6
        for pname, prof in scn.profiles.items():
            for vpc_name, prio in prof.priorities.items():
                st.profiles_of[vpc_name][pname] = prio
            for zone_name in prof.hosted_zones:
                st.profile_zones[pname].add(f"zone:{zone_name}")
            for ep_name in prof.endpoints:
                # RES-7: treated as a Profile-carried zone of the service name. CP-8 keeps Private DNS on.
                st.profile_zones[pname].add(f"endpoint:{ep_name}")
        return st

    def add_endpoint(self, name: str, dns_name: str) -> None:
        """Register the zone sources an endpoint can provide (managed zone, Profile-carried)."""
        records = {dns_name: ("endpoint", name)}
        self.zones[f"managed-zone:{name}"] = ZoneSource(f"managed-zone:{name}", dns_name, dict(records))
        self.zones[f"endpoint:{name}"] = ZoneSource(f"endpoint:{name}", dns_name, dict(records))
        self._by_name_of = (0, -1)  # the name may differ from a previous registration

    def add_vpc(self, name: str, dns_support: bool = True, dns_hostnames: bool = True) -> None:
        self.vpcs[name] = VpcDns(dns_support, dns_hostnames)

    def copy(self) -> DnsState:
        st = DnsState()
        st.vpcs = {k: VpcDns(v.dns_support, v.dns_hostnames) for k, v in self.vpcs.items()}
        st.zones = {k: ZoneSource(v.key, v.name, dict(v.records)) for k, v in self.zones.items()}
        st.direct = defaultdict(set, {k: set(v) for k, v in self.direct.items()})
        st.profiles_of = defaultdict(dict, {k: dict(v) for k, v in self.profiles_of.items()})
        st.old_priorities = {k: dict(v) for k, v in self.old_priorities.items()}
        st.precedence = self.precedence
        st.profile_zones = defaultdict(set, {k: set(v) for k, v in self.profile_zones.items()})
        st.negative_ttl = self.negative_ttl
        return st

    # -- queries ---------------------------------------------------------------------------------
    def vpcs_seeing(self, zone_key: str) -> set[str]:
        """VPCs that have ``zone_key`` among their candidate zones (directly or via their Profile)."""
        out = {v for v, keys in self.direct.items() if zone_key in keys}
        carriers = {prof for prof, keys in self.profile_zones.items() if zone_key in keys}
        if carriers:
            out |= {v for v, profs in self.profiles_of.items() if carriers.intersection(profs)}
        return out

    def vpc_profiles(self, vpc: str, *, old_order: bool = False) -> list[str]:
        """The Profiles of ``vpc`` in evaluation order (RES-12: lowest priority first). ``old_order``:
        the order before an ``UPDATING`` priority change (AS-6)."""
        profs = self.profiles_of.get(vpc)
        if not profs:
            return []
        if len(profs) == 1:  # the common case: nothing to order
            return list(profs)
        prio = dict(profs)
        if old_order:
            prio.update({p: v for p, v in self.old_priorities.get(vpc, {}).items() if p in prio})
        return sorted(prio, key=lambda p: (prio[p], p))

    def members(self, profile: str) -> set[str]:
        """The VPCs associated with ``profile``."""
        return {v for v, profs in self.profiles_of.items() if profile in profs}

    def _zones_named(self) -> dict[str, list[str]]:
        stamp = (id(self.zones), len(self.zones))
        if stamp != self._by_name_of:
            by_name: dict[str, list[str]] = defaultdict(list)
            for key, z in self.zones.items():
                by_name[z.name].append(key)
            for keys in by_name.values():
                keys.sort()  # deterministic if two same-name zones are visible (AWS prevents it: CP-2)
            self._by_name = dict(by_name)
            self._by_name_of = stamp
            self._candidates = {}
        return self._by_name

    def _candidates_of(self, qname: str) -> tuple[list[str], ...]:
        """RES-2: the keys of the zones named after each suffix of ``qname`` (normalised) that names any,
        most specific first."""
        by_name = self._zones_named()  # first: a rebuild drops the candidates
        cands = self._candidates.get(qname)
        if cands is None:
            cands = tuple(keys for s in _suffixes(qname) if (keys := by_name.get(s)))
            if len(self._candidates) >= 65536:  # the twin's DNS server answers any name a client asks
                self._candidates.clear()
            self._candidates[qname] = cands
        return cands

    def keys_named(self, name: str) -> list[str]:
        """The keys of every zone source named ``name`` (self-managed, managed, Profile-carried endpoint)."""
        return self._zones_named().get(name.rstrip(".").lower(), [])

    def resolve(
        self, vpc: str, qname: str, *, precedence: Precedence | None = None, old_order: bool = False
    ) -> Answer:
        """How ``vpc`` resolves the A record ``qname``: under ``precedence`` (default: this state's reading
        of RES-12); ``old_order`` resolves with the priorities before an ``UPDATING`` change (AS-6)."""
        qname = qname.rstrip(".").lower()
        attrs = self.vpcs.get(vpc, _DEFAULT_VPC_DNS)
        if not attrs.dns_support:
            return _NO_ANSWER  # RES-11: the VPC resolver does not answer at all
        if not attrs.dns_hostnames:
            return _PUBLIC  # RES-11: private zones do not work; public DNS only
        # RES-1: the VPC sees its direct zones plus what its (up to two) Profiles carry.
        local = self.direct.get(vpc, ())
        cands = self._candidates.get(qname)
        if cands is None or (id(self.zones), len(self.zones)) != self._by_name_of:
            cands = self._candidates_of(qname)  # (re)built with the name index
        if not cands:
            return _PUBLIC  # RES-5: no private zone of any suffix exists at all
        profs = self.profiles_of.get(vpc)
        if not profs:
            remotes: list[set[str] | tuple[()]] = []
        elif len(profs) == 1:  # one Profile: no order to work out (the common case, and a hot path)
            remotes = [self.profile_zones.get(next(iter(profs)), ())]
        else:
            remotes = [self.profile_zones.get(p, ()) for p in self.vpc_profiles(vpc, old_order=old_order)]
        if len(remotes) > 1 and (precedence or self.precedence) == "priority-first":
            # RES-12, priority-first: the first Profile (priority order) carrying anything that matches
            # the query is the only one asked.
            for carried in remotes:
                if any(k in carried for keys in cands for k in keys):
                    remotes = [carried]
                    break
        # RES-2: the most specific zone name wins; RES-3: for the same name, local beats any Profile;
        # RES-12 (specificity-first): between Profiles, priority breaks a same-name tie.
        for keys in cands:
            for key in keys:
                if key in local:
                    return self._answer_from(self.zones[key], qname, through_profile=False)
            for carried in remotes:
                for key in keys:
                    if key in carried:
                        return self._answer_from(self.zones[key], qname, through_profile=True)
        return _PUBLIC  # RES-5: no private zone matches

    def _answer_from(self, zone: ZoneSource, qname: str, *, through_profile: bool) -> Answer:
        via = _via(zone.key, through_profile)
        rec = zone.records.get(qname)
        if rec is None:
            # RES-4: the winning zone has no record -> NXDOMAIN, no fallback to public DNS.
            return Answer("nxdomain", via, negative_ttl=self.negative_ttl)
        rtype, target = rec
        if rtype == "endpoint":
            return _private(via, str(target))  # RES-8
        return Answer("other", via, values=tuple(target))

    # -- mutations (one per step action; the planner's simulation and tests use them) ------------
    def associate_zone_vpc(self, zone: str, vpc: str) -> None:
        self.direct[vpc].add(f"zone:{zone}")

    def disassociate_zone_vpc(self, zone: str, vpc: str) -> None:
        self.direct[vpc].discard(f"zone:{zone}")

    def associate_vpc_profile(self, vpc: str, profile: str, priority: int = 100) -> None:
        self.profiles_of[vpc][profile] = priority

    def disassociate_vpc_profile(self, vpc: str, profile: str) -> None:
        profs = self.profiles_of.get(vpc)
        if profs is not None:
            profs.pop(profile, None)
            if not profs:
                del self.profiles_of[vpc]

    def attach_to_profile(self, profile: str, key: str) -> None:
        self.profile_zones[profile].add(key)

    def detach_from_profile(self, profile: str, key: str) -> None:
        self.profile_zones[profile].discard(key)

    def set_private_dns(self, endpoint: str, vpc: str, enabled: bool) -> None:
        key = f"managed-zone:{endpoint}"
        if enabled:
            self.direct[vpc].add(key)  # RES-6
        else:
            self.direct[vpc].discard(key)

    def create_zone(self, zone: str, name: str, vpc: str) -> None:
        """A new, empty private zone created with its first VPC (CreateHostedZone needs one)."""
        self.zones[f"zone:{zone}"] = ZoneSource(f"zone:{zone}", name.rstrip(".").lower())
        self.direct[vpc].add(f"zone:{zone}")

    def copy_record(self, source: str, zone: str, record: str) -> None:
        """UPSERT ``record`` of zone ``source`` into ``zone`` (a bridge copy gets the original's alias)."""
        rec = self.zones[f"zone:{source}"].records.get(record.rstrip(".").lower())
        if rec is not None:
            self.zones[f"zone:{zone}"].records[record.rstrip(".").lower()] = rec

    def delete_record(self, zone: str, record: str) -> None:
        self.zones[f"zone:{zone}"].records.pop(record.rstrip(".").lower(), None)

    def delete_zone(self, zone: str) -> None:
        key = f"zone:{zone}"
        for keys in self.direct.values():
            keys.discard(key)  # CP-4: deleting a PHZ removes its VPC associations
        for keys in self.profile_zones.values():
            keys.discard(key)
        self.zones.pop(key, None)

    def remove_vpc(self, vpc: str) -> None:
        self.vpcs.pop(vpc, None)
        self.direct.pop(vpc, None)
        self.profiles_of.pop(vpc, None)
        self.old_priorities.pop(vpc, None)


class NegativeCache:
    """RES-10: a negative answer may be served again for ``ttl`` seconds after it was given.

    Pure: the caller passes the time. ``ttl`` 0 disables caching (the twin's default).
    """

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._until: dict[tuple[str, str], tuple[float, Answer]] = {}

    def lookup(self, vpc: str, qname: str, now: float) -> Answer | None:
        hit = self._until.get((vpc, qname))
        if hit is None:
            return None
        until, answer = hit
        if now < until:
            return answer
        del self._until[(vpc, qname)]
        return None

    def store(self, vpc: str, qname: str, answer: Answer, now: float) -> None:
        if self.ttl > 0 and answer.kind in ("nxdomain", "nodata"):
            self._until[(vpc, qname)] = (now + self.ttl, answer)

    def resolve(self, state: DnsState, vpc: str, qname: str, now: float) -> Answer:
        cached = self.lookup(vpc, qname, now)
        if cached is not None:
            return cached
        answer = state.resolve(vpc, qname)
        self.store(vpc, qname, answer, now)
        return answer

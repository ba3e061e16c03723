"""The twin's live DNS: the project's one resolution model over moto's *settled* state (AS-5).

:func:`live_state` reads the settled views of the twin's moto extensions (Route 53 zones after their
changes are INSYNC, endpoints' Private DNS as of their last Available, Profile associations once
COMPLETE) into a :class:`~profile_migrator.resolution.DnsState` keyed by scenario names (AWS ids for
what the scenario does not name), and :class:`LiveDns` answers the VPC resolvers' queries with it.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

from moto.ec2.models import ec2_backends
from profile_migrator.resolution import Answer, DnsState, NegativeCache, ZoneSource

from twin.clock import get_clock
from twin.config import get_settings
from twin.moto_ext import ec2_endpoints, route53_zones
from twin.moto_ext.route53profiles import route53profiles_backends

PUBLIC_IP_BASE = "203.0.113."  # RES-5: what a public answer looks like (TEST-NET-3, never routed)


@dataclass
class Names:
    """AWS id -> scenario name (what discovery would call it)."""

    vpcs: dict[str, str] = field(default_factory=dict)
    endpoints: dict[str, str] = field(default_factory=dict)
    zones: dict[str, str] = field(default_factory=dict)
    profiles: dict[str, str] = field(default_factory=dict)


@dataclass
class LiveState:
    state: DnsState
    ips: dict[str, tuple[str, ...]]  # endpoint name -> ENI IPs
    vpc_ids: dict[str, str]  # vpc name -> id


def live_state(region: str, names: Names) -> LiveState:
    """The settled DNS state of every account in ``region``."""
    st = DnsState()
    settings = get_settings()
    st.negative_ttl = settings.negative_cache_ttl
    st.precedence = (
        "specificity-first" if settings.profile_precedence == "specificity-first" else "priority-first"
    )
    vpc_ids: dict[str, str] = {}

    def vname(vid: str) -> str:
        return names.vpcs.get(vid, vid)

    for acct in list(ec2_backends.keys()):
        backend = ec2_backends[acct][region]
        for vid, vpc in list(backend.vpcs.items()):
            name = vname(vid)
            vpc_ids[name] = vid
            st.add_vpc(name, _truthy(vpc.enable_dns_support), _truthy(vpc.enable_dns_hostnames))
    ips: dict[str, tuple[str, ...]] = {}
    by_dns: dict[str, str] = {}
    for ep in ec2_endpoints.settled_endpoints(region=region):
        ename = names.endpoints.get(ep.endpoint_id, ep.endpoint_id)
        ips[ename] = ep.ips
        dns = (ep.private_dns_name or "").rstrip(".").lower()
        if dns:
            st.add_endpoint(ename, dns)
        for d in ep.dns_names:
            by_dns[d.rstrip(".").lower()] = ename
        if ep.settled_private_dns and dns:
            st.direct[vname(ep.vpc_id)].add(f"managed-zone:{ename}")  # RES-6
    for zone in route53_zones.settled_zones():
        if not zone.private:
            continue
        zname = names.zones.get(zone.zone_id, zone.zone_id)
        src = ZoneSource(f"zone:{zname}", zone.name.rstrip(".").lower())
        for rec in zone.records:
            if rec.type != "A":
                continue
            rname = rec.name.rstrip(".").lower()
            if rec.alias_target is not None:
                target = by_dns.get(rec.alias_target.dns_name.rstrip(".").lower())
                src.records[rname] = ("endpoint", target) if target else ("values", ())  # RES-8
            else:
                src.records[rname] = ("values", tuple(rec.values))
        st.zones[src.key] = src
        for v in zone.vpcs:
            st.direct[vname(v.vpc_id)].add(src.key)
    if route53profiles_backends is not None:
        any_acct = next(iter(ec2_backends.keys()), "123456789012")
        view = route53profiles_backends[any_acct][region].settled_view()
        pending = {
            ep.endpoint_id
            for ep in ec2_endpoints.settled_endpoints(region=region)
            if ep.state.lower() != "available"
        }
        for pid, prof in view["profiles"].items():
            pname = names.profiles.get(pid, pid)
            for res in prof["resources"]:
                rid = res["resource_id"]
                if res["resource_type"] == "PRIVATE_HOSTED_ZONE":
                    st.attach_to_profile(pname, f"zone:{names.zones.get(rid, rid)}")
                elif res["resource_type"] == "INTERFACE_VPC_ENDPOINT" and rid not in pending:
                    # RES-7 with AS-2/AS-5: the endpoint counts once it is Available again.
                    st.attach_to_profile(pname, f"endpoint:{names.endpoints.get(rid, rid)}")
        for vid, assocs in view["vpc_profiles"].items():
            for assoc in assocs:  # RES-1: up to two, each with its priority (RES-12)
                pname = names.profiles.get(assoc["profile_id"], assoc["profile_id"])
                st.associate_vpc_profile(vname(vid), pname, assoc["priority"])
                if assoc["old_priority"] is not None:  # AS-6: a priority change still propagating
                    st.old_priorities.setdefault(vname(vid), {})[pname] = assoc["old_priority"]
    return LiveState(st, ips, vpc_ids)


def _truthy(v: object) -> bool:
    return v is True or str(v).lower() == "true"


@dataclass(frozen=True)
class WireAnswer:
    """What a VPC resolver serves (``twin.dns_server.Answer``)."""

    kind: str
    ips: tuple[str, ...]
    via: str
    negative_ttl: float
    zone_name: str | None = None


class LiveDns:
    """Answers queries from the twin's live settled state, rebuilt at most every ``refresh`` simulated s."""

    def __init__(self, region: str, names: Names, refresh: float = 0.2) -> None:
        self.region = region
        self.names = names
        self.refresh = refresh
        self._lock = threading.Lock()
        self._built_at = -1e18
        self._live: LiveState | None = None
        self.cache = NegativeCache(get_settings().negative_cache_ttl)
        self._asked: dict[tuple[str, str], int] = {}  # (vpc, name) -> queries answered (AS-6)

    def live(self) -> LiveState:
        now = get_clock().now()
        with self._lock:
            if self._live is None or now - self._built_at >= self.refresh:
                try:
                    with ec2_endpoints.LOCK:
                        self._live = live_state(self.region, self.names)
                except RuntimeError:
                    # moto's dicts mutate under us (another thread creating a backend): keep serving the
                    # last consistent snapshot (at most `refresh` old) rather than a SERVFAIL.
                    if self._live is None:
                        raise
                    return self._live
                self._built_at = now
            return self._live

    def invalidate(self) -> None:
        with self._lock:
            self._live = None

    def _old_order_now(self, state: DnsState, vpc: str, qname: str) -> bool:
        """AS-6: while a VPC's priority change is UPDATING, every other query of a name uses the old order."""
        if not state.old_priorities.get(vpc):
            return False
        key = (vpc, qname.rstrip(".").lower())
        with self._lock:
            n = self._asked.get(key, 0)
            self._asked[key] = n + 1
        return n % 2 == 1

    def resolve(self, vpc: str, qname: str) -> tuple[Answer, tuple[str, ...]]:
        live = self.live()
        ans = live.state.resolve(vpc, qname, old_order=self._old_order_now(live.state, vpc, qname))
        if ans.kind == "private" and ans.endpoint is not None:
            return ans, live.ips.get(ans.endpoint, ())
        if ans.kind == "public":
            return ans, (PUBLIC_IP_BASE + str(1 + sum(qname.encode()) % 250),)
        if ans.kind == "other":
            return ans, ans.values
        return ans, ()

    def answer(self, vpc: str, qname: str, qtype: str) -> WireAnswer:
        """The answer function of :mod:`twin.dns_server` (negative caching is the server's, RES-10)."""
        ans, ips = self.resolve(vpc, qname)
        kind = {"other": "private" if ips else "nodata"}.get(ans.kind, ans.kind)
        if ans.kind == "other":
            kind = "public"  # a literal A record: served as is; the sampler classifies it by IP
        return WireAnswer(kind, ips, ans.via, ans.negative_ttl)

    def private_ips(self, name: str) -> set[str]:
        """Every ENI IP of every endpoint whose private DNS name is ``name``."""
        live = self.live()
        out: set[str] = set()
        for key, src in live.state.zones.items():
            if key.startswith("endpoint:") and src.name == name.rstrip(".").lower():
                out |= set(live.ips.get(key.split(":", 1)[1], ()))
        return out


class SettledModel:
    """The sampler's view of settle events (:class:`twin.sampler.SettleEvents`): a fingerprint of the
    settled state the resolvers answer from (AS-5) and of which resolvers are in a ``resolver-outage``,
    and the class each (VPC, name) resolves to, computed on that state without touching the AS-6
    alternation counters. A pair whose two AS-6 orders differ is predicted ``flapping`` (never a real
    class), so the sampler resolves it over DNS every tick while the priority change is UPDATING."""

    def __init__(self, dns: LiveDns, fleet: object | None = None) -> None:
        self.dns = dns
        self.fleet = fleet

    def _outages(self, vpcs: list[str]) -> frozenset[str]:
        resolver = getattr(self.fleet, "resolver", None)
        if resolver is None:
            return frozenset()
        out = set()
        for v in vpcs:
            try:
                if resolver(v).in_outage():
                    out.add(v)
            except KeyError:
                continue
        return frozenset(out)

    def fingerprint(self) -> Hashable:
        live = self.dns.live()
        st = live.state
        return (
            tuple(sorted((v, d.dns_support, d.dns_hostnames) for v, d in st.vpcs.items())),
            tuple(sorted((k, z.name, tuple(sorted(z.records.items()))) for k, z in st.zones.items())),
            tuple(sorted((v, tuple(sorted(s))) for v, s in st.direct.items())),
            tuple(sorted((v, tuple(sorted(p.items()))) for v, p in st.profiles_of.items())),
            tuple(sorted((v, tuple(sorted(p.items()))) for v, p in st.old_priorities.items())),
            tuple(sorted((p, tuple(sorted(z))) for p, z in st.profile_zones.items())),
            tuple(sorted(live.ips.items())),
            self._outages(sorted(st.vpcs)),
        )

    def predict(self, targets: Sequence[tuple[str, str]]) -> list[str]:
        live = self.dns.live()
        outages = self._outages(sorted({v for v, _ in targets}))
        private: dict[str, set[str]] = {}
        for key, src in live.state.zones.items():
            if key.startswith("endpoint:"):
                private.setdefault(src.name, set()).update(live.ips.get(key.split(":", 1)[1], ()))

        def cls(vpc: str, name: str, old_order: bool) -> str:
            ans = live.state.resolve(vpc, name, old_order=old_order)
            if ans.kind == "private" and ans.endpoint is not None:
                ips: tuple[str, ...] = live.ips.get(ans.endpoint, ())
            elif ans.kind == "other":
                ips = ans.values
            else:
                return ans.kind
            if not ips:
                return "nodata"
            return "private" if private.get(name.rstrip(".").lower(), set()) & set(ips) else "public"

        out: list[str] = []
        for vpc, name in targets:
            if vpc in outages:
                out.append("servfail")  # fault resolver-outage
                continue
            now = cls(vpc, name, False)
            out.append(
                now if not live.state.old_priorities.get(vpc) or cls(vpc, name, True) == now else "flapping"
            )
        return out

"""The twin's per-VPC resolvers, queried over real UDP and TCP with dnspython."""

from __future__ import annotations

import shutil
import socket
import statistics
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import dns.resolver
import pytest
from dns_answers import NAME, PRIVATE, Ans

from twin.clock import SimClock, get_clock, install_clock
from twin.config import TwinSettings
from twin.dns_server import ResolverFleet, VpcResolver

pytestmark = pytest.mark.twin


class FakeModel:
    """answer_fn whose answers a test sets per (vpc, name); unknown names are public NXDOMAIN."""

    def __init__(self) -> None:
        self.answers: dict[tuple[str, str], Ans] = {}
        self.calls: list[tuple[str, str, str]] = []

    def set(self, vpc: str, name: str, ans: Ans) -> None:
        self.answers[(vpc, name)] = ans

    def __call__(self, vpc: str, qname: str, qtype: str) -> Ans:
        self.calls.append((vpc, qname, qtype))
        return self.answers.get((vpc, qname), Ans("nxdomain", via="public"))


@pytest.fixture
def clock() -> Iterator[SimClock]:
    before = get_clock()
    c = install_clock(SimClock(1000.0))  # practically frozen: tests move it with advance()
    yield c
    install_clock(before)


@pytest.fixture
def model() -> FakeModel:
    m = FakeModel()
    m.set("dev", NAME, Ans("private", PRIVATE))
    m.set("prod", NAME, Ans("public", ("52.94.1.1",), via="public"))
    return m


@pytest.fixture
def fleet(model: FakeModel, clock: SimClock, settings: TwinSettings) -> Iterator[ResolverFleet]:
    with ResolverFleet(["dev", "prod"], model, first_address="127.0.9.1", port=0, start=clock.now()) as f:
        yield f


def resolver_for(fleet: ResolverFleet, vpc: str, timeout: float = 1.0) -> dns.resolver.Resolver:
    ip, port = fleet.address_of(vpc)
    r = dns.resolver.Resolver(configure=False)
    r.nameservers = [ip]
    r.port = port
    r.lifetime = timeout
    r.timeout = timeout
    return r


def ask(
    fleet: ResolverFleet, vpc: str, name: str = NAME, rdtype: str = "A", tcp: bool = False
) -> dns.message.Message:
    ip, port = fleet.address_of(vpc)
    q = dns.message.make_query(name, rdtype)
    if tcp:
        return dns.query.tcp(q, ip, port=port, timeout=2.0)
    return dns.query.udp(q, ip, port=port, timeout=2.0)


def a_values(msg: dns.message.Message) -> list[str]:
    return sorted(rd.to_text() for rrset in msg.answer for rd in rrset if rrset.rdtype == dns.rdatatype.A)


def test_fleet_uses_consecutive_loopback_addresses(fleet: ResolverFleet) -> None:
    assert fleet.address_of("dev")[0] == "127.0.9.1"
    assert fleet.address_of("prod")[0] == "127.0.9.2"
    assert fleet.address_of("dev")[1] > 0
    fleet.add("analytics")  # a VPC created during the rehearsal gets the next address, live
    assert fleet.address_of("analytics")[0] == "127.0.9.3"
    assert fleet.resolver("analytics").running


def test_udp_and_tcp_a_query_private(fleet: ResolverFleet) -> None:
    r = resolver_for(fleet, "dev")
    assert sorted(a.to_text() for a in r.resolve(NAME, "A")) == sorted(PRIVATE)
    assert sorted(a.to_text() for a in r.resolve(NAME, "A", tcp=True)) == sorted(PRIVATE)


def test_query_name_is_case_insensitive_and_echoed(fleet: ResolverFleet, model: FakeModel) -> None:
    msg = ask(fleet, "dev", "LaMbDa.us-east-1.AmazonAWS.com")
    assert a_values(msg) == sorted(PRIVATE)
    assert msg.question[0].name.to_text() == "LaMbDa.us-east-1.AmazonAWS.com."
    assert model.calls[-1] == ("dev", NAME, "A")


def test_flags_private_authoritative_public_not(fleet: ResolverFleet) -> None:
    private = ask(fleet, "dev")
    assert private.flags & dns.flags.QR and private.flags & dns.flags.RA and private.flags & dns.flags.RD
    assert private.flags & dns.flags.AA
    public = ask(fleet, "prod")
    assert a_values(public) == ["52.94.1.1"]
    assert public.flags & dns.flags.RA and not public.flags & dns.flags.AA


def test_aaaa_is_nodata_without_v6_and_answered_with_v6(fleet: ResolverFleet, model: FakeModel) -> None:
    msg = ask(fleet, "dev", rdtype="AAAA")
    assert msg.rcode() == dns.rcode.NOERROR and not msg.answer
    assert msg.authority and msg.authority[0].rdtype == dns.rdatatype.SOA
    model.set("dev", NAME, Ans("private", (*PRIVATE, "fd00::5")))
    msg = ask(fleet, "dev", rdtype="AAAA")
    assert [rd.to_text() for rrset in msg.answer for rd in rrset] == ["fd00::5"]
    assert a_values(ask(fleet, "dev")) == sorted(PRIVATE)  # the v6 address never leaks into A


def test_other_types_follow_the_a_answer(fleet: ResolverFleet, model: FakeModel) -> None:
    assert ask(fleet, "dev", rdtype="TXT").rcode() == dns.rcode.NOERROR
    assert not ask(fleet, "dev", rdtype="MX").answer
    model.set("dev", NAME, Ans("nxdomain"))
    assert ask(fleet, "dev", rdtype="TXT").rcode() == dns.rcode.NXDOMAIN
    assert ask(fleet, "dev", rdtype="AAAA").rcode() == dns.rcode.NXDOMAIN


def test_res4_nxdomain_has_soa(fleet: ResolverFleet, model: FakeModel) -> None:
    # RES-4: a matching PHZ without the record answers NXDOMAIN (no public fallback), SOA in authority
    model.set("dev", NAME, Ans("nxdomain", negative_ttl=60))
    for tcp in (False, True):
        msg = ask(fleet, "dev", tcp=tcp)
        assert msg.rcode() == dns.rcode.NXDOMAIN
        assert not msg.answer
        assert msg.flags & dns.flags.AA
        (soa_set,) = msg.authority
        assert soa_set.rdtype == dns.rdatatype.SOA
        soa = soa_set[0]
        assert soa.minimum == 60 and soa_set.ttl == 60
        assert soa.rname.to_text() == "awsdns-hostmaster.amazon.com."
    with pytest.raises(dns.resolver.NXDOMAIN):
        resolver_for(fleet, "dev").resolve(NAME, "A")


def test_res4_nodata_has_soa(fleet: ResolverFleet, model: FakeModel) -> None:
    model.set("dev", NAME, Ans("nodata"))
    msg = ask(fleet, "dev")
    assert msg.rcode() == dns.rcode.NOERROR and not msg.answer
    assert msg.authority[0].rdtype == dns.rdatatype.SOA


def test_soa_owner_is_the_zone_when_the_answer_names_it(fleet: ResolverFleet, model: FakeModel) -> None:
    @dataclass(frozen=True)
    class ZoneAns(Ans):
        zone_name: str = "us-east-1.amazonaws.com"

    model.set("dev", "x." + NAME, ZoneAns("nxdomain"))
    msg = ask(fleet, "dev", "x." + NAME)
    assert msg.authority[0].name.to_text() == "us-east-1.amazonaws.com."


def test_res10_default_is_no_negative_cache(fleet: ResolverFleet, model: FakeModel) -> None:
    model.set("dev", NAME, Ans("nxdomain"))
    assert ask(fleet, "dev").rcode() == dns.rcode.NXDOMAIN
    model.set("dev", NAME, Ans("private", PRIVATE))
    assert a_values(ask(fleet, "dev")) == sorted(PRIVATE)


def test_res10_negative_cache_ttl_keeps_nxdomain(
    fleet: ResolverFleet, model: FakeModel, clock: SimClock, settings: TwinSettings
) -> None:
    # RES-10: with a negative-cache TTL, an NXDOMAIN outlives the state that produced it
    settings.negative_cache_ttl = 30
    model.set("dev", NAME, Ans("nxdomain"))
    assert ask(fleet, "dev").rcode() == dns.rcode.NXDOMAIN
    model.set("dev", NAME, Ans("private", PRIVATE))
    clock.advance(29)
    msg = ask(fleet, "dev")
    assert msg.rcode() == dns.rcode.NXDOMAIN
    assert msg.authority[0].rdtype == dns.rdatatype.SOA
    assert ask(fleet, "dev", rdtype="AAAA").rcode() == dns.rcode.NXDOMAIN  # the name, not the type
    assert a_values(ask(fleet, "prod")) == ["52.94.1.1"]  # the cache is per VPC resolver
    clock.advance(1.5)
    assert a_values(ask(fleet, "dev")) == sorted(PRIVATE)


def test_res10_negative_cache_ttl_from_constructor(
    model: FakeModel, clock: SimClock, settings: TwinSettings
) -> None:
    model.set("dev", NAME, Ans("nxdomain", via="zone:lambda-zone"))
    with VpcResolver("dev", model, "127.0.9.40", 0, negative_cache_ttl=10) as r:
        assert r.resolve(NAME).kind == "nxdomain"
        model.set("dev", NAME, Ans("private", PRIVATE))
        served = r.resolve(NAME)
        assert served.kind == "nxdomain" and served.via == "negative-cache:zone:lambda-zone"
        clock.advance(10)
        assert r.resolve(NAME).kind == "private"


def test_res11_no_dns_support_means_no_answer(fleet: ResolverFleet, model: FakeModel) -> None:
    # RES-11: enableDnsSupport false -> the VPC resolver does not answer at all
    model.set("dev", NAME, Ans("noanswer", via="no-dns-support"))
    r = resolver_for(fleet, "dev", timeout=0.3)
    t0 = time.monotonic()
    with pytest.raises(dns.resolver.LifetimeTimeout):
        r.resolve(NAME, "A")
    assert time.monotonic() - t0 >= 0.25
    ip, port = fleet.address_of("dev")
    with pytest.raises(dns.exception.Timeout):
        dns.query.tcp(dns.message.make_query(NAME, "A"), ip, port=port, timeout=0.3)
    assert fleet.resolver("dev").stats["dropped"] >= 2
    assert a_values(ask(fleet, "prod")) == ["52.94.1.1"]


def test_resolver_outage_servfail_window(
    fleet: ResolverFleet, model: FakeModel, clock: SimClock, settings: TwinSettings
) -> None:
    settings.faults = [{"kind": "resolver-outage", "vpc": "dev", "from": 100, "to": 160}]
    assert a_values(ask(fleet, "dev")) == sorted(PRIVATE)
    clock.advance(99.5)
    assert a_values(ask(fleet, "dev")) == sorted(PRIVATE)
    clock.advance(0.5)
    for tcp in (False, True):
        msg = ask(fleet, "dev", tcp=tcp)
        assert msg.rcode() == dns.rcode.SERVFAIL and not msg.answer
    assert ask(fleet, "prod").rcode() == dns.rcode.NOERROR  # other VPCs are unaffected
    with pytest.raises(dns.resolver.NoNameservers):
        resolver_for(fleet, "dev").resolve(NAME, "A")
    clock.advance(59.5)
    assert ask(fleet, "dev").rcode() == dns.rcode.SERVFAIL
    clock.advance(0.5)
    assert a_values(ask(fleet, "dev")) == sorted(PRIVATE)
    assert fleet.resolver("dev").stats["servfail"] >= 3


def test_resolver_outage_counts_from_the_start_offset(
    model: FakeModel, clock: SimClock, settings: TwinSettings
) -> None:
    settings.faults = [{"kind": "resolver-outage", "vpc": "dev", "vpc_id": "vpc-0123", "from": 10, "to": 20}]
    r = VpcResolver("vpc-0123", model, "127.0.9.41", 0, start=clock.now() + 100)
    assert not r.in_outage(clock.now() + 15)
    assert r.in_outage(clock.now() + 115)
    assert not r.in_outage(clock.now() + 120)


def test_answer_fn_failure_is_servfail(fleet: ResolverFleet, model: FakeModel) -> None:
    def broken(vpc: str, qname: str, qtype: str) -> Ans:
        raise RuntimeError("model bug")

    fleet.resolver("dev").answer_fn = broken
    assert ask(fleet, "dev").rcode() == dns.rcode.SERVFAIL
    fleet.resolver("dev").answer_fn = model
    assert a_values(ask(fleet, "dev")) == sorted(PRIVATE)


def test_garbage_and_responses_do_not_kill_the_server(fleet: ResolverFleet) -> None:
    ip, port = fleet.address_of("dev")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(1.0)
        s.sendto(b"\x00", (ip, port))  # shorter than a header: dropped
        s.sendto(b"\x80\x00" * 6, (ip, port))  # a response, not a query: dropped
        s.sendto(b"\x12\x34\x01\x00" + b"\x00" * 8, (ip, port))  # no question
        reply, _ = s.recvfrom(512)
        assert reply[:2] == b"\x12\x34" and reply[3] & 0x0F == dns.rcode.FORMERR
    assert a_values(ask(fleet, "dev")) == sorted(PRIVATE)


def test_served_tells_the_via_of_one_query(fleet: ResolverFleet) -> None:
    ip, port = fleet.address_of("dev")
    q = dns.message.make_query(NAME, "A")
    dns.query.udp(q, ip, port=port, timeout=2.0)
    served = fleet.served("dev", q.id, NAME)
    assert served is not None and served.via == "zone:lambda-zone" and served.kind == "private"


def test_answers_in_about_a_millisecond(fleet: ResolverFleet) -> None:
    ip, port = fleet.address_of("dev")
    q = dns.message.make_query(NAME, "A")
    times = []
    for _ in range(50):
        t0 = time.perf_counter()
        dns.query.udp(q, ip, port=port, timeout=2.0)
        times.append(time.perf_counter() - t0)
    assert statistics.median(times) < 0.005  # ~1 ms on an idle machine; generous for CI


def test_stop_joins_threads_and_frees_the_addresses(
    model: FakeModel, clock: SimClock, settings: TwinSettings
) -> None:
    fleet = ResolverFleet(["a", "b"], model, first_address="127.0.9.20", port=0).start()
    addrs = [fleet.address_of(v) for v in ("a", "b")]
    threads = [fleet.resolver(v)._thread for v in ("a", "b")]
    fleet.stop()
    assert all(t is not None and not t.is_alive() for t in threads)
    for ip, port in addrs:  # both sockets are closed: the same address and port bind again
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u, socket.socket() as t:
            u.bind((ip, port))
            t.bind((ip, port))
    fleet.stop()  # idempotent


def test_only_loopback_addresses(model: FakeModel) -> None:
    with pytest.raises(ValueError):
        VpcResolver("dev", model, "10.0.0.2", 0)


def test_default_port_53(model: FakeModel, clock: SimClock, settings: TwinSettings) -> None:
    try:
        r = VpcResolver("dev", model, "127.0.9.53").start()
    except OSError as exc:  # not root, or something else holds the address
        pytest.skip(f"cannot bind 127.0.9.53:53: {exc}")
    try:
        assert r.address == ("127.0.9.53", 53)
        msg = dns.query.udp(dns.message.make_query(NAME, "A"), "127.0.9.53", timeout=2.0)
        assert a_values(msg) == sorted(PRIVATE)
        dig = shutil.which("dig")
        if dig:
            out = subprocess.run(
                [dig, "@127.0.9.53", NAME, "+short"], capture_output=True, text=True, timeout=10
            )
            assert sorted(out.stdout.split()) == sorted(PRIVATE)
    finally:
        r.stop()

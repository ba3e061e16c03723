"""The DNS rules of aws-dns-semantics.md, checked on the *whole* twin: a :class:`twin.core.Twin` built
from a small scenario written here (moto + the project's extensions, estate built through boto3),
queried with real DNS packets (dnspython) at the per-VPC resolvers, changed through boto3.

Time: every twin here runs at ``time_scale: 0.01`` (100 simulated seconds per real second while idle)
and tests move it with :meth:`SimClock.advance`. Durations are long (tens of simulated minutes), so
the few real milliseconds between two checks can never cross a settle boundary by accident: each
check is made far (≥ 100 simulated s) from any boundary.

Resolvers bind 127.0.3.x on a free port (``resolver_port=0``), so these tests clash neither with a
twin serving on :53 nor with other tests' loopback ranges.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import botocore.retries.standard as standard
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import dns.resolver
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from profile_migrator.aws.session import shared_session
from profile_migrator.estate import parse_scenario
from retry_probe import RetryProbe, throttled_once

from twin.clock import get_clock
from twin.core import Twin
from twin.dnsview import PUBLIC_IP_BASE

pytestmark = pytest.mark.twin

REGION = "us-east-1"
ACCOUNT = "111111111111"
FIRST_ADDRESS = "127.0.3.1"
LAMBDA = "lambda.us-east-1.amazonaws.com"
SQS = "sqs.us-east-1.amazonaws.com"
LONG = 3600.0  # simulated seconds: 36 real seconds at time_scale 0.01


# --------------------------------------------------------------------------------------------------
# Helpers


@dataclass(frozen=True)
class Reply:
    """What a VPC resolver answered: NOERROR | NXDOMAIN | NODATA | SERVFAIL | TIMEOUT, and the A IPs."""

    rcode: str
    ips: frozenset[str] = frozenset()

    @property
    def public(self) -> bool:
        return (
            self.rcode == "NOERROR"
            and bool(self.ips)
            and all(ip.startswith(PUBLIC_IP_BASE) for ip in self.ips)
        )


def ask(tw: Twin, vpc: str, name: str, lifetime: float = 2.0) -> Reply:
    """Resolve ``name`` (A) with dnspython at ``vpc``'s resolver, as an instance in that VPC would."""
    ip, port = tw.fleet.address_of(vpc)
    res = dns.resolver.Resolver(configure=False)
    res.port = port  # before nameservers: dnspython binds the port when nameservers are set
    res.nameservers = [ip]
    res.timeout = res.lifetime = lifetime
    try:
        ans = res.resolve(name, "A", search=False)
    except dns.resolver.NXDOMAIN:
        return Reply("NXDOMAIN")
    except dns.resolver.NoAnswer:
        return Reply("NODATA")
    except dns.resolver.NoNameservers:
        return Reply("SERVFAIL")
    except dns.resolver.LifetimeTimeout:
        return Reply("TIMEOUT")
    return Reply("NOERROR", frozenset(r.address for r in ans))


def rcode_of(tw: Twin, vpc: str, name: str) -> str:
    """The raw response code of one UDP query (dnspython's Resolver hides SERVFAIL behind an error)."""
    ip, port = tw.fleet.address_of(vpc)
    resp = dns.query.udp(dns.message.make_query(name, "A"), ip, port=port, timeout=2.0)
    return dns.rcode.to_text(resp.rcode())


def scenario(doc: dict[str, Any]) -> Any:
    return parse_scenario(copy.deepcopy(doc), "test_twin_rules")


@contextmanager
def running(doc: dict[str, Any]) -> Iterator[Twin]:
    with Twin(scenario(doc), first_address=FIRST_ADDRESS, resolver_port=0) as tw:
        yield tw


def advance(tw: Twin, seconds: float) -> None:
    get_clock().advance(seconds)
    assert tw.dns is not None
    tw.dns.invalidate()


def client(tw: Twin, service: str, account: str = "a", config: Config | None = None) -> Any:
    """A plain boto3 client acting as the scenario's ``account`` (not the project's adapters)."""
    key, secret, token = tw.accounts()[account].access_key()
    # The process's one boto3 session: service models are parsed once (ec2's alone takes ~0.5 s).
    return shared_session().client(
        service,
        region_name=REGION,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=config,
    )


def eni_ips(tw: Twin, endpoint: str) -> frozenset[str]:
    """RES-8's reference: the endpoint's ENI private IPs as DescribeNetworkInterfaces reports them."""
    assert tw.built is not None
    ec2 = client(tw, "ec2", tw.built.endpoint_accounts[endpoint])
    ep = ec2.describe_vpc_endpoints(VpcEndpointIds=[tw.built.endpoints[endpoint]])["VpcEndpoints"][0]
    enis = ec2.describe_network_interfaces(NetworkInterfaceIds=ep["NetworkInterfaceIds"])["NetworkInterfaces"]
    ips = frozenset(a["PrivateIpAddress"] for e in enis for a in e["PrivateIpAddresses"])
    assert ips, f"endpoint {endpoint} has no ENI IPs"
    return ips


def endpoint_state(tw: Twin, endpoint: str) -> str:
    assert tw.built is not None
    ec2 = client(tw, "ec2", tw.built.endpoint_accounts[endpoint])
    ep = ec2.describe_vpc_endpoints(VpcEndpointIds=[tw.built.endpoints[endpoint]])["VpcEndpoints"][0]
    return str(ep["State"]).lower()


def base(**extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"region": REGION, "accounts": {"a": ACCOUNT}, "twin": {"time_scale": 0.01}}
    doc.update(extra)
    return doc


def alias(name: str, endpoint: str) -> dict[str, Any]:
    return {"name": name, "type": "A", "alias_to": endpoint}


def a_record(name: str, *ips: str) -> dict[str, Any]:
    return {"name": name, "type": "A", "values": list(ips)}


def vpc(cidr: str, **attrs: Any) -> dict[str, Any]:
    return {"account": "a", "cidr": cidr, **attrs}


# --------------------------------------------------------------------------------------------------
# One static estate for the rules that only read (RES-1..RES-5, RES-8, RES-11)

STATIC = base(
    vpcs={
        "shared": vpc("10.0.0.0/16"),  # holds the endpoints; in no Profile
        "dev": vpc("10.1.0.0/16"),  # lambda-zone directly + Profile central
        "prod": vpc("10.2.0.0/16"),  # Profile central only
        "lone": vpc("10.3.0.0/16"),  # nothing private at all
        "nohost": vpc("10.4.0.0/16", dns_hostnames=False),  # lambda-zone directly + Profile
        "nodns": vpc("10.5.0.0/16", dns_support=False),  # lambda-zone directly + Profile
    },
    endpoints={
        "lambda": {"vpc": "shared", "service": "lambda", "private_dns": False},
        "sqs": {"vpc": "shared", "service": "sqs", "private_dns": False},
    },
    hosted_zones={
        "lambda-zone": {
            "account": "a",
            "name": LAMBDA,
            "vpcs": ["shared", "dev", "nohost", "nodns"],
            "records": [alias(LAMBDA, "lambda")],
        },
        "sqs-zone": {"account": "a", "name": SQS, "vpcs": ["shared"], "records": [alias(SQS, "sqs")]},
        # RES-2 / RES-4: a parent and a more specific child zone, both seen directly by dev.
        "parent": {
            "account": "a",
            "name": "example.com",
            "vpcs": ["dev"],
            "records": [
                a_record("api.svc.example.com", "10.20.0.1"),
                a_record("gone.svc.example.com", "10.20.0.3"),
                a_record("www.example.com", "10.20.0.2"),
            ],
        },
        "child": {
            "account": "a",
            "name": "svc.example.com",
            "vpcs": ["dev"],
            "records": [a_record("api.svc.example.com", "10.30.0.1")],
        },
        # RES-3, first documented example: the same name directly (dev) and through the Profile.
        "corp-local": {
            "account": "a",
            "name": "corp.example.org",
            "vpcs": ["dev"],
            "records": [a_record("db.corp.example.org", "10.40.0.1")],
        },
        "corp-profile": {
            "account": "a",
            "name": "corp.example.org",
            "vpcs": ["shared"],
            "records": [a_record("db.corp.example.org", "10.50.0.1")],
        },
        # RES-3, second documented example: a local parent, the Profile's more specific child.
        "net-local": {
            "account": "a",
            "name": "example.net",
            "vpcs": ["dev"],
            "records": [a_record("test.example.net", "10.60.0.1"), a_record("www.example.net", "10.60.0.2")],
        },
        "net-profile": {
            "account": "a",
            "name": "test.example.net",
            "vpcs": ["shared"],
            "records": [a_record("test.example.net", "10.70.0.1")],
        },
    },
    profiles={
        "central": {
            "account": "a",
            "vpcs": ["dev", "prod", "nohost", "nodns"],
            "hosted_zones": ["sqs-zone", "corp-profile", "net-profile"],
        },
    },
)


@pytest.fixture(scope="class")
def static_twin() -> Iterator[Twin]:
    """Class-scoped: torn down when TestStaticEstate ends, before the next test's twin starts (one twin
    per process at a time: the clock, settings and moto's backends are process-wide)."""
    with running(STATIC) as tw:
        tw.arm_faults()
        yield tw


class TestStaticEstate:
    """Rules that only read share one twin."""

    @pytest.fixture
    def tw(self, static_twin: Twin) -> Twin:
        return static_twin

    def test_res1_vpc_sees_direct_zones_plus_its_profiles(self, tw: Twin) -> None:
        lam, sqs = eni_ips(tw, "lambda"), eni_ips(tw, "sqs")
        assert lam.isdisjoint(sqs)
        # dev: lambda-zone directly, sqs-zone through its Profile.
        assert ask(tw, "dev", LAMBDA) == Reply("NOERROR", lam)
        assert ask(tw, "dev", SQS) == Reply("NOERROR", sqs)
        # prod: only the Profile's zones — lambda-zone is not associated with it.
        assert ask(tw, "prod", SQS) == Reply("NOERROR", sqs)
        assert ask(tw, "prod", LAMBDA).public
        # shared: its direct zones (it is in no Profile, so the Profile's corp zone is not seen).
        assert ask(tw, "shared", LAMBDA) == Reply("NOERROR", lam)
        assert ask(tw, "shared", "db.corp.example.org") == Reply("NOERROR", frozenset({"10.50.0.1"}))
        assert ask(tw, "prod", "www.example.net").public  # net-local is dev's, not the Profile's
        # lone: neither.
        assert ask(tw, "lone", LAMBDA).public
        assert ask(tw, "lone", SQS).public

    def test_res2_most_specific_zone_wins(self, tw: Twin) -> None:
        # dev sees example.com and svc.example.com, both holding api.svc.example.com.
        assert ask(tw, "dev", "api.svc.example.com") == Reply("NOERROR", frozenset({"10.30.0.1"}))
        assert ask(tw, "dev", "www.example.com") == Reply("NOERROR", frozenset({"10.20.0.2"}))

    def test_res3_local_beats_profile_for_the_same_name(self, tw: Twin) -> None:
        # corp.example.org is dev's directly and the Profile's: local wins; prod only has the Profile's.
        assert ask(tw, "dev", "db.corp.example.org") == Reply("NOERROR", frozenset({"10.40.0.1"}))
        assert ask(tw, "prod", "db.corp.example.org") == Reply("NOERROR", frozenset({"10.50.0.1"}))

    def test_res3_profile_more_specific_name_beats_local_parent(self, tw: Twin) -> None:
        # Query test.example.net; Profile test.example.net; VPC example.net -> the Profile's.
        assert ask(tw, "dev", "test.example.net") == Reply("NOERROR", frozenset({"10.70.0.1"}))
        # Other names under the local parent still come from it.
        assert ask(tw, "dev", "www.example.net") == Reply("NOERROR", frozenset({"10.60.0.2"}))

    def test_res4_winning_zone_without_the_record_is_nxdomain_no_fallback(self, tw: Twin) -> None:
        # gone.svc.example.com exists in the parent zone and in public DNS, but svc.example.com wins.
        assert ask(tw, "dev", "gone.svc.example.com") == Reply("NXDOMAIN")
        # Same for a name the endpoint zone lacks: no public fallback.
        assert ask(tw, "dev", "nothing." + LAMBDA) == Reply("NXDOMAIN")
        # The authority section carries the winning zone's SOA (a real negative answer).
        ip, port = tw.fleet.address_of("dev")
        resp = dns.query.udp(dns.message.make_query("gone.svc.example.com", "A"), ip, port=port, timeout=2.0)
        assert resp.rcode() == dns.rcode.NXDOMAIN
        assert [rr.rdtype for rr in resp.authority] == [dns.rdatatype.SOA]

    def test_res5_no_zone_gives_the_public_answer(self, tw: Twin) -> None:
        for name in (LAMBDA, "s3.us-east-1.amazonaws.com"):
            reply = ask(tw, "lone", name)
            assert reply.public, reply
            assert reply.ips.isdisjoint(eni_ips(tw, "lambda"))
        assert ask(tw, "dev", "s3.us-east-1.amazonaws.com").public  # dev has zones, none matching

    def test_res8_alias_to_endpoint_resolves_to_its_eni_ips(self, tw: Twin) -> None:
        for vpc_name, name, endpoint in (("dev", LAMBDA, "lambda"), ("prod", SQS, "sqs")):
            reply = ask(tw, vpc_name, name)
            assert reply.rcode == "NOERROR"
            assert reply.ips == eni_ips(tw, endpoint)
            assert all(ip.startswith("10.0.") for ip in reply.ips), reply  # the shared VPC's subnets

    def test_res11_dns_hostnames_false_resolves_publicly(self, tw: Twin) -> None:
        ec2 = client(tw, "ec2")
        assert tw.built is not None
        attr = ec2.describe_vpc_attribute(VpcId=tw.built.vpcs["nohost"], Attribute="enableDnsHostnames")
        assert attr["EnableDnsHostnames"]["Value"] is False
        # nohost is associated with lambda-zone and in the Profile (sqs-zone): both ignored.
        assert ask(tw, "nohost", LAMBDA).public
        assert ask(tw, "nohost", SQS).public

    def test_res11_dns_support_false_gets_no_answer(self, tw: Twin) -> None:
        ec2 = client(tw, "ec2")
        assert tw.built is not None
        attr = ec2.describe_vpc_attribute(VpcId=tw.built.vpcs["nodns"], Attribute="enableDnsSupport")
        assert attr["EnableDnsSupport"]["Value"] is False
        assert ask(tw, "nodns", LAMBDA, lifetime=0.5) == Reply("TIMEOUT")
        assert ask(tw, "nodns", "s3.us-east-1.amazonaws.com", lifetime=0.5) == Reply("TIMEOUT")
        assert ask(tw, "dev", LAMBDA).rcode == "NOERROR"  # the others still answer


# --------------------------------------------------------------------------------------------------
# Rules about changes: each test gets its own twin


ONE_ENDPOINT = base(
    vpcs={"shared": vpc("10.0.0.0/16"), "dev": vpc("10.1.0.0/16"), "prod": vpc("10.2.0.0/16")},
    endpoints={"lambda": {"vpc": "shared", "service": "lambda", "private_dns": False}},
)


def test_res6_enabling_private_dns_resolves_in_the_endpoints_vpc_only() -> None:
    doc = copy.deepcopy(ONE_ENDPOINT)
    doc["twin"]["durations"] = {"endpoint_pending": LONG}
    with running(doc) as tw:
        assert tw.built is not None
        for v in ("shared", "dev", "prod"):
            assert ask(tw, v, LAMBDA).public
        ec2 = client(tw, "ec2")
        ec2.modify_vpc_endpoint(VpcEndpointId=tw.built.endpoints["lambda"], PrivateDnsEnabled=True)
        advance(tw, 100)
        assert endpoint_state(tw, "lambda") == "pending"  # AS-2
        assert ask(tw, "shared", LAMBDA).public  # AS-5: nothing changes before Available
        advance(tw, LONG)
        assert endpoint_state(tw, "lambda") == "available"
        assert ask(tw, "shared", LAMBDA) == Reply("NOERROR", eni_ips(tw, "lambda"))
        assert ask(tw, "dev", LAMBDA).public
        assert ask(tw, "prod", LAMBDA).public
        # The managed zone is the service's: not among the account's hosted zones.
        assert client(tw, "route53").list_hosted_zones()["HostedZones"] == []


def test_res7_endpoint_in_the_profile_resolves_privately_in_every_profile_vpc() -> None:
    doc = copy.deepcopy(ONE_ENDPOINT)
    doc["vpcs"]["lone"] = vpc("10.3.0.0/16")
    doc["endpoints"]["lambda"]["private_dns"] = True  # CP-8
    doc["profiles"] = {"central": {"account": "a", "vpcs": ["dev", "prod"]}}
    doc["twin"]["durations"] = {"resource_association": LONG / 2, "endpoint_pending": LONG}
    with running(doc) as tw:
        assert tw.built is not None
        ips = eni_ips(tw, "lambda")
        assert ask(tw, "shared", LAMBDA) == Reply("NOERROR", ips)  # RES-6 in its own VPC
        assert ask(tw, "dev", LAMBDA).public
        arn = f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpc-endpoint/{tw.built.endpoints['lambda']}"
        profiles = client(tw, "route53profiles")
        assoc = profiles.associate_resource_to_profile(
            ProfileId=tw.built.profiles["central"], ResourceArn=arn, Name="lambda"
        )["ProfileResourceAssociation"]

        def status() -> str:
            return str(
                profiles.get_profile_resource_association(ProfileResourceAssociationId=assoc["Id"])[
                    "ProfileResourceAssociation"
                ]["Status"]
            )

        advance(tw, 100)
        assert status() != "COMPLETE" and endpoint_state(tw, "lambda") == "pending"
        assert ask(tw, "dev", LAMBDA).public and ask(tw, "prod", LAMBDA).public
        advance(tw, LONG / 2)  # association COMPLETE, endpoint still Pending (AS-2/AS-5)
        assert status() == "COMPLETE" and endpoint_state(tw, "lambda") == "pending"
        assert ask(tw, "dev", LAMBDA).public
        advance(tw, LONG / 2)  # both settled
        assert endpoint_state(tw, "lambda") == "available"
        for v in ("dev", "prod", "shared"):
            assert ask(tw, v, LAMBDA) == Reply("NOERROR", ips), v
        assert ask(tw, "lone", LAMBDA).public  # not in the Profile


ZONE_ESTATE = base(
    vpcs={"shared": vpc("10.0.0.0/16"), "dev": vpc("10.1.0.0/16"), "prod": vpc("10.2.0.0/16")},
    endpoints={"lambda": {"vpc": "shared", "service": "lambda", "private_dns": False}},
    hosted_zones={
        "lambda-zone": {
            "account": "a",
            "name": LAMBDA,
            "vpcs": ["shared", "dev", "prod"],
            "records": [alias(LAMBDA, "lambda")],
        }
    },
)


def test_res10_negative_cache_ttl_keeps_nxdomain_after_the_fix() -> None:
    doc = copy.deepcopy(ZONE_ESTATE)
    doc["hosted_zones"]["lambda-zone"]["records"] = []  # the zone lacks the record: NXDOMAIN (RES-4)
    doc["twin"].update(negative_cache_ttl=LONG, durations={"phz_change": 30})
    with running(doc) as tw:
        assert tw.built is not None and tw.dns is not None
        assert ask(tw, "dev", LAMBDA) == Reply("NXDOMAIN")  # cached from now for LONG
        ep = client(tw, "ec2").describe_vpc_endpoints(VpcEndpointIds=[tw.built.endpoints["lambda"]])
        entry = ep["VpcEndpoints"][0]["DnsEntries"][0]
        r53 = client(tw, "route53")
        r53.change_resource_record_sets(
            HostedZoneId=tw.built.zones["lambda-zone"],
            ChangeBatch={
                "Changes": [
                    {
                        "Action": "CREATE",
                        "ResourceRecordSet": {
                            "Name": LAMBDA,
                            "Type": "A",
                            "AliasTarget": {
                                "HostedZoneId": entry["HostedZoneId"],
                                "DNSName": entry["DnsName"],
                                "EvaluateTargetHealth": False,
                            },
                        },
                    }
                ]
            },
        )
        advance(tw, 130)  # the change is INSYNC (phz_change 30), the cached NXDOMAIN is not expired
        ips = eni_ips(tw, "lambda")
        assert set(tw.dns.resolve("dev", LAMBDA)[1]) == ips  # the settled model already answers
        assert ask(tw, "dev", LAMBDA) == Reply("NXDOMAIN")  # RES-10: the resolver still serves it
        assert ask(tw, "prod", LAMBDA) == Reply("NOERROR", ips)  # prod never cached a negative answer
        advance(tw, LONG)
        assert ask(tw, "dev", LAMBDA) == Reply("NOERROR", ips)


def test_as5_disassociation_is_not_visible_in_dns_until_settled() -> None:
    doc = copy.deepcopy(ZONE_ESTATE)
    doc["twin"]["durations"] = {"phz_change": LONG}
    with running(doc) as tw:
        assert tw.built is not None
        ips = eni_ips(tw, "lambda")
        assert ask(tw, "dev", LAMBDA) == Reply("NOERROR", ips)
        r53 = client(tw, "route53")
        change = r53.disassociate_vpc_from_hosted_zone(
            HostedZoneId=tw.built.zones["lambda-zone"],
            VPC={"VPCRegion": REGION, "VPCId": tw.built.vpcs["dev"]},
        )["ChangeInfo"]
        # Route 53's control plane already says dev is gone, but the change is PENDING (AS-3).
        zone = r53.get_hosted_zone(Id=tw.built.zones["lambda-zone"])
        assert tw.built.vpcs["dev"] not in {v["VPCId"] for v in zone["VPCs"]}
        for step in (0, LONG / 2, LONG / 2 - 100):  # checks at 0, 1800 and 3500 simulated s
            advance(tw, step)
            assert r53.get_change(Id=change["Id"])["ChangeInfo"]["Status"] == "PENDING"
            assert ask(tw, "dev", LAMBDA) == Reply("NOERROR", ips)  # AS-5: DNS unchanged
        advance(tw, 200)  # 3700 > phz_change
        assert r53.get_change(Id=change["Id"])["ChangeInfo"]["Status"] == "INSYNC"
        assert ask(tw, "dev", LAMBDA).public
        assert ask(tw, "prod", LAMBDA) == Reply("NOERROR", ips)


def test_resolver_outage_fault_is_servfail_inside_the_window() -> None:
    doc = copy.deepcopy(ZONE_ESTATE)
    doc["twin"]["faults"] = [{"kind": "resolver-outage", "vpc": "dev", "from": LONG, "to": 2 * LONG}]
    with running(doc) as tw:
        tw.arm_faults()  # the window counts from here
        ips = eni_ips(tw, "lambda")
        assert rcode_of(tw, "dev", LAMBDA) == "NOERROR"
        advance(tw, LONG + 100)
        assert rcode_of(tw, "dev", LAMBDA) == "SERVFAIL"
        assert rcode_of(tw, "dev", "s3.us-east-1.amazonaws.com") == "SERVFAIL"  # every name
        assert ask(tw, "dev", LAMBDA) == Reply("SERVFAIL")
        assert ask(tw, "prod", LAMBDA) == Reply("NOERROR", ips)  # other VPCs unaffected
        advance(tw, LONG)
        assert ask(tw, "dev", LAMBDA) == Reply("NOERROR", ips)


# --------------------------------------------------------------------------------------------------
# RL-1 / RL-2: a scenario's throttle fault, answered by the twin in the service's real error format


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore sleeps real seconds between attempts; the bucket is refilled by the hook instead."""
    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0.0)


RATE = 0.001  # one request per 1000 simulated s (10 real s at time_scale 0.01): the burst is 1
THROTTLED = ("route53", "route53profiles", "ec2")


@pytest.fixture(scope="class")
def throttled_twin() -> Iterator[Twin]:
    """A scenario throttling all three services (one bucket per service and account)."""
    doc = base(vpcs={"dev": vpc("10.1.0.0/16")}, profiles={"central": {"account": "a", "vpcs": ["dev"]}})
    doc["twin"]["faults"] = [{"kind": "throttle", "service": s, "rate": RATE} for s in THROTTLED]
    with running(doc) as tw:
        tw.arm_faults()
        yield tw


class TestThrottleFault:
    @pytest.mark.parametrize(
        ("rule", "service", "call", "code", "status"),
        [
            ("RL-1", "route53", "list_hosted_zones", "Throttling", 400),
            ("RL-2", "route53profiles", "list_profiles", "ThrottlingException", 400),
            ("RL-2", "ec2", "describe_vpcs", "RequestLimitExceeded", 503),
        ],
    )
    def test_rl1_rl2_throttle_fault_gets_the_services_real_error_and_botocore_retries_it(
        self,
        throttled_twin: Twin,
        rule: str,
        service: str,
        call: str,
        code: str,
        status: int,
        no_backoff: None,
    ) -> None:
        tw = throttled_twin
        # Without retries: the first call takes the only token, the next one is refused.
        bare = client(tw, service, config=Config(retries={"mode": "standard", "total_max_attempts": 1}))
        getattr(bare, call)()
        with pytest.raises(ClientError) as exc:
            getattr(bare, call)()
        err = exc.value.response
        assert err["Error"]["Code"] == code, rule
        assert err["ResponseMetadata"]["HTTPStatusCode"] == status
        if service != "ec2":
            assert err["Error"]["Message"] == "Rate exceeded"
        # botocore's standard retry mode classifies it as throttling and retries it (after the hook
        # refilled the bucket with one token's worth of simulated time).
        retrying = client(tw, service, config=Config(retries={"mode": "standard", "total_max_attempts": 3}))
        probe = RetryProbe(retrying, refill=1 / RATE)
        resp = getattr(retrying, call)()
        assert resp["ResponseMetadata"]["RetryAttempts"] == 1
        assert probe.verdicts == throttled_once(code, status), rule

    def test_rl1_rl2_throttle_leaves_unthrottled_services_alone(self, throttled_twin: Twin) -> None:
        sts = client(
            throttled_twin, "sts", config=Config(retries={"mode": "standard", "total_max_attempts": 1})
        )
        for _ in range(5):
            assert sts.get_caller_identity()["Account"] == ACCOUNT

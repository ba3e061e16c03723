"""Rules of aws-dns-semantics.md reproduced by the twin's EC2 endpoint and Route 53 zone patches."""

from __future__ import annotations

import ipaddress
import re
import sys
import types
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.ec2.models import ec2_backends
from moto_server import moto_server

from twin.clock import SimClock, get_clock, install_clock
from twin.config import TwinSettings, get_settings, install_settings
from twin.moto_ext import ec2_endpoints
from twin.moto_ext.ec2_route53 import (
    managed_zones,
    mark_endpoint_pending,
    patch_ec2_route53,
    settle_all,
    settled_endpoints,
    settled_zones,
)

pytestmark = pytest.mark.twin

REGION = "us-east-1"
ACCOUNT_A = "111111111111"
ACCOUNT_B = "222222222222"
ACCOUNT_C = "333333333333"
LAMBDA = "com.amazonaws.us-east-1.lambda"
LAMBDA_NAME = "lambda.us-east-1.amazonaws.com"
# Real seconds per simulated second: so large that only advance() moves simulated time, which keeps the
# boundaries below exact however slow the machine is.
FROZEN = 1e6


@pytest.fixture
def twin() -> Iterator[TwinSettings]:
    old_clock, old_settings = get_clock(), get_settings()
    install_clock(SimClock(FROZEN))
    settings = install_settings(TwinSettings())
    patch_ec2_route53()
    try:
        with mock_aws():
            yield settings
    finally:
        install_clock(old_clock)
        install_settings(old_settings)


def advance(seconds: float) -> None:
    get_clock().advance(seconds)


def session(account: str) -> boto3.Session:
    """Credentials of ``account`` through STS AssumeRole (moto maps them to that account)."""
    creds = boto3.client("sts", region_name=REGION).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/twin", RoleSessionName="twin-test"
    )["Credentials"]
    return boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=REGION,
    )


def make_vpc(ec2: Any, cidr: str = "10.0.0.0/16", dns: bool = True) -> tuple[str, list[str]]:
    vpc_id = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    if dns:
        ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    net = ipaddress.ip_network(cidr)
    subnets = []
    for index, az in enumerate(("us-east-1a", "us-east-1b")):
        block = list(net.subnets(new_prefix=24))[index]
        subnets.append(
            ec2.create_subnet(VpcId=vpc_id, CidrBlock=str(block), AvailabilityZone=az)["Subnet"]["SubnetId"]
        )
    return vpc_id, subnets


def make_endpoint(ec2: Any, vpc_id: str, subnets: list[str], private_dns: bool, service: str = LAMBDA) -> str:
    return ec2.create_vpc_endpoint(
        VpcId=vpc_id,
        ServiceName=service,
        VpcEndpointType="Interface",
        SubnetIds=subnets,
        PrivateDnsEnabled=private_dns,
    )["VpcEndpoint"]["VpcEndpointId"]


def describe(ec2: Any, endpoint_id: str) -> dict[str, Any]:
    return ec2.describe_vpc_endpoints(VpcEndpointIds=[endpoint_id])["VpcEndpoints"][0]


def make_zone(r53: Any, name: str, vpc_id: str) -> str:
    return r53.create_hosted_zone(
        Name=name, CallerReference=f"{name}-{vpc_id}", VPC={"VPCRegion": REGION, "VPCId": vpc_id}
    )["HostedZone"]["Id"].split("/")[-1]


def error_code(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    return str(excinfo.value.response["Error"]["Code"])


# --------------------------------------------------------------------------------------------------
# EC2: interface endpoints
# --------------------------------------------------------------------------------------------------


@pytest.fixture
def ec2(twin: TwinSettings) -> Any:
    """An EC2 client of the twin's default account."""
    return boto3.client("ec2", region_name=REGION)


@pytest.fixture
def r53(twin: TwinSettings) -> Any:
    """A Route 53 client of the twin's default account."""
    return boto3.client("route53", region_name=REGION)


def test_res6_endpoint_enis_dns_entries_and_managed_zone(ec2: Any) -> None:
    vpc_id, subnets = make_vpc(ec2)
    other = ec2.create_network_interface(SubnetId=subnets[0])["NetworkInterface"]["PrivateIpAddress"]
    endpoint_id = make_endpoint(ec2, vpc_id, subnets, private_dns=True)
    endpoint = describe(ec2, endpoint_id)

    # One ENI per subnet, a real free address of that subnet.
    enis = ec2.describe_network_interfaces(NetworkInterfaceIds=endpoint["NetworkInterfaceIds"])[
        "NetworkInterfaces"
    ]
    assert sorted(e["SubnetId"] for e in enis) == sorted(subnets)
    cidrs = {s["SubnetId"]: s["CidrBlock"] for s in ec2.describe_subnets(SubnetIds=subnets)["Subnets"]}
    ips = [e["PrivateIpAddress"] for e in enis]
    for eni in enis:
        assert ipaddress.ip_address(eni["PrivateIpAddress"]) in ipaddress.ip_network(cidrs[eni["SubnetId"]])
        assert eni["InterfaceType"] == "vpc_endpoint"
    assert other not in ips and len(set(ips)) == 2

    # DnsEntries: regional, one per AZ, then the private DNS name.
    names = [e["DnsName"] for e in endpoint["DnsEntries"]]
    regional = rf"^{endpoint_id}-[a-z0-9]{{8}}\.lambda\.us-east-1\.vpce\.amazonaws\.com$"
    assert re.match(regional, names[0])
    assert re.match(
        rf"^{endpoint_id}-[a-z0-9]{{8}}-us-east-1a\.lambda\.us-east-1\.vpce\.amazonaws\.com$", names[1]
    )
    assert re.match(
        rf"^{endpoint_id}-[a-z0-9]{{8}}-us-east-1b\.lambda\.us-east-1\.vpce\.amazonaws\.com$", names[2]
    )
    assert names[3] == LAMBDA_NAME
    assert re.fullmatch(r"[0-9a-f]{17}", endpoint_id.removeprefix("vpce-"))

    # The AWS-managed zone is data on the endpoint, not a hosted zone of the account.
    [zone] = managed_zones(ec2_account := "123456789012", REGION)
    assert (zone.name, zone.vpc_id, zone.endpoint_id, sorted(zone.ips)) == (
        LAMBDA_NAME + ".",
        vpc_id,
        endpoint_id,
        sorted(ips),
    )
    assert zone.account == ec2_account
    assert boto3.client("route53", region_name=REGION).list_hosted_zones()["HostedZones"] == []

    # Deleting the endpoint frees its addresses and its managed zone.
    ec2.delete_vpc_endpoints(VpcEndpointIds=[endpoint_id])
    assert managed_zones() == []
    assert (
        ec2.describe_network_interfaces(Filters=[{"Name": "subnet-id", "Values": subnets}])[
            "NetworkInterfaces"
        ][0]["PrivateIpAddress"]
        == other
    )


def test_res6_private_dns_requires_vpc_dns_attributes(
    twin: TwinSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc_id, subnets = make_vpc(ec2, dns=False)
    endpoint_id = make_endpoint(ec2, vpc_id, subnets, private_dns=False)
    with pytest.raises(ClientError) as excinfo:
        ec2.modify_vpc_endpoint(VpcEndpointId=endpoint_id, PrivateDnsEnabled=True)
    assert error_code(excinfo) == "InvalidParameter"
    assert "enableDnsHostnames" in excinfo.value.response["Error"]["Message"]
    assert describe(ec2, endpoint_id)["State"] == "available"

    monkeypatch.setattr(ec2_endpoints, "CHECK_PRIVATE_DNS_ON_CREATE", True)  # opt-in on create
    with pytest.raises(ClientError) as excinfo:
        make_endpoint(ec2, vpc_id, subnets, private_dns=True)
    assert error_code(excinfo) == "InvalidParameter"


def test_res6_private_dns_name_of_ecr_api_and_override(ec2: Any) -> None:
    vpc_id, subnets = make_vpc(ec2)
    ecr = make_endpoint(ec2, vpc_id, subnets, private_dns=True, service="com.amazonaws.us-east-1.ecr.api")
    names = [e["DnsName"] for e in describe(ec2, ecr)["DnsEntries"]]
    assert ".api.ecr.us-east-1.vpce.amazonaws.com" in names[0]
    assert names[-1] == "api.ecr.us-east-1.amazonaws.com"

    sqs = make_endpoint(ec2, vpc_id, subnets[:1], private_dns=True, service="com.amazonaws.us-east-1.sqs")
    ec2_backends["123456789012"][REGION].vpc_end_points[sqs].private_dns_name = "queue.example.internal"
    assert describe(ec2, sqs)["DnsEntries"][-1]["DnsName"] == "queue.example.internal"
    assert {z.name for z in managed_zones()} == {
        "api.ecr.us-east-1.amazonaws.com.",
        "queue.example.internal.",
    }


def test_as2_private_dns_change_is_pending_then_available(twin: TwinSettings) -> None:
    twin.durations.endpoint_pending = 60
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc_id, subnets = make_vpc(ec2)
    endpoint_id = make_endpoint(ec2, vpc_id, subnets, private_dns=False)
    assert describe(ec2, endpoint_id)["State"] == "available"

    ec2.modify_vpc_endpoint(VpcEndpointId=endpoint_id, PrivateDnsEnabled=True)
    endpoint = describe(ec2, endpoint_id)
    assert (endpoint["State"], endpoint["PrivateDnsEnabled"]) == ("pending", True)
    assert LAMBDA_NAME not in [e["DnsName"] for e in endpoint["DnsEntries"]]  # old DNS effect in force
    [view] = settled_endpoints()
    assert (view.state, view.private_dns_enabled, view.settled_private_dns) == ("pending", True, False)
    assert managed_zones() == []

    advance(59)
    assert describe(ec2, endpoint_id)["State"] == "pending"
    advance(2)
    endpoint = describe(ec2, endpoint_id)
    assert endpoint["State"] == "available"
    assert endpoint["DnsEntries"][-1]["DnsName"] == LAMBDA_NAME
    assert [z.endpoint_id for z in managed_zones()] == [endpoint_id]

    # Turning it off: the managed zone stays in force until the endpoint is available again.
    ec2.modify_vpc_endpoint(VpcEndpointId=endpoint_id, PrivateDnsEnabled=False)
    assert describe(ec2, endpoint_id)["State"] == "pending"
    assert [z.endpoint_id for z in managed_zones()] == [endpoint_id]
    advance(61)
    assert managed_zones() == []
    assert (
        ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-endpoint-state", "Values": ["available"]}])[
            "VpcEndpoints"
        ][0]["VpcEndpointId"]
        == endpoint_id
    )


def test_as2_stuck_fault_keeps_endpoint_pending(twin: TwinSettings, ec2: Any) -> None:
    vpc_id, subnets = make_vpc(ec2)
    endpoint_id = make_endpoint(ec2, vpc_id, subnets, private_dns=False)
    twin.faults.append({"kind": "stuck", "endpoint": "lambda", "endpoint_id": endpoint_id})
    assert describe(ec2, endpoint_id)["State"] == "available"  # only its next change gets stuck

    ec2.modify_vpc_endpoint(VpcEndpointId=endpoint_id, PrivateDnsEnabled=True)
    advance(10_000)
    settle_all()
    assert describe(ec2, endpoint_id)["State"] == "pending"
    assert managed_zones() == []
    assert twin.fault_state[0]["fired"] is True


def test_as2_profile_association_marks_endpoint_pending(
    twin: TwinSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    hooks: list[Any] = []
    monkeypatch.setitem(
        sys.modules, "twin.moto_ext.route53profiles", types.SimpleNamespace(on_endpoint_associated=hooks)
    )
    patch_ec2_route53()
    patch_ec2_route53()
    assert hooks == [mark_endpoint_pending]  # registered once

    ec2 = boto3.client("ec2", region_name=REGION)
    vpc_id, subnets = make_vpc(ec2)
    endpoint_id = make_endpoint(ec2, vpc_id, subnets, private_dns=True)
    for hook in hooks:
        hook("123456789012", REGION, endpoint_id)
    endpoint = describe(ec2, endpoint_id)
    assert (endpoint["State"], endpoint["PrivateDnsEnabled"]) == ("pending", True)
    assert [z.endpoint_id for z in managed_zones()] == [endpoint_id]  # Private DNS stays in force
    advance(twin.durations.endpoint_pending)
    assert describe(ec2, endpoint_id)["State"] == "available"
    mark_endpoint_pending("123456789012", REGION, "vpce-00000000000000000")  # unknown: ignored


# --------------------------------------------------------------------------------------------------
# Conflicts and errors
# --------------------------------------------------------------------------------------------------


def test_cp1_private_dns_refused_while_same_name_phz_directly_associated(twin: TwinSettings) -> None:
    a, b = session(ACCOUNT_A), session(ACCOUNT_B)
    ec2_a, r53_a, r53_b = a.client("ec2"), a.client("route53"), b.client("route53")
    shared_vpc, subnets = make_vpc(ec2_a)
    parking_vpc, _ = make_vpc(ec2_a, "10.9.0.0/16")
    endpoint_id = make_endpoint(ec2_a, shared_vpc, subnets, private_dns=False)
    zone_id = make_zone(r53_a, LAMBDA_NAME, shared_vpc)
    r53_a.associate_vpc_with_hosted_zone(
        HostedZoneId=zone_id, VPC={"VPCRegion": REGION, "VPCId": parking_vpc}
    )
    advance(31)

    with pytest.raises(ClientError) as excinfo:
        ec2_a.modify_vpc_endpoint(VpcEndpointId=endpoint_id, PrivateDnsEnabled=True)
    assert error_code(excinfo) == "InvalidParameter"
    assert excinfo.value.response["Error"]["Message"] == (
        "private-dns-enabled cannot be set because there is already a conflicting DNS domain for "
        f"{LAMBDA_NAME} in the VPC {shared_vpc}"
    )
    assert describe(ec2_a, endpoint_id)["State"] == "available"

    # Disassociated but not yet INSYNC: still conflicting (conservative, AS-5).
    r53_a.disassociate_vpc_from_hosted_zone(
        HostedZoneId=zone_id, VPC={"VPCRegion": REGION, "VPCId": shared_vpc}
    )
    with pytest.raises(ClientError):
        ec2_a.modify_vpc_endpoint(VpcEndpointId=endpoint_id, PrivateDnsEnabled=True)
    advance(31)
    ec2_a.modify_vpc_endpoint(VpcEndpointId=endpoint_id, PrivateDnsEnabled=True)
    assert describe(ec2_a, endpoint_id)["State"] == "pending"

    # A PHZ of another account associated with the VPC blocks it too.
    ec2_a.modify_vpc_endpoint(VpcEndpointId=endpoint_id, PrivateDnsEnabled=False)
    advance(61)
    zone_b = make_zone(r53_b, LAMBDA_NAME, make_vpc(b.client("ec2"), "10.5.0.0/16")[0])
    r53_b.create_vpc_association_authorization(
        HostedZoneId=zone_b, VPC={"VPCRegion": REGION, "VPCId": shared_vpc}
    )
    r53_a.associate_vpc_with_hosted_zone(HostedZoneId=zone_b, VPC={"VPCRegion": REGION, "VPCId": shared_vpc})
    with pytest.raises(ClientError) as excinfo:
        ec2_a.modify_vpc_endpoint(VpcEndpointId=endpoint_id, PrivateDnsEnabled=True)
    assert "conflicting DNS domain" in excinfo.value.response["Error"]["Message"]


def test_cp2_conflicting_domain_in_vpc(ec2: Any, r53: Any) -> None:
    vpc1, subnets1 = make_vpc(ec2)
    vpc2, subnets2 = make_vpc(ec2, "10.1.0.0/16")
    zone1 = make_zone(r53, "example.internal", vpc1)
    zone2 = make_zone(r53, "example.internal", vpc2)
    vpc = {"VPCRegion": REGION, "VPCId": vpc1}

    with pytest.raises(ClientError) as excinfo:
        r53.associate_vpc_with_hosted_zone(HostedZoneId=zone2, VPC=vpc)
    assert error_code(excinfo) == "ConflictingDomainExists"
    with pytest.raises(ClientError) as excinfo:
        r53.create_hosted_zone(Name="example.internal", CallerReference="again", VPC=vpc)
    assert error_code(excinfo) == "ConflictingDomainExists"
    with pytest.raises(ClientError) as excinfo:  # the same zone twice
        r53.associate_vpc_with_hosted_zone(HostedZoneId=zone1, VPC=vpc)
    assert error_code(excinfo) == "ConflictingDomainExists"
    make_zone(r53, "other.internal", vpc1)  # another name is fine

    # An endpoint's AWS-managed zone counts, settled or pending-on.
    make_endpoint(ec2, vpc1, subnets1, private_dns=True)
    with pytest.raises(ClientError) as excinfo:
        make_zone(r53, LAMBDA_NAME, vpc1)
    assert error_code(excinfo) == "ConflictingDomainExists"
    pending_on = make_endpoint(ec2, vpc2, subnets2, private_dns=False)
    ec2.modify_vpc_endpoint(VpcEndpointId=pending_on, PrivateDnsEnabled=True)
    with pytest.raises(ClientError) as excinfo:
        make_zone(r53, LAMBDA_NAME, vpc2)
    assert error_code(excinfo) == "ConflictingDomainExists"


def test_cp3_last_vpc_association(ec2: Any, r53: Any) -> None:
    vpc1, _ = make_vpc(ec2)
    vpc2, _ = make_vpc(ec2, "10.1.0.0/16")
    zone = make_zone(r53, "example.internal", vpc1)
    r53.associate_vpc_with_hosted_zone(HostedZoneId=zone, VPC={"VPCRegion": REGION, "VPCId": vpc2})
    advance(31)
    r53.disassociate_vpc_from_hosted_zone(HostedZoneId=zone, VPC={"VPCRegion": REGION, "VPCId": vpc1})
    with pytest.raises(ClientError) as excinfo:
        r53.disassociate_vpc_from_hosted_zone(HostedZoneId=zone, VPC={"VPCRegion": REGION, "VPCId": vpc2})
    assert error_code(excinfo) == "LastVPCAssociation"
    with pytest.raises(ClientError) as excinfo:
        r53.disassociate_vpc_from_hosted_zone(HostedZoneId=zone, VPC={"VPCRegion": REGION, "VPCId": vpc1})
    assert error_code(excinfo) == "VPCAssociationNotFound"


def test_cp4_hosted_zone_not_empty(ec2: Any, r53: Any) -> None:
    vpc1, _ = make_vpc(ec2)
    zone = make_zone(r53, "example.internal", vpc1)
    record = {
        "Name": "a.example.internal",
        "Type": "A",
        "TTL": 60,
        "ResourceRecords": [{"Value": "10.0.0.9"}],
    }
    r53.change_resource_record_sets(
        HostedZoneId=zone, ChangeBatch={"Changes": [{"Action": "CREATE", "ResourceRecordSet": record}]}
    )
    with pytest.raises(ClientError) as excinfo:
        r53.delete_hosted_zone(Id=zone)
    assert error_code(excinfo) == "HostedZoneNotEmpty"
    r53.change_resource_record_sets(
        HostedZoneId=zone, ChangeBatch={"Changes": [{"Action": "DELETE", "ResourceRecordSet": record}]}
    )
    r53.delete_hosted_zone(Id=zone)
    assert r53.list_hosted_zones_by_vpc(VPCId=vpc1, VPCRegion=REGION)["HostedZoneSummaries"] == []


def test_cp5_prior_request_not_complete(twin: TwinSettings, ec2: Any, r53: Any) -> None:
    vpc1, _ = make_vpc(ec2)
    vpc2, _ = make_vpc(ec2, "10.1.0.0/16")
    zone = make_zone(r53, "example.internal", vpc1)
    r53.associate_vpc_with_hosted_zone(
        HostedZoneId=zone, VPC={"VPCRegion": REGION, "VPCId": vpc2}
    )  # no fault
    advance(31)

    twin.faults.append({"kind": "prior-request"})
    r53.disassociate_vpc_from_hosted_zone(HostedZoneId=zone, VPC={"VPCRegion": REGION, "VPCId": vpc2})
    retrying = boto3.client(
        "route53", region_name=REGION, config=Config(retries={"mode": "legacy", "max_attempts": 1})
    )
    with pytest.raises(ClientError) as excinfo:
        retrying.associate_vpc_with_hosted_zone(HostedZoneId=zone, VPC={"VPCRegion": REGION, "VPCId": vpc2})
    assert error_code(excinfo) == "PriorRequestNotComplete"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert excinfo.value.response["ResponseMetadata"]["RetryAttempts"] == 1  # botocore retried it
    assert twin.fault_state[0]["count"] == 2

    advance(31)
    r53.associate_vpc_with_hosted_zone(HostedZoneId=zone, VPC={"VPCRegion": REGION, "VPCId": vpc2})


# --------------------------------------------------------------------------------------------------
# Cross-account associations
# --------------------------------------------------------------------------------------------------


def test_cp9_cross_account_association_needs_authorization(twin: TwinSettings) -> None:
    a, b = session(ACCOUNT_A), session(ACCOUNT_B)
    r53_a, r53_b = a.client("route53"), b.client("route53")
    vpc_a, _ = make_vpc(a.client("ec2"))
    vpc_b, _ = make_vpc(b.client("ec2"), "10.1.0.0/16")
    zone = make_zone(r53_a, "example.internal", vpc_a)
    target = {"VPCRegion": REGION, "VPCId": vpc_b}

    with pytest.raises(ClientError) as excinfo:  # not authorized yet
        r53_b.associate_vpc_with_hosted_zone(HostedZoneId=zone, VPC=target)
    assert error_code(excinfo) == "NotAuthorizedException"

    created = r53_a.create_vpc_association_authorization(HostedZoneId=zone, VPC=target)
    assert (created["HostedZoneId"], created["VPC"]) == (zone, target)
    assert r53_a.list_vpc_association_authorizations(HostedZoneId=zone)["VPCs"] == [target]
    with pytest.raises(ClientError) as excinfo:  # the zone's account may not associate another's VPC
        r53_a.associate_vpc_with_hosted_zone(HostedZoneId=zone, VPC=target)
    assert error_code(excinfo) == "NotAuthorizedException"

    change = r53_b.associate_vpc_with_hosted_zone(HostedZoneId=zone, VPC=target)["ChangeInfo"]
    assert change["Status"] == "PENDING"
    assert {v["VPCId"] for v in r53_a.get_hosted_zone(Id=zone)["VPCs"]} == {vpc_a, vpc_b}
    [summary] = r53_b.list_hosted_zones_by_vpc(VPCId=vpc_b, VPCRegion=REGION)["HostedZoneSummaries"]
    assert summary["Owner"]["OwningAccount"] == ACCOUNT_A
    assert r53_b.list_hosted_zones()["HostedZones"] == []

    r53_a.delete_vpc_association_authorization(HostedZoneId=zone, VPC=target)
    assert r53_a.list_vpc_association_authorizations(HostedZoneId=zone)["VPCs"] == []
    with pytest.raises(ClientError) as excinfo:
        r53_a.delete_vpc_association_authorization(HostedZoneId=zone, VPC=target)
    assert error_code(excinfo) == "VPCAssociationAuthorizationNotFound"
    with pytest.raises(ClientError) as excinfo:  # only the zone's owner authorizes
        r53_b.create_vpc_association_authorization(HostedZoneId=zone, VPC=target)
    assert error_code(excinfo) == "NoSuchHostedZone"


def test_cp10_disassociate_by_either_account(twin: TwinSettings) -> None:
    a, b, c = session(ACCOUNT_A), session(ACCOUNT_B), session(ACCOUNT_C)
    r53_a, r53_b = a.client("route53"), b.client("route53")
    vpc_a, _ = make_vpc(a.client("ec2"))
    vpc_b1, _ = make_vpc(b.client("ec2"), "10.1.0.0/16")
    vpc_b2, _ = make_vpc(b.client("ec2"), "10.2.0.0/16")
    zone = make_zone(r53_a, "example.internal", vpc_a)
    for vpc_id in (vpc_b1, vpc_b2):
        target = {"VPCRegion": REGION, "VPCId": vpc_id}
        r53_a.create_vpc_association_authorization(HostedZoneId=zone, VPC=target)
        r53_b.associate_vpc_with_hosted_zone(HostedZoneId=zone, VPC=target)
        advance(31)

    with pytest.raises(ClientError) as excinfo:  # a third account owns neither
        c.client("route53").disassociate_vpc_from_hosted_zone(
            HostedZoneId=zone, VPC={"VPCRegion": REGION, "VPCId": vpc_b1}
        )
    assert error_code(excinfo) == "NotAuthorizedException"
    r53_b.disassociate_vpc_from_hosted_zone(HostedZoneId=zone, VPC={"VPCRegion": REGION, "VPCId": vpc_b1})
    advance(31)
    r53_a.disassociate_vpc_from_hosted_zone(HostedZoneId=zone, VPC={"VPCRegion": REGION, "VPCId": vpc_b2})
    assert [v["VPCId"] for v in r53_a.get_hosted_zone(Id=zone)["VPCs"]] == [vpc_a]


# --------------------------------------------------------------------------------------------------
# Asynchronous changes
# --------------------------------------------------------------------------------------------------


def test_as3_changes_pending_then_insync_and_settled_view(twin: TwinSettings) -> None:
    twin.durations.phz_change = 30
    ec2 = boto3.client("ec2", region_name=REGION)
    r53 = boto3.client("route53", region_name=REGION)
    vpc1, _ = make_vpc(ec2)
    vpc2, _ = make_vpc(ec2, "10.1.0.0/16")
    created = r53.create_hosted_zone(
        Name="example.internal", CallerReference="z", VPC={"VPCRegion": REGION, "VPCId": vpc1}
    )
    zone = created["HostedZone"]["Id"].split("/")[-1]
    assert created["ChangeInfo"]["Status"] == "PENDING"
    assert settled_zones() == []  # not in DNS before INSYNC
    advance(30)
    assert r53.get_change(Id=created["ChangeInfo"]["Id"])["ChangeInfo"]["Status"] == "INSYNC"
    [view] = settled_zones("123456789012")
    assert (view.zone_id, view.name, view.vpc_ids) == (zone, "example.internal.", (vpc1,))
    assert {r.type for r in view.records} == {"SOA", "NS"}

    alias = {
        "Name": "example.internal",
        "Type": "A",
        "AliasTarget": {
            "HostedZoneId": "Z7HUB22UULQXV",
            "DNSName": "vpce-1.example",
            "EvaluateTargetHealth": False,
        },
    }
    change = r53.change_resource_record_sets(
        HostedZoneId=zone, ChangeBatch={"Changes": [{"Action": "CREATE", "ResourceRecordSet": alias}]}
    )["ChangeInfo"]
    associated = r53.associate_vpc_with_hosted_zone(
        HostedZoneId=zone, VPC={"VPCRegion": REGION, "VPCId": vpc2}
    )
    assert change["Status"] == "PENDING" and change["Id"].startswith("/change/C")
    assert r53.get_change(Id=change["Id"])["ChangeInfo"]["Status"] == "PENDING"
    [view] = settled_zones()
    assert view.vpc_ids == (vpc1,) and {r.type for r in view.records} == {"SOA", "NS"}  # old state in force

    advance(30)
    assert r53.get_change(Id=associated["ChangeInfo"]["Id"])["ChangeInfo"]["Status"] == "INSYNC"
    [view] = settled_zones()
    assert set(view.vpc_ids) == {vpc1, vpc2}
    [a_record] = [r for r in view.records if r.type == "A"]
    assert a_record.alias_target is not None and a_record.alias_target.dns_name == "vpce-1.example"

    r53.change_resource_record_sets(
        HostedZoneId=zone, ChangeBatch={"Changes": [{"Action": "DELETE", "ResourceRecordSet": alias}]}
    )
    advance(30)
    deleted = r53.delete_hosted_zone(Id=zone)["ChangeInfo"]
    assert deleted["Status"] == "PENDING"
    assert [z.zone_id for z in settled_zones()] == [zone]  # still served until INSYNC
    advance(30)
    assert settled_zones() == []
    with pytest.raises(ClientError) as excinfo:
        r53.get_change(Id="/change/CNOSUCHCHANGE")
    assert error_code(excinfo) == "NoSuchChange"


# --------------------------------------------------------------------------------------------------
# moto server mode
# --------------------------------------------------------------------------------------------------


def test_cp9_and_as2_in_moto_server_mode() -> None:
    old_clock, old_settings = get_clock(), get_settings()
    install_clock(SimClock(FROZEN))
    install_settings(TwinSettings())
    patch_ec2_route53()
    try:
        with moto_server(REGION) as served:
            ec2 = served.client("ec2")
            r53 = served.client("route53")
            vpc1, subnets = make_vpc(ec2)
            vpc2, _ = make_vpc(ec2, "10.1.0.0/16")
            zone = make_zone(r53, "example.internal", vpc1)
            target = {"VPCRegion": REGION, "VPCId": vpc2}
            r53.create_vpc_association_authorization(HostedZoneId=zone, VPC=target)
            assert r53.list_vpc_association_authorizations(HostedZoneId=zone)["VPCs"] == [target]
            r53.delete_vpc_association_authorization(HostedZoneId=zone, VPC=target)

            endpoint_id = make_endpoint(ec2, vpc1, subnets, private_dns=False)
            ec2.modify_vpc_endpoint(VpcEndpointId=endpoint_id, PrivateDnsEnabled=True)
            assert describe(ec2, endpoint_id)["State"] == "pending"
            advance(61)
            assert describe(ec2, endpoint_id)["State"] == "available"
    finally:
        install_clock(old_clock)
        install_settings(old_settings)

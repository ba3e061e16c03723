"""Quotas the twin enforces as a real account does (Q-1, Q-3), seen by an outside client of ``twin serve``
(Q-1) and by a boto3 client of the in-process twin (Q-3)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from botocore.exceptions import ClientError
from test_ec2_route53 import ACCOUNT_A, ACCOUNT_B, REGION, make_vpc, session, twin  # noqa: F401 (fixture)
from test_serve import CLI, EXAMPLE, Served, _env, _wait_for_ids, free_port

pytestmark = pytest.mark.twin


def _serve(tmp_path: Path, doc: dict[str, Any]) -> Iterator[Served]:
    scenario, ids_file = tmp_path / "scenario.yaml", tmp_path / "ids.json"
    scenario.write_text(yaml.safe_dump(doc), encoding="utf-8")
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    args = [
        str(CLI),
        "twin",
        "serve",
        str(scenario),
        "--resolver-port",
        str(free_port()),
        "--ids",
        str(ids_file),
    ]
    with out.open("wb") as fo, err.open("wb") as fe:
        proc = subprocess.Popen(args, stdout=fo, stderr=fe, env=_env(), cwd=tmp_path)
    try:
        yield Served(
            proc,
            _wait_for_ids(proc, lambda: json.loads(ids_file.read_text()) if ids_file.exists() else None, err),
            out,
            err,
        )
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def served(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Served]:
    doc = yaml.safe_load(EXAMPLE.read_text())
    doc["hosted_zones"]["lambda-zone"].update(getattr(request, "param", {}))
    yield from _serve(tmp_path, doc)


def _limit(srv: Served, zone_id: str) -> tuple[int, int]:
    got = srv.client("route53").get_hosted_zone_limit(
        Type="MAX_VPCS_ASSOCIATED_BY_ZONE", HostedZoneId=zone_id
    )
    return int(got["Limit"]["Value"]), int(got["Count"])


def _associate_new_vpcs(srv: Served, zone_id: str, count: int) -> list[str]:
    ec2, r53 = srv.client("ec2"), srv.client("route53")
    out = []
    for i in range(count):
        vpc_id = ec2.create_vpc(CidrBlock=f"10.{100 + i // 250}.{i % 250}.0/24")["Vpc"]["VpcId"]
        r53.associate_vpc_with_hosted_zone(
            HostedZoneId=zone_id, VPC={"VPCRegion": "us-east-1", "VPCId": vpc_id}
        )
        out.append(vpc_id)
    return out


def test_q1_twin_serve_refuses_the_301st_vpc_of_a_zone_and_answers_get_hosted_zone_limit(
    served: Served,
) -> None:
    zone_id = served.ids["hosted_zones"]["lambda-zone"]["id"]
    assert _limit(served, zone_id) == (300, 3)  # the example's three VPCs
    _associate_new_vpcs(served, zone_id, 297)
    assert _limit(served, zone_id) == (300, 300)
    extra = served.client("ec2").create_vpc(CidrBlock="10.250.0.0/24")["Vpc"]["VpcId"]
    with pytest.raises(ClientError) as info:
        served.client("route53").associate_vpc_with_hosted_zone(
            HostedZoneId=zone_id, VPC={"VPCRegion": "us-east-1", "VPCId": extra}
        )
    assert info.value.response["Error"]["Code"] == "LimitsExceeded"
    assert "300" in info.value.response["Error"]["Message"]
    assert _limit(served, zone_id) == (300, 300)  # nothing changed
    # Leaving frees a place (the count is the zone's current associations).
    served.client("route53").disassociate_vpc_from_hosted_zone(
        HostedZoneId=zone_id, VPC={"VPCRegion": "us-east-1", "VPCId": served.ids["vpcs"]["dev"]["id"]}
    )
    served.client("route53").associate_vpc_with_hosted_zone(
        HostedZoneId=zone_id, VPC={"VPCRegion": "us-east-1", "VPCId": extra}
    )
    assert _limit(served, zone_id) == (300, 300)


@pytest.mark.parametrize("served", [{"max_vpcs": 4}], indirect=True)
def test_q1_a_zones_own_limit_comes_from_the_scenario(served: Served) -> None:
    zone_id = served.ids["hosted_zones"]["lambda-zone"]["id"]
    assert _limit(served, zone_id) == (4, 3)
    _associate_new_vpcs(served, zone_id, 1)
    with pytest.raises(ClientError) as info:
        _associate_new_vpcs(served, zone_id, 1)
    assert info.value.response["Error"]["Code"] == "LimitsExceeded"
    with pytest.raises(ClientError) as bad:
        served.client("route53").get_hosted_zone_limit(Type="MAX_NOTHING", HostedZoneId=zone_id)
    assert bad.value.response["Error"]["Code"] == "InvalidInput"


def test_q3_the_1001st_authorization_of_a_zone_is_refused(twin: Any) -> None:  # noqa: F811 (fixture)
    a, b = session(ACCOUNT_A), session(ACCOUNT_B)
    home, _ = make_vpc(a.client("ec2", region_name=REGION))
    zone_id = a.client("route53").create_hosted_zone(
        Name="lambda.us-east-1.amazonaws.com",
        CallerReference="q3",
        HostedZoneConfig={"PrivateZone": True},
        VPC={"VPCRegion": REGION, "VPCId": home},
    )["HostedZone"]["Id"]
    ec2_b, r53_a = b.client("ec2", region_name=REGION), a.client("route53")
    for i in range(1001):
        vpc_id = ec2_b.create_vpc(CidrBlock=f"10.{i // 250}.{i % 250}.0/24")["Vpc"]["VpcId"]
        call = lambda v=vpc_id: r53_a.create_vpc_association_authorization(  # noqa: E731
            HostedZoneId=zone_id, VPC={"VPCRegion": REGION, "VPCId": v}
        )
        if i < 1000:
            call()
            continue
        with pytest.raises(ClientError) as info:
            call()
        assert info.value.response["Error"]["Code"] == "TooManyVPCAssociationAuthorizations"

"""Route 53 Profiles in moto (twin/moto_ext/route53profiles): rules AS-1, AS-2, AS-5, CP-6..CP-9.

Every test talks boto3 to ``mock_aws()``. A second account is reached the way moto maps
credentials to accounts: ``sts.assume_role`` into ``arn:aws:iam::<account>:role/…`` returns keys
that moto's IAM backend records under that account, and every later request signed with them is
served from that account's backends.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID

from twin.clock import SimClock, get_clock, install_clock
from twin.config import TwinSettings, get_settings, install_settings
from twin.moto_ext.route53profiles import (
    on_endpoint_associated,
    register_route53profiles,
    route53profiles_backends,
    settled_view,
)

pytestmark = pytest.mark.twin

REGION = "us-east-1"
OWNER = DEFAULT_ACCOUNT_ID  # "123456789012": the plain mock credentials
WORKLOAD = "222222222222"
OTHER = "333333333333"
LAMBDA_DNS = "lambda.us-east-1.amazonaws.com"


@pytest.fixture(autouse=True)
def twin() -> Iterator[None]:
    # A clock that barely moves by itself: tests move it with advance().
    install_clock(SimClock(time_scale=1e6))
    install_settings(TwinSettings())
    register_route53profiles()
    hooks = list(on_endpoint_associated)
    with mock_aws():
        yield
    on_endpoint_associated[:] = hooks


def client(service: str, account: str = OWNER, region: str = REGION) -> Any:
    if account == OWNER:
        return boto3.client(service, region_name=region)
    creds = boto3.client("sts", region_name=region).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/twin-test", RoleSessionName="twin-test"
    )["Credentials"]
    return boto3.client(
        service,
        region_name=region,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


def make_vpc(account: str = OWNER) -> str:
    return client("ec2", account).create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]


def make_phz(name: str, vpc_id: str, account: str = OWNER) -> str:
    zone = client("route53", account).create_hosted_zone(
        Name=name,
        CallerReference=f"ref-{name}-{vpc_id}",
        VPC={"VPCRegion": REGION, "VPCId": vpc_id},
        HostedZoneConfig={"PrivateZone": True},
    )["HostedZone"]
    return zone["Id"].split("/")[-1]


def phz_arn(zone_id: str) -> str:
    return f"arn:aws:route53:::hostedzone/{zone_id}"


def make_endpoint(
    vpc_id: str, private_dns: bool = True, service: str = "lambda", account: str = OWNER
) -> str:
    ec2 = client("ec2", account)
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    return ec2.create_vpc_endpoint(
        VpcId=vpc_id,
        ServiceName=f"com.amazonaws.{REGION}.{service}",
        VpcEndpointType="Interface",
        SubnetIds=[subnet],
        PrivateDnsEnabled=private_dns,
    )["VpcEndpoint"]["VpcEndpointId"]


def endpoint_arn(vpce_id: str, account: str = OWNER) -> str:
    return f"arn:aws:ec2:{REGION}:{account}:vpc-endpoint/{vpce_id}"


def make_profile(name: str = "central", account: str = OWNER) -> dict[str, Any]:
    return client("route53profiles", account).create_profile(Name=name, ClientToken=f"tok-{name}")["Profile"]


def error_code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def share(profile_arn: str, with_account: str) -> None:
    client("ram").create_resource_share(
        name="profiles", resourceArns=[profile_arn], principals=[with_account]
    )


# ---- registration and wire shapes ----------------------------------------------------------------


def test_register_is_idempotent() -> None:
    import moto.backend_index as backend_index

    register_route53profiles()
    register_route53profiles()
    names = [name for name, _ in backend_index.backend_url_patterns]
    assert names.count("route53profiles") == 1
    assert client("route53profiles").list_profiles()["ProfileSummaries"] == []


def test_wire_shapes_ids_and_arns() -> None:
    rp = client("route53profiles")
    profile = make_profile()
    assert profile["Id"].startswith("rp-")
    assert profile["Arn"] == f"arn:aws:route53profiles:{REGION}:{OWNER}:profile/{profile['Id']}"
    assert profile["OwnerId"] == OWNER
    assert profile["Status"] == "COMPLETE"
    assert profile["ShareStatus"] == "NOT_SHARED"
    assert profile["ClientToken"] == "tok-central"
    # ClientToken makes CreateProfile idempotent
    assert make_profile()["Id"] == profile["Id"]

    vpc = make_vpc()
    assoc = rp.associate_profile(ProfileId=profile["Id"], ResourceId=vpc, Name="shared")["ProfileAssociation"]
    assert assoc["Id"].startswith("rpassoc-")
    assert (assoc["ProfileId"], assoc["ResourceId"], assoc["OwnerId"]) == (profile["Id"], vpc, OWNER)
    assert assoc["Priority"] == 100

    zone = make_phz("example.internal", vpc)
    res = rp.associate_resource_to_profile(ProfileId=profile["Id"], ResourceArn=phz_arn(zone), Name="zone")
    res = res["ProfileResourceAssociation"]
    assert res["Id"].startswith("rpr-")
    assert res["ResourceType"] == "PRIVATE_HOSTED_ZONE"
    assert res["ResourceArn"] == phz_arn(zone)

    got = rp.get_profile_resource_association(ProfileResourceAssociationId=res["Id"])
    assert got["ProfileResourceAssociation"]["Id"] == res["Id"]
    with pytest.raises(ClientError) as exc:
        rp.get_profile(ProfileId="rp-0000000000000000")
    assert error_code(exc) == "ResourceNotFoundException"


def test_multi_region_backends_are_separate() -> None:
    make_profile()
    assert client("route53profiles", region="us-west-2").list_profiles()["ProfileSummaries"] == []
    assert len(client("route53profiles").list_profiles()["ProfileSummaries"]) == 1


def test_validation_errors() -> None:
    rp = client("route53profiles")
    profile = make_profile()
    vpc = make_vpc()
    with pytest.raises(ClientError) as exc:
        rp.associate_profile(ProfileId=profile["Id"], ResourceId=vpc, Name="a", Priority=10000)
    assert error_code(exc) == "ValidationException"
    with pytest.raises(ClientError) as exc:
        rp.create_profile(Name="12345", ClientToken="digits")
    assert error_code(exc) == "ValidationException"


# ---- AS-1: asynchronous statuses ---------------------------------------------------------------


def test_as1_profile_association_creating_complete_deleting_gone() -> None:
    rp = client("route53profiles")
    profile = make_profile()
    vpc = make_vpc()
    assoc = rp.associate_profile(ProfileId=profile["Id"], ResourceId=vpc, Name="a")["ProfileAssociation"]
    assert assoc["Status"] == "CREATING"

    get_clock().advance(get_settings().durations.profile_association - 1)
    assert (
        rp.get_profile_association(ProfileAssociationId=assoc["Id"])["ProfileAssociation"]["Status"]
        == "CREATING"
    )
    get_clock().advance(1)
    assert (
        rp.get_profile_association(ProfileAssociationId=assoc["Id"])["ProfileAssociation"]["Status"]
        == "COMPLETE"
    )

    updated = rp.update_profile_association(ProfileAssociationId=assoc["Id"], Name="renamed")
    assert updated["ProfileAssociation"]["Status"] == "UPDATING"
    assert updated["ProfileAssociation"]["Name"] == "renamed"
    get_clock().advance(20)
    assert (
        rp.get_profile_association(ProfileAssociationId=assoc["Id"])["ProfileAssociation"]["Status"]
        == "COMPLETE"
    )

    gone = rp.disassociate_profile(ProfileId=profile["Id"], ResourceId=vpc)["ProfileAssociation"]
    assert gone["Status"] == "DELETING"
    listed = rp.list_profile_associations(ResourceId=vpc)["ProfileAssociations"]
    assert [(a["Id"], a["Status"]) for a in listed] == [(assoc["Id"], "DELETING")]
    get_clock().advance(20)
    assert rp.list_profile_associations(ResourceId=vpc)["ProfileAssociations"] == []
    with pytest.raises(ClientError) as exc:
        rp.get_profile_association(ProfileAssociationId=assoc["Id"])
    assert error_code(exc) == "ResourceNotFoundException"


def test_as1_resource_association_durations_come_from_settings() -> None:
    get_settings().durations.resource_association = 50
    rp = client("route53profiles")
    profile = make_profile()
    zone = make_phz("svc.internal", make_vpc())
    res = rp.associate_resource_to_profile(ProfileId=profile["Id"], ResourceArn=phz_arn(zone), Name="z")
    res_id = res["ProfileResourceAssociation"]["Id"]
    get_clock().advance(49)
    status = rp.get_profile_resource_association(ProfileResourceAssociationId=res_id)
    assert status["ProfileResourceAssociation"]["Status"] == "CREATING"
    get_clock().advance(1)
    status = rp.get_profile_resource_association(ProfileResourceAssociationId=res_id)
    assert status["ProfileResourceAssociation"]["Status"] == "COMPLETE"

    upd = rp.update_profile_resource_association(ProfileResourceAssociationId=res_id, Name="zone2")
    assert upd["ProfileResourceAssociation"]["Status"] == "UPDATING"
    get_clock().advance(50)
    listed = rp.list_profile_resource_associations(ProfileId=profile["Id"])["ProfileResourceAssociations"]
    assert [(a["Name"], a["Status"]) for a in listed] == [("zone2", "COMPLETE")]

    out = rp.disassociate_resource_from_profile(ProfileId=profile["Id"], ResourceArn=phz_arn(zone))
    assert out["ProfileResourceAssociation"]["Status"] == "DELETING"
    get_clock().advance(50)
    assert rp.list_profile_resource_associations(ProfileId=profile["Id"])["ProfileResourceAssociations"] == []


def test_as1_association_fails_fault_ends_failed() -> None:
    rp = client("route53profiles")
    profile = make_profile()
    vpc = make_vpc()
    vpce = make_endpoint(vpc)
    zone = make_phz("other.internal", vpc)
    get_settings().faults.append(
        {
            "kind": "association-fails",
            "profile": "central",
            "resource": "lambda",
            "profile_id": profile["Id"],
            "resource_id": vpce,
        }
    )
    failing = rp.associate_resource_to_profile(
        ProfileId=profile["Id"], ResourceArn=endpoint_arn(vpce), Name="lambda"
    )
    fine = rp.associate_resource_to_profile(ProfileId=profile["Id"], ResourceArn=phz_arn(zone), Name="other")
    get_clock().advance(20)
    failed = rp.get_profile_resource_association(
        ProfileResourceAssociationId=failing["ProfileResourceAssociation"]["Id"]
    )["ProfileResourceAssociation"]
    assert failed["Status"] == "FAILED"
    assert failed["StatusMessage"]
    ok = rp.get_profile_resource_association(
        ProfileResourceAssociationId=fine["ProfileResourceAssociation"]["Id"]
    )
    assert ok["ProfileResourceAssociation"]["Status"] == "COMPLETE"
    view = settled_view(OWNER, REGION)
    assert [r["resource_id"] for r in view["profiles"][profile["Id"]]["resources"]] == [zone]


# ---- AS-2: endpoint hook -----------------------------------------------------------------------------


def test_as2_endpoint_association_calls_hook() -> None:
    calls: list[tuple[str, str, str]] = []
    on_endpoint_associated.append(lambda account, region, vpce_id: calls.append((account, region, vpce_id)))
    profile = make_profile()
    vpce = make_endpoint(make_vpc())
    client("route53profiles").associate_resource_to_profile(
        ProfileId=profile["Id"], ResourceArn=endpoint_arn(vpce), Name="lambda"
    )
    assert calls == [(OWNER, REGION, vpce)]


# ---- AS-5: settled view ----------------------------------------------------------------------------


def test_as5_settled_view_counts_only_settled_state() -> None:
    rp = client("route53profiles")
    profile = make_profile()
    vpc = make_vpc()
    vpce = make_endpoint(vpc)
    rp.associate_profile(ProfileId=profile["Id"], ResourceId=vpc, Name="a")
    rp.associate_resource_to_profile(ProfileId=profile["Id"], ResourceArn=endpoint_arn(vpce), Name="lambda")

    view = route53profiles_backends[OWNER][REGION].settled_view()
    assert view["vpc_profiles"] == {}
    assert view["profiles"][profile["Id"]]["resources"] == []  # CREATING is not in effect

    get_clock().advance(20)
    view = settled_view(OWNER, REGION)
    ((assoc,),) = view["vpc_profiles"].values()
    assert assoc["profile_id"] == profile["Id"] and assoc["priority"] == 100 and assoc["old_priority"] is None
    (resource,) = view["profiles"][profile["Id"]]["resources"]
    assert resource["dns_name"] == LAMBDA_DNS
    assert resource["resource_type"] == "INTERFACE_VPC_ENDPOINT"
    assert resource["resource_id"] == vpce

    rp.disassociate_profile(ProfileId=profile["Id"], ResourceId=vpc)
    rp.disassociate_resource_from_profile(ProfileId=profile["Id"], ResourceArn=endpoint_arn(vpce))
    view = settled_view(OWNER, REGION)  # DELETING still counts as present
    assert view["vpc_profiles"][vpc][0]["status"] == "DELETING"
    assert view["profiles"][profile["Id"]]["resources"][0]["status"] == "DELETING"

    get_clock().advance(20)
    view = settled_view(OWNER, REGION)
    assert view["vpc_profiles"] == {}
    assert view["profiles"][profile["Id"]]["resources"] == []


# ---- CP-6 / RES-1: up to two Profiles per VPC, each with its priority --------------------------------


def associate(
    profile: dict[str, Any], vpc: str, name: str = "a", account: str = OWNER, **kw: Any
) -> dict[str, Any]:
    rp = client("route53profiles", account)
    return dict(
        rp.associate_profile(ProfileId=profile["Id"], ResourceId=vpc, Name=name, **kw)["ProfileAssociation"]
    )


def cp6_error(call: Any, **kw: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as exc:
        call(**kw)
    return error_code(exc), str(exc.value.response["Error"]["Message"])


def test_cp6_second_association_needs_a_free_priority() -> None:
    first, second = make_profile("first"), make_profile("second")
    vpc = make_vpc()
    assert associate(first, vpc)["Priority"] == 100  # CP-6: alone, the priority defaults to 100

    code, message = cp6_error(associate, profile=second, vpc=vpc, name="b")
    assert code == "ValidationException"
    assert vpc in message and "Priority" in message
    code, message = cp6_error(associate, profile=second, vpc=vpc, name="b", Priority=100)
    assert code == "ValidationException"
    assert "100" in message and "unique" in message
    assert cp6_error(associate, profile=second, vpc=vpc, name="b", Priority=9901)[0] == "ValidationException"

    assoc = associate(second, vpc, "b", Priority=200)
    assert (assoc["Priority"], assoc["Status"]) == (200, "CREATING")
    listed = client("route53profiles").list_profile_associations(ResourceId=vpc)["ProfileAssociations"]
    assert sorted((a["ProfileId"], a["Priority"], a["Name"]) for a in listed) == sorted(
        [(first["Id"], 100, "a"), (second["Id"], 200, "b")]
    )
    got = client("route53profiles").get_profile_association(ProfileAssociationId=assoc["Id"])
    assert (got["ProfileAssociation"]["Priority"], got["ProfileAssociation"]["Name"]) == (200, "b")


def test_cp6_third_association_is_limit_exceeded() -> None:
    profiles = [make_profile(n) for n in ("first", "second", "third")]
    vpc = make_vpc()
    associate(profiles[0], vpc, Priority=300)
    associate(profiles[1], vpc, Priority=200)
    code, message = cp6_error(associate, profile=profiles[2], vpc=vpc, Priority=400)
    assert code == "LimitExceededException"
    assert vpc in message and "two" in message
    # DELETING still counts; once it is gone the slot is free again (AS-1).
    get_clock().advance(20)
    client("route53profiles").disassociate_profile(ProfileId=profiles[0]["Id"], ResourceId=vpc)
    assert cp6_error(associate, profile=profiles[2], vpc=vpc, Priority=400)[0] == "LimitExceededException"
    get_clock().advance(20)
    assert associate(profiles[2], vpc, Priority=400)["Status"] == "CREATING"


def test_cp6_same_profile_again() -> None:
    profile = make_profile()
    vpc = make_vpc()
    associate(profile, vpc, Priority=300)
    # The same Name and Priority (or no Priority): already there.
    assert cp6_error(associate, profile=profile, vpc=vpc, Priority=300)[0] == "ResourceExistsException"
    assert cp6_error(associate, profile=profile, vpc=vpc)[0] == "ResourceExistsException"
    # Another Name or Priority: ValidationException (UpdateProfileAssociation changes them).
    code, message = cp6_error(associate, profile=profile, vpc=vpc, Priority=400)
    assert code == "ValidationException" and "UpdateProfileAssociation" in message
    assert (
        cp6_error(associate, profile=profile, vpc=vpc, name="other", Priority=300)[0] == "ValidationException"
    )


def test_q2_profile_vpc_limit_is_limit_exceeded() -> None:
    get_settings().profile_max_vpcs["central"] = 2
    profile = make_profile("central")
    associate(profile, make_vpc())
    associate(profile, make_vpc())
    code, message = cp6_error(associate, profile=profile, vpc=make_vpc())
    assert code == "LimitExceededException" and "limit of 2" in message


def test_cp6_update_profile_association_priority_and_name() -> None:
    rp = client("route53profiles")
    first, second = make_profile("first"), make_profile("second")
    vpc = make_vpc()
    a = associate(first, vpc)
    b = associate(second, vpc, "b", Priority=200)
    get_clock().advance(20)
    # CP-6: unique per VPC, so two associations cannot swap in one call ...
    code, _ = cp6_error(rp.update_profile_association, ProfileAssociationId=b["Id"], Priority=100)
    assert code == "ValidationException"
    assert cp6_error(rp.update_profile_association, ProfileAssociationId=b["Id"], Priority=9901)[0] == (
        "ValidationException"
    )
    # ... but three updates through a free value can.
    for assoc_id, prio in ((a["Id"], 9000), (b["Id"], 100), (a["Id"], 200)):
        updated = rp.update_profile_association(ProfileAssociationId=assoc_id, Priority=prio)[
            "ProfileAssociation"
        ]
        assert (updated["Priority"], updated["Status"]) == (prio, "UPDATING")  # AS-6
    renamed = rp.update_profile_association(ProfileAssociationId=b["Id"], Name="renamed")[
        "ProfileAssociation"
    ]
    assert (renamed["Name"], renamed["Priority"]) == ("renamed", 100)
    get_clock().advance(20)
    got = {
        x["Id"]: (x["Priority"], x["Status"], x["Name"])
        for x in rp.list_profile_associations(ResourceId=vpc)["ProfileAssociations"]
    }
    assert got == {a["Id"]: (200, "COMPLETE", "a"), b["Id"]: (100, "COMPLETE", "renamed")}


def test_as6_update_is_updating_then_complete_with_the_old_priority_meanwhile() -> None:
    rp = client("route53profiles")
    first, second = make_profile("first"), make_profile("second")
    vpc = make_vpc()
    associate(first, vpc)
    b = associate(second, vpc, "b", Priority=200)
    get_clock().advance(20)
    rp.update_profile_association(ProfileAssociationId=b["Id"], Priority=9050)
    view = settled_view(OWNER, REGION)
    assert [(x["priority"], x["old_priority"], x["status"]) for x in view["vpc_profiles"][vpc]] == [
        (100, None, "COMPLETE"),
        (9050, 200, "UPDATING"),
    ]
    get_clock().advance(10)
    status = rp.get_profile_association(ProfileAssociationId=b["Id"])["ProfileAssociation"]["Status"]
    assert status == "UPDATING"
    get_clock().advance(10)  # durations.profile_association
    status = rp.get_profile_association(ProfileAssociationId=b["Id"])["ProfileAssociation"]["Status"]
    assert status == "COMPLETE"
    assert [x["old_priority"] for x in settled_view(OWNER, REGION)["vpc_profiles"][vpc]] == [None, None]


def test_cp6_update_conflicts_and_owner_only() -> None:
    rp = client("route53profiles")
    profile = make_profile()
    share(profile["Arn"], WORKLOAD)
    vpc = make_vpc(WORKLOAD)
    assoc = associate(profile, vpc, account=WORKLOAD)
    # CP-6/CP-9: the Profile's owner sees the association but did not create it.
    code, _ = cp6_error(rp.update_profile_association, ProfileAssociationId=assoc["Id"], Priority=300)
    assert code == "AccessDeniedException"
    workload = client("route53profiles", WORKLOAD)
    # CREATING may be updated: it stays CREATING and completes with the new priority.
    updated = workload.update_profile_association(ProfileAssociationId=assoc["Id"], Priority=300)
    assert (updated["ProfileAssociation"]["Status"], updated["ProfileAssociation"]["Priority"]) == (
        "CREATING",
        300,
    )
    get_clock().advance(20)
    workload.disassociate_profile(ProfileId=profile["Id"], ResourceId=vpc)
    code, message = cp6_error(
        workload.update_profile_association, ProfileAssociationId=assoc["Id"], Priority=400
    )
    assert code == "ConflictException" and "DELETING" in message
    get_clock().advance(20)
    code, _ = cp6_error(workload.update_profile_association, ProfileAssociationId=assoc["Id"], Priority=400)
    assert code == "ResourceNotFoundException"  # gone: the twin forgets a DELETED association


def test_cp6_delete_profile_needs_no_vpc_association() -> None:
    rp = client("route53profiles")
    profile = make_profile()
    vpc = make_vpc()
    rp.associate_profile(ProfileId=profile["Id"], ResourceId=vpc, Name="a")
    with pytest.raises(ClientError) as exc:
        rp.delete_profile(ProfileId=profile["Id"])
    assert error_code(exc) == "ConflictException"
    rp.disassociate_profile(ProfileId=profile["Id"], ResourceId=vpc)
    get_clock().advance(20)
    assert rp.delete_profile(ProfileId=profile["Id"])["Profile"]["Status"] == "DELETED"
    assert rp.list_profiles()["ProfileSummaries"] == []


# ---- CP-7: one carrier per DNS name ------------------------------------------------------------------


def test_cp7_second_resource_with_the_same_name_conflicts() -> None:
    rp = client("route53profiles")
    profile = make_profile()
    vpc = make_vpc()
    zone = make_phz(LAMBDA_DNS, vpc)
    vpce = make_endpoint(vpc)
    rp.associate_resource_to_profile(ProfileId=profile["Id"], ResourceArn=phz_arn(zone), Name="zone")
    get_clock().advance(20)

    with pytest.raises(ClientError) as exc:
        rp.associate_resource_to_profile(
            ProfileId=profile["Id"], ResourceArn=endpoint_arn(vpce), Name="lambda"
        )
    assert error_code(exc) == "ConflictException"
    assert LAMBDA_DNS in exc.value.response["Error"]["Message"]

    # the published order: remove the PHZ, wait until it is gone, then add the endpoint
    rp.disassociate_resource_from_profile(ProfileId=profile["Id"], ResourceArn=phz_arn(zone))
    with pytest.raises(ClientError) as exc:
        rp.associate_resource_to_profile(
            ProfileId=profile["Id"], ResourceArn=endpoint_arn(vpce), Name="lambda"
        )
    assert error_code(exc) == "ConflictException"
    get_clock().advance(20)
    ok = rp.associate_resource_to_profile(
        ProfileId=profile["Id"], ResourceArn=endpoint_arn(vpce), Name="lambda"
    )
    assert ok["ProfileResourceAssociation"]["ResourceType"] == "INTERFACE_VPC_ENDPOINT"


def test_cp7_uses_the_endpoint_private_dns_name_set_by_the_twin() -> None:
    from moto.ec2.models import ec2_backends

    rp = client("route53profiles")
    profile = make_profile()
    vpc = make_vpc()
    vpce = make_endpoint(vpc, service="ecr.api")
    ec2_backends[OWNER][REGION].vpc_end_points[vpce].private_dns_name = "api.ecr.us-east-1.amazonaws.com"
    zone = make_phz("api.ecr.us-east-1.amazonaws.com", make_vpc())  # another VPC: CP-2 forbids the same one
    rp.associate_resource_to_profile(ProfileId=profile["Id"], ResourceArn=endpoint_arn(vpce), Name="ecr")
    with pytest.raises(ClientError) as exc:
        rp.associate_resource_to_profile(ProfileId=profile["Id"], ResourceArn=phz_arn(zone), Name="zone")
    assert error_code(exc) == "ConflictException"


# ---- CP-8: Private DNS must be on ---------------------------------------------------------------------


def test_cp8_endpoint_without_private_dns_is_invalid() -> None:
    rp = client("route53profiles")
    profile = make_profile()
    vpce = make_endpoint(make_vpc(), private_dns=False)
    with pytest.raises(ClientError) as exc:
        rp.associate_resource_to_profile(
            ProfileId=profile["Id"], ResourceArn=endpoint_arn(vpce), Name="lambda"
        )
    assert error_code(exc) == "InvalidParameterException"


def test_missing_resources_are_not_found() -> None:
    rp = client("route53profiles")
    profile = make_profile()
    for arn in (phz_arn("Z0000000000000000000"), endpoint_arn("vpce-0123456789abcdef0")):
        with pytest.raises(ClientError) as exc:
            rp.associate_resource_to_profile(ProfileId=profile["Id"], ResourceArn=arn, Name="x")
        assert error_code(exc) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as exc:
        rp.disassociate_resource_from_profile(ProfileId=profile["Id"], ResourceArn=phz_arn("Z1"))
    assert error_code(exc) == "ResourceNotFoundException"


# ---- CP-9: cross-account through RAM ----------------------------------------------------------------


def test_cp9_assumed_role_credentials_select_the_account() -> None:
    ident = client("sts", WORKLOAD).get_caller_identity()
    assert ident["Account"] == WORKLOAD
    make_profile("theirs", WORKLOAD)
    assert [p["Name"] for p in client("route53profiles", WORKLOAD).list_profiles()["ProfileSummaries"]] == [
        "theirs"
    ]
    assert client("route53profiles").list_profiles()["ProfileSummaries"] == []


def test_cp9_unshared_profile_is_invisible_to_other_accounts() -> None:
    profile = make_profile()
    workload_vpc = make_vpc(WORKLOAD)
    rp_b = client("route53profiles", WORKLOAD)
    with pytest.raises(ClientError) as exc:
        rp_b.get_profile(ProfileId=profile["Id"])
    assert error_code(exc) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as exc:
        rp_b.associate_profile(ProfileId=profile["Id"], ResourceId=workload_vpc, Name="b")
    assert error_code(exc) == "AccessDeniedException"
    assert rp_b.list_profiles()["ProfileSummaries"] == []


def test_cp9_shared_profile_is_associated_by_the_vpc_owner() -> None:
    profile = make_profile()
    owner_vpc = make_vpc()
    workload_vpc = make_vpc(WORKLOAD)
    other_vpc = make_vpc(OTHER)
    share(profile["Arn"], WORKLOAD)
    rp_a = client("route53profiles")
    rp_b = client("route53profiles", WORKLOAD)

    assert rp_a.get_profile(ProfileId=profile["Id"])["Profile"]["ShareStatus"] == "SHARED_BY_ME"
    seen = rp_b.get_profile(ProfileId=profile["Id"])["Profile"]
    assert (seen["ShareStatus"], seen["OwnerId"]) == ("SHARED_WITH_ME", OWNER)
    assert [p["Id"] for p in rp_b.list_profiles()["ProfileSummaries"]] == [profile["Id"]]

    rp_a.associate_profile(ProfileId=profile["Id"], ResourceId=owner_vpc, Name="a")
    b_assoc = rp_b.associate_profile(ProfileId=profile["Id"], ResourceId=workload_vpc, Name="b")
    assert b_assoc["ProfileAssociation"]["OwnerId"] == WORKLOAD

    # the VPC owner's account associates its own VPC: not another account's VPC
    with pytest.raises(ClientError) as exc:
        rp_a.associate_profile(ProfileId=profile["Id"], ResourceId=other_vpc, Name="c")
    assert error_code(exc) == "AccessDeniedException"
    with pytest.raises(ClientError) as exc:
        rp_b.associate_profile(ProfileId=profile["Id"], ResourceId=owner_vpc, Name="c")
    assert error_code(exc) == "AccessDeniedException"

    # only the owner attaches resources
    zone = make_phz("shared.internal", workload_vpc, WORKLOAD)
    with pytest.raises(ClientError) as exc:
        rp_b.associate_resource_to_profile(ProfileId=profile["Id"], ResourceArn=phz_arn(zone), Name="z")
    assert error_code(exc) == "AccessDeniedException"

    # the owner lists every association of its Profile, the workload account only its VPCs'
    owner_list = {
        a["ResourceId"]
        for a in rp_a.list_profile_associations(ProfileId=profile["Id"])["ProfileAssociations"]
    }
    assert owner_list == {owner_vpc, workload_vpc}
    b_list = [a["ResourceId"] for a in rp_b.list_profile_associations()["ProfileAssociations"]]
    assert b_list == [workload_vpc]

    get_clock().advance(20)
    view = settled_view(OTHER, REGION)  # region-wide, whichever account asks
    assert view["vpc_profiles"][workload_vpc][0]["vpc_owner_id"] == WORKLOAD
    assert view["vpc_profiles"][owner_vpc][0]["profile_id"] == profile["Id"]

    # an account the Profile is not shared with still sees nothing
    with pytest.raises(ClientError) as exc:
        client("route53profiles", OTHER).get_profile(ProfileId=profile["Id"])
    assert error_code(exc) == "ResourceNotFoundException"


# ---- pagination and tags ---------------------------------------------------------------------------


def test_pagination_next_token_and_max_results() -> None:
    rp = client("route53profiles")
    ids = [make_profile(f"p{i}")["Id"] for i in range(5)]
    first = rp.list_profiles(MaxResults=2)
    assert [p["Id"] for p in first["ProfileSummaries"]] == ids[:2]
    second = rp.list_profiles(MaxResults=2, NextToken=first["NextToken"])
    assert [p["Id"] for p in second["ProfileSummaries"]] == ids[2:4]
    third = rp.list_profiles(MaxResults=2, NextToken=second["NextToken"])
    assert [p["Id"] for p in third["ProfileSummaries"]] == ids[4:]
    assert "NextToken" not in third

    pages = rp.get_paginator("list_profiles").paginate(PaginationConfig={"PageSize": 2})
    assert [p["Id"] for page in pages for p in page["ProfileSummaries"]] == ids

    vpcs = [make_vpc() for _ in range(3)]
    for index, vpc in enumerate(vpcs):
        rp.associate_profile(ProfileId=ids[index], ResourceId=vpc, Name=f"a{index}")
    pages = rp.get_paginator("list_profile_associations").paginate(PaginationConfig={"PageSize": 1})
    assert [a["ResourceId"] for page in pages for a in page["ProfileAssociations"]] == vpcs

    with pytest.raises(ClientError) as exc:
        rp.list_profiles(NextToken="not-a-token!")
    assert error_code(exc) == "InvalidNextTokenException"


def test_tags_on_profiles_and_associations() -> None:
    rp = client("route53profiles")
    profile = rp.create_profile(Name="central", ClientToken="t", Tags=[{"Key": "team", "Value": "net"}])[
        "Profile"
    ]
    assert rp.list_tags_for_resource(ResourceArn=profile["Arn"])["Tags"] == {"team": "net"}
    rp.tag_resource(ResourceArn=profile["Arn"], Tags={"env": "prod"})
    rp.untag_resource(ResourceArn=profile["Arn"], TagKeys=["team"])
    assert rp.list_tags_for_resource(ResourceArn=profile["Arn"])["Tags"] == {"env": "prod"}

    vpc = make_vpc()
    assoc = rp.associate_profile(
        ProfileId=profile["Id"], ResourceId=vpc, Name="a", Tags=[{"Key": "k", "Value": "v"}]
    )["ProfileAssociation"]
    assoc_arn = f"arn:aws:route53profiles:{REGION}:{OWNER}:profile-association/{assoc['Id']}"
    assert rp.list_tags_for_resource(ResourceArn=assoc_arn)["Tags"] == {"k": "v"}

    with pytest.raises(ClientError) as exc:
        rp.list_tags_for_resource(ResourceArn=f"arn:aws:route53profiles:{REGION}:{OWNER}:profile/rp-missing")
    assert error_code(exc) == "ResourceNotFoundException"


# ---- server mode ---------------------------------------------------------------------------------------


def test_threaded_moto_server_serves_route53profiles() -> None:
    from moto_server import moto_server

    with moto_server(REGION) as served:
        rp = served.client("route53profiles")
        profile = rp.create_profile(Name="srv", ClientToken="srv")["Profile"]
        rp.tag_resource(ResourceArn=profile["Arn"], Tags={"a": "b"})  # ARN in the path
        assert rp.list_tags_for_resource(ResourceArn=profile["Arn"])["Tags"] == {"a": "b"}
        with pytest.raises(ClientError) as exc:
            rp.get_profile(ProfileId="rp-missing")
        assert error_code(exc) == "ResourceNotFoundException"

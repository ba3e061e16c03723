"""IAM in the twin (twin/iam.py): the templates' roles, evaluated on every call a role session makes.

One twin of the multi-account example with template.yaml and member.yaml deployed; each test calls AWS
directly with a role's credentials, as a function would, and checks what AWS would allow or deny.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from profile_migrator.aws.session import (
    Account,
    assume_role,
    forget_roles,
    invocation_credentials,
    shared_session,
)
from profile_migrator.estate import load_scenario
from profile_migrator.models import AccountRef, Ctx
from profile_migrator.runtime import accounts_for
from profile_migrator.vocabulary import STEP_FUNCTIONS

from twin.asl import state_machine_credentials
from twin.config import get_settings
from twin.core import Twin
from twin.deploy import Deployment, deploy
from twin.iam import ORGANIZATION_ID, Principal, enforce, evaluate, trusts
from twin.roles import credentials

pytestmark = pytest.mark.twin

ROOT = Path(__file__).resolve().parents[2]
NETWORK, WORKLOADS = "111111111111", "222222222222"
MEMBER = "profile-migrator-member"


@pytest.fixture(scope="module")
def twin() -> Iterator[tuple[Twin, Deployment]]:
    with Twin(load_scenario(ROOT / "examples" / "multi-account.yaml"), resolvers=False) as tw:
        yield tw, deploy(tw)


def session_of(tw: Twin, role_arn: str) -> Account:
    """An account acting as a session of ``role_arn`` (what a function of that role gets)."""
    sts = tw.accounts()["network"].client("sts")
    return Account(shared_session(), tw.scn.region, credentials=credentials(sts, role_arn, "test"))


def central(tw: Twin, role: str) -> Account:
    return session_of(tw, f"arn:aws:iam::{NETWORK}:role/{MEMBER}-{role}")


def member(tw: Twin, account: str, via: str = "step") -> Account:
    forget_roles()
    return assume_role(central(tw, via), f"arn:aws:iam::{account}:role/{MEMBER}", "test")


def denied(exc: pytest.ExceptionInfo[ClientError], action: str) -> None:
    err = exc.value.response["Error"]
    assert err["Code"] in ("AccessDenied", "AccessDeniedException"), err
    assert action in str(exc.value), str(exc.value)


def test_functions_run_with_their_template_roles(twin: tuple[Twin, Deployment]) -> None:
    _, dep = twin
    assert dep.roles["PreflightFunction"].endswith(f":role/{MEMBER}-preflight")
    assert dep.roles["DeleteZoneFunction"] == dep.roles["CreateParkingVpcFunction"]  # one step role
    assert dep.roles["GateFunction"].endswith(":role/profile-migrator-GateFunctionRole")  # SAM's own


def test_member_role_trusts_only_the_central_roles(twin: tuple[Twin, Deployment]) -> None:
    tw, _ = twin
    for account in (NETWORK, WORKLOADS):  # the central account reaches itself through the member role too
        assert member(tw, account).client("sts").get_caller_identity()["Account"] == account
    # A central role that may call sts:AssumeRole but is not one of the four the member role names.
    iam = tw.accounts()["network"].client("iam")
    trust = {
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ]
    }
    iam.create_role(RoleName=f"{MEMBER}-other", AssumeRolePolicyDocument=json.dumps(trust))
    allow_all = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
    }
    iam.put_role_policy(RoleName=f"{MEMBER}-other", PolicyName="p", PolicyDocument=json.dumps(allow_all))
    enforce(f"arn:aws:iam::{NETWORK}:role/{MEMBER}-other")  # as if another stack had deployed it
    with pytest.raises(ClientError) as exc:
        central(tw, "other").client("sts").assume_role(
            RoleArn=f"arn:aws:iam::{WORKLOADS}:role/{MEMBER}", RoleSessionName="xx"
        )
    denied(exc, "sts:AssumeRole")
    # The gate's role (SAM's) has no sts:AssumeRole at all.
    gate = session_of(tw, twin[1].roles["GateFunction"])
    with pytest.raises(ClientError) as exc:
        gate.client("sts").assume_role(
            RoleArn=f"arn:aws:iam::{WORKLOADS}:role/{MEMBER}", RoleSessionName="xx"
        )
    denied(exc, "sts:AssumeRole")


def test_trust_needs_the_organization() -> None:
    caller = Principal(f"arn:aws:iam::{NETWORK}:role/{MEMBER}-step", "s")
    doc = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{NETWORK}:root"},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "ArnEquals": {"aws:PrincipalArn": [caller.role_arn]},
                    "StringEquals": {"aws:PrincipalOrgID": "o-other000000"},
                },
            }
        ]
    }
    context = {"aws:PrincipalArn": [caller.role_arn], "aws:PrincipalOrgID": [ORGANIZATION_ID]}
    assert not trusts(doc, caller, context)
    doc["Statement"][0]["Condition"]["StringEquals"]["aws:PrincipalOrgID"] = ORGANIZATION_ID
    assert trusts(doc, caller, context)


def test_parking_vpc_only_created_tagged_and_only_it_deleted(twin: tuple[Twin, Deployment]) -> None:
    tw, _ = twin
    ec2 = member(tw, WORKLOADS).client("ec2")
    with pytest.raises(ClientError) as exc:
        ec2.create_vpc(CidrBlock="100.64.0.0/28")  # without the parking tag
    denied(exc, "ec2:CreateVpc")
    parking = [{"ResourceType": "vpc", "Tags": [{"Key": "profile-migrator:parking", "Value": "true"}]}]
    vid = ec2.create_vpc(CidrBlock="100.64.0.0/28", TagSpecifications=parking)["Vpc"]["VpcId"]
    dev = tw.built.vpcs["dev"]  # type: ignore[union-attr]
    with pytest.raises(ClientError) as exc:  # no VPC can be made to look like a parking VPC afterwards
        ec2.create_tags(Resources=[dev], Tags=[{"Key": "profile-migrator:parking", "Value": "true"}])
    denied(exc, "ec2:CreateTags")
    with pytest.raises(ClientError) as exc:
        ec2.delete_vpc(VpcId=dev)
    denied(exc, "ec2:DeleteVpc")
    ec2.delete_vpc(VpcId=vid)


def test_records_only_endpoint_names_and_alias_types(twin: tuple[Twin, Deployment]) -> None:
    tw, _ = twin
    r53 = member(tw, NETWORK).client("route53")
    zone = tw.built.zones["lambda-zone"]  # type: ignore[union-attr]

    def change(name: str, typ: str) -> None:
        rr: dict[str, Any] = {"Name": name, "Type": typ, "TTL": 60, "ResourceRecords": [{"Value": '"x"'}]}
        r53.change_resource_record_sets(
            HostedZoneId=zone, ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": rr}]}
        )

    with pytest.raises(ClientError) as exc:
        change("lambda.us-east-1.amazonaws.com", "TXT")
    denied(exc, "route53:ChangeResourceRecordSets")
    with pytest.raises(ClientError) as exc:
        change("www.example.com", "A")
    denied(exc, "route53:ChangeResourceRecordSets")


def test_ssm_only_the_probe_registry(twin: tuple[Twin, Deployment]) -> None:
    tw, _ = twin
    ssm = member(tw, WORKLOADS).client("ssm")
    ssm.get_parameters_by_path(Path="/profile-migrator/probes/", Recursive=True)
    with pytest.raises(ClientError) as exc:
        ssm.get_parameters_by_path(Path="/prod/secrets/", Recursive=True)
    denied(exc, "ssm:GetParametersByPath")


def test_functions_invoke_only_what_their_role_names(twin: tuple[Twin, Deployment]) -> None:
    tw, dep = twin
    step = central(tw, "step")
    with pytest.raises(ClientError) as exc:
        step.client("lambda").invoke(FunctionName=dep.functions["PreflightFunction"], Payload=b"{}")
    denied(exc, "lambda:InvokeFunction")
    with pytest.raises(ClientError) as exc:  # the run table, not another
        step.client("dynamodb").get_item(TableName="other", Key={"pk": {"S": "x"}, "sk": {"S": "y"}})
    denied(exc, "dynamodb:GetItem")


def test_the_migration_may_run_every_step_function_and_no_other(twin: tuple[Twin, Deployment]) -> None:
    """A step's Task invokes whatever ARN the step carries (``$.step.function_arn``): the state machine's role
    is what limits it to the step functions (one LambdaInvokePolicy each)."""
    tw, dep = twin
    creds = state_machine_credentials[dep.state_machine_arn]
    lam = Account(shared_session(), tw.scn.region, credentials=creds).client("lambda")
    for fn in STEP_FUNCTIONS:
        out = lam.invoke(FunctionName=dep.functions[f"{fn}Function"], Payload=b"{}")
        assert out.get("FunctionError"), fn  # allowed: the handler ran and refused the empty event
    for other in ("OnboardAssociateFunction", "ApprovalCallbackFunction"):
        with pytest.raises(ClientError) as exc:
            lam.invoke(FunctionName=dep.functions[other], Payload=b"{}")
        denied(exc, "lambda:InvokeFunction")


def test_switch_off_lets_every_call_through(twin: tuple[Twin, Deployment]) -> None:
    tw, _ = twin
    ssm = member(tw, WORKLOADS).client("ssm")
    get_settings().iam = False
    try:
        ssm.get_parameters_by_path(Path="/prod/secrets/", Recursive=True)
    finally:
        get_settings().iam = True


def test_evaluation_rules() -> None:
    allow = {"Effect": "Allow", "Action": "ec2:DeleteVpc", "Resource": "arn:aws:ec2:*:1:vpc/*"}
    deny = {"Effect": "Deny", "Action": "ec2:*", "Resource": "*"}
    vpc = ["arn:aws:ec2:us-east-1:1:vpc/vpc-1"]
    assert evaluate([{"Statement": [allow]}], "ec2:DeleteVpc", vpc, {}) == "Allow"
    assert evaluate([{"Statement": [allow]}, {"Statement": deny}], "ec2:DeleteVpc", vpc, {}) == "Deny"
    assert (
        evaluate([{"Statement": [allow]}], "ec2:DeleteVpc", ["arn:aws:ec2:us-east-1:2:vpc/vpc-1"], {}) == ""
    )
    tagged = {**allow, "Condition": {"StringEquals": {"aws:ResourceTag/k": "v"}}}
    assert evaluate([{"Statement": [tagged]}], "ec2:DeleteVpc", vpc, {}) == ""  # key absent: no match
    assert evaluate([{"Statement": [tagged]}], "ec2:DeleteVpc", vpc, {"aws:ResourceTag/k": ["v"]}) == "Allow"
    only = {
        **allow,
        "Condition": {"ForAllValues:StringEquals": {"route53:ChangeResourceRecordSetsRecordTypes": ["A"]}},
    }
    ctx = {"route53:ChangeResourceRecordSetsRecordTypes": ["A", "TXT"]}
    assert evaluate([{"Statement": [only]}], "ec2:DeleteVpc", vpc, ctx) == ""


def test_an_account_without_role_arn_is_reached_through_its_member_role(
    twin: tuple[Twin, Deployment],
) -> None:
    tw, _ = twin
    forget_roles()
    step = central(tw, "step")
    ctx = Ctx(
        region="us-east-1",
        accounts={"network": AccountRef(id=NETWORK), "workloads": AccountRef(id=WORKLOADS)},
    )
    token = invocation_credentials.set(step.credentials)  # as in an invocation of a step function
    try:
        accounts = accounts_for(ctx)
    finally:
        invocation_credentials.reset(token)
    for alias, account in (("network", NETWORK), ("workloads", WORKLOADS)):
        arn = accounts[alias].client("sts").get_caller_identity()["Arn"]
        assert arn.startswith(f"arn:aws:sts::{account}:assumed-role/{MEMBER}/"), arn

"""A probe proves a VPC resolves privately, so only the VPC's owner may provide it: preflight trusts a probe
registration (SSM /profile-migrator/probes/<vpc id>) only in the account that owns the VPC and only for a
function of that account. Another account's registration (a probe that always answers "private" would
defeat the proof) is refused before any change, naming the VPC, the account and what to delete."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from profile_migrator.aws.functions import PROBE_PARAMETER_PREFIX, register_probe
from profile_migrator.aws.session import tool_account
from profile_migrator.estate import parse_scenario
from profile_migrator.preflight import Refused, owned_probes, preflight
from profile_migrator.runtime import table_name

from twin.core import Twin

pytestmark = pytest.mark.twin

ROOT = Path(__file__).resolve().parents[2]
NETWORK, WORKLOADS = "111111111111", "222222222222"


@pytest.fixture(scope="module")
def twin() -> Iterator[Twin]:
    scn = parse_scenario(yaml.safe_load((ROOT / "examples/multi-account.yaml").read_text()), "multi-account")
    with Twin(scn, resolvers=False) as tw:
        # The run table (template.yaml's RunTable): preflight reads the endpoints' locks before it plans.
        tool_account().client("dynamodb").create_table(
            TableName=table_name(),
            AttributeDefinitions=[{"AttributeName": k, "AttributeType": "S"} for k in ("pk", "sk")],
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        yield tw


def _fn(account: str, vpc_id: str) -> str:
    return f"arn:aws:lambda:us-east-1:{account}:function:profile-migrator-probe-{vpc_id}"


def _request() -> dict[str, object]:
    return json.loads((ROOT / "examples/console/multi-account.json").read_text())


def _refusal(tw: Twin, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, str]]:
    monkeypatch.setenv("MEMBER_ROLE_NAME", "profile-migrator-member")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.delenv("RUN_BUCKET", raising=False)  # a preflight that got past the check would fail there
    with pytest.raises(Refused) as exc:
        preflight(_request(), "exec-probes")
    return json.loads(str(exc.value))


def test_a_probe_registered_by_another_account_is_refused(tw_probes: Twin, monkeypatch) -> None:
    tw = tw_probes
    shared = tw.built.vpcs["shared-services"]  # the network account's VPC
    workloads = tw.accounts()["workloads"]
    register_probe(workloads, shared, _fn(WORKLOADS, shared))  # the workloads account claims it
    try:
        problems = _refusal(tw, monkeypatch)
    finally:
        workloads.client("ssm").delete_parameter(Name=f"{PROBE_PARAMETER_PREFIX}{shared}")
    assert problems == [
        {
            "code": "PROBE_NOT_OWNED",
            "resource": "shared-services",
            "message": f"VPC shared-services ({shared}): account 'workloads' registered a probe for it "
            f"({PROBE_PARAMETER_PREFIX}{shared} = {_fn(WORKLOADS, shared)}), but the VPC belongs to account "
            f"'network': only a VPC's owner may register its probe; delete {PROBE_PARAMETER_PREFIX}{shared} "
            "in account 'workloads'",
        }
    ]


def test_the_owner_may_not_register_another_accounts_function(tw_probes: Twin, monkeypatch) -> None:
    tw = tw_probes
    dev = tw.built.vpcs["dev"]  # the workloads account's VPC, its probe pointed at a network function
    register_probe(tw.accounts()["workloads"], dev, _fn(NETWORK, dev))
    try:
        problems = _refusal(tw, monkeypatch)
    finally:
        register_probe(tw.accounts()["workloads"], dev, _fn(WORKLOADS, dev))
    assert [p["code"] for p in problems] == ["PROBE_NOT_OWNED"]
    assert problems[0]["message"] == (
        f"VPC dev ({dev}): account 'workloads' registered it as {PROBE_PARAMETER_PREFIX}{dev}: the probe "
        f"{_fn(NETWORK, dev)} is a function of account {NETWORK}, not of the VPC's owner {WORKLOADS}"
    )


def test_owned_probes_are_trusted_and_flagged(tw_probes: Twin) -> None:
    tw = tw_probes
    from profile_migrator.models import MigrationInput

    found = tw.discover()
    doc = found.scenario.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    registered: dict[str, dict[str, str]] = {"network": {}, "workloads": {}}
    owner = {"shared-services": "network", "tools": "network", "dev": "workloads", "prod": "workloads"}
    for name, alias in owner.items():
        vid = tw.built.vpcs[name]
        registered[alias][vid] = _fn(NETWORK if alias == "network" else WORKLOADS, vid)
    trusted = owned_probes(doc, found.vpc_ids, registered, MigrationInput.model_validate(_request()))
    assert trusted == {tw.built.vpcs[n]: registered[a][tw.built.vpcs[n]] for n, a in owner.items()}
    estate = ("shared-services", "tools", "dev", "prod", "staging")
    assert {n: doc["vpcs"][n]["probe"] for n in estate} == {
        "shared-services": True,
        "tools": True,
        "dev": True,
        "prod": True,
        "staging": False,  # no registration: no probe (the plan decides what that means)
    }


@pytest.fixture
def tw_probes(twin: Twin) -> Iterator[Twin]:
    """The twin with a probe registered by each VPC's owner (what member.yaml does), removed afterwards."""
    assert twin.built is not None
    owner = {"shared-services": "network", "tools": "network", "dev": "workloads", "staging": "workloads"}
    owner["prod"] = "workloads"
    ids = {"network": NETWORK, "workloads": WORKLOADS}
    for name, alias in owner.items():
        vid = twin.built.vpcs[name]
        register_probe(twin.accounts()[alias], vid, _fn(ids[alias], vid))
    try:
        yield twin
    finally:
        for name, alias in owner.items():
            twin.accounts()[alias].client("ssm").delete_parameter(
                Name=f"{PROBE_PARAMETER_PREFIX}{twin.built.vpcs[name]}"
            )


# -- names: any Name tag AWS accepts; a tag two resources carry is never silently one of them ------------


def _retag(tw: Twin, endpoint: str, name: str) -> None:
    assert tw.built is not None
    acct = tw.accounts()["network"]  # the endpoints live in the shared services VPC (network account)
    acct.client("ec2").create_tags(
        Resources=[tw.built.endpoints[endpoint]], Tags=[{"Key": "Name", "Value": name}]
    )


def test_a_name_tag_with_spaces_names_its_endpoint_in_the_input(tw_probes: Twin, monkeypatch) -> None:
    """AWS accepts spaces (and more) in a Name tag: discovery names that endpoint by its id, and the input
    may still call it by its tag. Preflight plans (it stops only at the run bucket this test leaves out)."""
    from profile_migrator.runtime import RunMissing

    tw = tw_probes
    _retag(tw, "lambda", "Lambda endpoint (prod)")
    request = _request()
    request["endpoints"] = ["Lambda endpoint (prod)", "logs", "ssm"]
    monkeypatch.setenv("MEMBER_ROLE_NAME", "profile-migrator-member")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.delenv("RUN_BUCKET", raising=False)
    try:
        with pytest.raises(RunMissing):  # discovered, planned, proven safe: only the documents are left
            preflight(request, "exec-names")
    finally:
        _retag(tw, "lambda", "lambda")


def test_a_name_tag_two_endpoints_carry_is_refused_naming_both(tw_probes: Twin, monkeypatch) -> None:
    tw = tw_probes
    assert tw.built is not None
    _retag(tw, "logs", "lambda")  # now two endpoints carry Name=lambda
    request = _request()
    request["endpoints"] = ["lambda"]
    monkeypatch.setenv("MEMBER_ROLE_NAME", "profile-migrator-member")
    monkeypatch.delenv("RUN_BUCKET", raising=False)
    try:
        with pytest.raises(Refused) as exc:
            preflight(request, "exec-clash")
    finally:
        _retag(tw, "logs", "logs")
    ids = [tw.built.endpoints["lambda"], tw.built.endpoints["logs"]]
    (problem,) = json.loads(str(exc.value))
    assert problem["code"] == "AMBIGUOUS_NAME" and problem["resource"] == "lambda"
    assert problem["message"].startswith(
        "endpoint 'lambda': the Name tag 'lambda' is carried by 2 resources ("
    )
    assert sorted(problem["message"].split("(")[1].split(")")[0].split(", ")) == sorted(ids)

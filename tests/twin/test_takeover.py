"""A new execution taking over the locks of one that no longer runs waits for the changes that one left in
flight (AS-5), then plans; past the poll timeout it refuses, naming them.

The real preflight function runs in the twin with its own role (template.yaml's PreflightRole: the run table
and DescribeExecution are what it needs for this); the previous holder is an execution that does not exist
(``GONE``, as after an abort and a purge) whose audit trail records a Route 53 change still PENDING.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from profile_migrator import pause
from profile_migrator.estate import load_scenario

from twin.clock import get_clock
from twin.core import Twin
from twin.deploy import Deployment, deploy, execution_input

pytestmark = pytest.mark.twin

ROOT = Path(__file__).resolve().parents[2]
OLD = "profile-migrator-aborted-before"


@pytest.fixture(scope="module")
def twin() -> Iterator[tuple[Twin, Deployment]]:
    with Twin(load_scenario(ROOT / "examples" / "path1-direct-phz.yaml")) as tw:  # probes need resolvers
        yield tw, deploy(tw)


def _preflight(tw: Twin, dep: Deployment, poll: dict[str, Any] | None = None) -> dict[str, Any]:
    lam = tw.accounts()["network"].client("lambda")
    inp = execution_input(tw, dep, poll=poll)
    resp = lam.invoke(
        FunctionName=dep.functions["PreflightFunction"],
        Payload=json.dumps({"request": inp, "execution": "profile-migrator-new"}),
    )
    out: dict[str, Any] = json.loads(resp["Payload"].read())
    if resp.get("FunctionError"):
        out["function_error"] = resp["FunctionError"]
    return out


def _leave_in_flight(tw: Twin, dep: Deployment, vpc: str) -> str:
    """What an aborted execution leaves: its lock on the endpoint and a step whose change is PENDING."""
    acct = tw.accounts()["network"]
    r53 = acct.client("route53")
    zone = tw.built.zones["lambda-zone"]
    change = r53.disassociate_vpc_from_hosted_zone(
        HostedZoneId=zone, VPC={"VPCRegion": tw.scn.region, "VPCId": tw.built.vpcs[vpc]}
    )["ChangeInfo"]["Id"]
    now = pause.now()  # the handlers' clock (the twin's simulated one)
    ddb = acct.client("dynamodb")

    def put(pk: str, sk: str, doc: dict[str, Any]) -> None:
        ddb.put_item(
            TableName=dep.table, Item={"pk": {"S": pk}, "sk": {"S": sk}, "doc": {"S": json.dumps(doc)}}
        )

    arn = f"arn:aws:states:{tw.scn.region}:111111111111:execution:profile-migrator-migrate:{OLD}"
    put(f"lock#{tw.built.endpoints['lambda']}", "lock", {"execution": OLD, "execution_arn": arn, "at": now})
    step = {"index": 5, "action": "disassociate-vpc-from-zone", "vpc": vpc, "zone": "lambda-zone"}
    waits = [{"kind": "change", "account": "network", "id": change}]
    put(
        f"run#{OLD}",
        "step#00005#disassociate-vpc-from-zone",
        {**step, "status": "done", "waits": waits, "called_at": now, "attempt_at": now},
    )
    return str(change)


def test_a_change_an_aborted_execution_left_pending_is_waited_for_then_the_run_plans(twin) -> None:
    tw, dep = twin
    change = _leave_in_flight(tw, dep, "prod")
    first = _preflight(tw, dep)
    assert first.get("ready") is False, first
    [why] = first["waiting_for"]
    assert OLD in why and change.split("/")[-1] in why and "disassociate-vpc-from-zone" in why
    # The previous holder is not asked to settle anything: AWS settles it (AS-3), and the next look plans.
    get_clock().sleep(tw.scn.twin.durations.phz_change + 1)
    second = _preflight(tw, dep)
    assert second.get("ready") is True, second
    assert second["summary"]["steps"] > 0


def test_a_change_pending_past_the_poll_timeout_refuses_naming_it(twin) -> None:
    tw, dep = twin
    change = _leave_in_flight(tw, dep, "dev")
    get_clock().sleep(3)
    out = _preflight(tw, dep, poll={"timeout_seconds": 1})
    assert out.get("function_error") and out["errorType"] == "Refused", out
    [problem] = json.loads(out["errorMessage"])
    assert problem["code"] == "CHANGE_IN_FLIGHT" and change.split("/")[-1] in problem["message"]

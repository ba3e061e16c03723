"""Probe gates over many VPCs (issue 8 item 5): the real Preflight and Gate functions deployed in the twin
invoke the VPCs' real probes concurrently, at most ``gate.concurrency`` at once, and a VPC whose probe
cannot run fails the gate."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from profile_migrator.estate import parse_scenario

from twin.core import Twin
from twin.deploy import Deployment, deploy, execution_input
from twin.dispatch import invocations, peak_concurrency, reset_invocations

pytestmark = pytest.mark.flow

N_WORKLOADS = 24
GATE = {"consecutive": 2, "interval_seconds": 2, "timeout_seconds": 4, "concurrency": 5}


def estate(n: int) -> dict[str, Any]:
    """One shared-services VPC with the endpoint and ``n`` workload VPCs, all in the direct-PHZ zone."""
    vpcs = {"shared-services": {"account": "network", "cidr": "10.0.0.0/24"}}
    vpcs |= {f"wl-{i:02d}": {"account": "network", "cidr": f"10.1.{i}.0/24"} for i in range(n)}
    dns = "lambda.us-east-1.amazonaws.com"
    return {
        "region": "us-east-1",
        "accounts": {"network": "111111111111"},
        "vpcs": vpcs,
        "endpoints": {"lambda": {"vpc": "shared-services", "service": "lambda", "private_dns": False}},
        "hosted_zones": {
            "lambda-zone": {
                "account": "network",
                "name": dns,
                "vpcs": list(vpcs),
                "records": [{"name": dns, "type": "A", "alias_to": "lambda"}],
            }
        },
        "profiles": {"central": {"account": "network", "vpcs": [], "hosted_zones": [], "endpoints": []}},
        "migration": {
            "profile": "central",
            "endpoints": ["lambda"],
            "approvals": "none",
            "parking_vpc": "auto",
        },
        "twin": {"time_scale": 0.01},
    }


@pytest.fixture(scope="module")
def deployed() -> Iterator[tuple[Twin, Deployment, dict[str, Any]]]:
    tw = Twin(parse_scenario(estate(N_WORKLOADS), "gate-scale")).start()
    try:
        dep = deploy(tw)
        pre = invoke(
            tw,
            dep,
            dep.functions["PreflightFunction"],
            {"request": execution_input(tw, dep, GATE), "execution": "gate-scale"},
        )
        assert pre["ready"], pre
        # The context lives in the run bucket (SF-5); these tests hand it to the gate inline.
        s3 = tw.accounts()[dep.account].client("s3")
        doc = json.loads(
            s3.get_object(Bucket=pre["run"]["bucket"], Key=pre["run"]["prefix"] + "context.json")[
                "Body"
            ].read()
        )
        pre["ctx"] = doc["ctx"]
        yield tw, dep, pre
    finally:
        tw.stop()


def invoke(tw: Twin, dep: Deployment, arn: str, event: dict[str, Any]) -> dict[str, Any]:
    resp = (
        tw.accounts()[dep.account]
        .client("lambda")
        .invoke(FunctionName=arn, Payload=json.dumps(event).encode())
    )
    body = json.loads(resp["Payload"].read())
    if resp.get("FunctionError"):
        raise AssertionError(body)
    return dict(body)


def gate_event(pre: dict[str, Any], state: dict[str, Any] | None = None) -> dict[str, Any]:
    vpcs = sorted(pre["ctx"]["watched"])
    return {"vpcs": vpcs, "ctx": pre["ctx"], "config": pre["config"], "state": state or {}, "steps": []}


def probe_peaks() -> list[int]:
    return [n for f, n in peak_concurrency().items() if f.startswith("profile-migrator-probe-")]


def test_a_gate_invokes_every_probe_at_most_concurrency_at_once(
    deployed: tuple[Twin, Deployment, dict[str, Any]],
) -> None:
    tw, dep, pre = deployed
    assert len(pre["ctx"]["watched"]) == N_WORKLOADS + 1
    gate_arn = next(a for k, a in dep.functions.items() if k.startswith("Gate"))
    reset_invocations()
    # One invocation checks, sleeps the interval (on the twin's clock), checks again: passed (issue 11).
    first = invoke(tw, dep, gate_arn, gate_event(pre))
    assert first["status"] == "passed" and first["checks"] == 2, first
    assert set(first["last"].values()) == {"private"} and set(first["streaks"].values()) == {2}
    assert invocations()[gate_arn.rsplit(":", 1)[-1]] == 1
    # Given a state (after a Wait state), it goes on from those streaks.
    again = invoke(tw, dep, gate_arn, gate_event(pre, {**first, "status": "pending"}))
    assert again["status"] == "passed" and again["checks"] == 3 and set(again["streaks"].values()) == {3}
    probes = {f: n for f, n in invocations().items() if f.startswith("profile-migrator-probe-")}
    assert len(probes) == N_WORKLOADS + 1 and set(probes.values()) == {3}  # one Invoke per VPC per check
    peak = peak_concurrency()["*"] - 1  # the gate itself runs throughout
    assert 1 < peak <= GATE["concurrency"], peak_concurrency()
    assert set(probe_peaks()) == {1}


@pytest.mark.parametrize("how", ["crash", "deleted"])
def test_one_vpc_whose_probe_cannot_run_fails_the_gate(
    deployed: tuple[Twin, Deployment, dict[str, Any]], how: str
) -> None:
    tw, dep, pre = deployed
    gate_arn = next(a for k, a in dep.functions.items() if k.startswith("Gate"))
    victim = "wl-17"
    arn = pre["ctx"]["probes"][victim]
    ctx = json.loads(json.dumps(pre["ctx"]))
    if how == "crash":
        from twin.config import get_settings

        get_settings().faults.append({"kind": "crash", "function": arn, "times": 100})
    else:  # an ARN no function answers to
        ctx["probes"][victim] = arn + "-gone"
    try:
        ev = gate_event({**pre, "ctx": ctx})
        reset_invocations()
        # The gate checks every interval in its invocation until its timeout (4 s: three checks), then fails.
        failed = (
            tw.accounts()[dep.account]
            .client("lambda")
            .invoke(FunctionName=gate_arn, Payload=json.dumps(ev).encode())
        )
        body = json.loads(failed["Payload"].read())
        assert failed.get("FunctionError") and body["errorType"] == "GateFailed", body
        name = pre["ctx"]["watched"][victim][0]
        # A crashed probe is a FunctionError; an Invoke of an unknown function gives moto's echo (no answers).
        error = "probe-error:FunctionError" if how == "crash" else "probe-error:KeyError"
        assert f"{victim} {name} answered {error}" in body["errorMessage"]
        assert "last answers not private: " + f"{victim} {name} answered {error}" in body["errorMessage"]
        probes = {f: n for f, n in invocations().items() if f.startswith("profile-migrator-probe-")}
        assert set(probes.values()) == {3}  # every other VPC was probed at every check
    finally:
        from twin.config import get_settings

        get_settings().faults[:] = [f for f in get_settings().faults if f.get("kind") != "crash"]

"""New VPCs join the Profile (EV-1): the twin creates each event's VPC and delivers CloudTrail's
EventBridge event to the rules deployed from template.yaml (and member.yaml's forwarding rule), which
invoke the real trigger, which starts the real onboarding state machine."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import dns.resolver
import pytest
import yaml
from profile_migrator.aws import profiles
from profile_migrator.estate import Scenario, parse_scenario

from twin.core import Twin
from twin.deploy import deploy
from twin.events import EventPlayer, rehearse_events_only

pytestmark = pytest.mark.flow

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "onboarding.yaml"
LAMBDA = "lambda.us-east-1.amazonaws.com"


def scenario(**changes: Any) -> Scenario:
    doc = yaml.safe_load(EXAMPLE.read_text())
    doc.update(changes)
    return parse_scenario(doc, EXAMPLE.name)


def resolve(tw: Twin, vpc: str, name: str = LAMBDA) -> list[str]:
    ip, port = tw.fleet.address_of(vpc)
    res = dns.resolver.Resolver(configure=False)
    res.nameservers, res.port, res.lifetime = [ip], port, 2.0
    try:
        ans = res.resolve(name, "A", raise_on_no_answer=False)
    except dns.resolver.NXDOMAIN:
        return []
    return [r.address for r in ans] if ans.rrset is not None else []


def test_new_vpcs_are_onboarded_skipped_and_started_once() -> None:
    doc = yaml.safe_load(EXAMPLE.read_text())
    # A team Profile of the workloads account; `legacy` joins it at priority 100 and `teamed` at 500 before
    # their events arrive (RES-1: two Profiles per VPC; RES-12: ours must be evaluated first).
    doc["profiles"]["team"] = {"account": "workloads"}
    doc["events"].append(
        {"at": 25, "kind": "create-vpc", "vpc": "legacy", "account": "workloads", "cidr": "10.6.0.0/16"}
    )
    doc["events"].append(
        {"at": 26, "kind": "create-vpc", "vpc": "teamed", "account": "workloads", "cidr": "10.7.0.0/16"}
    )
    scn = parse_scenario(doc, EXAMPLE.name)
    tw = Twin(scn).start()
    try:

        def other_profile_first(name: str, vpc_id: str, alias: str) -> None:
            if name in ("legacy", "teamed"):
                assert tw.built is not None
                profiles.associate_vpc(
                    tw.accounts()[alias],
                    tw.built.profiles["team"],
                    vpc_id,
                    f"team-{name}",
                    100 if name == "legacy" else 500,
                )

        result = rehearse_events_only(scn, twin=tw, on_created=other_profile_first)
        rows = {r["vpc"]: r for r in result.onboarded}
        assert result.status == "SUCCEEDED", result.error
        assert {r["vpc"]: r["status"] for r in result.onboarded} == {
            "analytics": "ASSOCIATED",
            "tools": "ASSOCIATED",
            "sandbox": "SKIPPED",
            "legacy": "SKIPPED",
            "teamed": "ASSOCIATED",
        }
        assert rows["sandbox"]["reason"].startswith("OPTED_OUT:"), rows["sandbox"]
        assert "profile-migrator:opt-out" in rows["sandbox"]["reason"]
        assert rows["legacy"]["reason"].startswith("SHADOWED_BY_OTHER_PROFILE:"), rows["legacy"]
        assert set(result.onboarded[0]) == {"vpc", "status", "reason"}  # the contract's row

        # Read back through discovery: the new VPCs are on the Profile, the skipped ones are not.
        central = result.final["profiles"]["central"]["vpcs"]
        assert {"analytics", "tools", "teamed"} <= {v if isinstance(v, str) else v["vpc"] for v in central}
        assert {"vpc": "teamed", "priority": 400} in central  # read back with its priority (RES-12)
        assert not {"sandbox", "legacy"} & {v if isinstance(v, str) else v["vpc"] for v in central}
        assert tw.built is not None
        workloads = tw.accounts()["workloads"]
        assoc = profiles.associations_of_vpc(workloads, tw.built.vpcs["analytics"])
        assert [(a.profile_id, a.status) for a in assoc] == [
            (tw.built.profiles["central"], "COMPLETE")
        ]  # AS-1

        # Each VPC started one execution, though every event came twice and analytics' event four times.
        names = Counter(arn.rsplit(":", 1)[-1] for arn in result.executions)
        assert sorted(names.values()) == [1, 1, 1, 1, 1]
        assert set(names) == {f"onboard-{tw.built.vpcs[v]}" for v in rows}

        # The Profile carries the endpoint (RES-7): the onboarded VPC resolves it to its ENI IPs.
        private = tw.dns.private_ips(LAMBDA) if tw.dns else set()
        assert private
        got = resolve(tw, "analytics")
        assert got and set(got) <= private, got
        assert not set(resolve(tw, "sandbox")) & private  # skipped: public answer only
        got = resolve(tw, "teamed")  # beside its team Profile
        assert got and set(got) <= private, got
    finally:
        tw.stop()


def test_events_only_scenario_rehearses_and_reports_onboarded() -> None:
    scn = scenario(
        events=[
            {"at": 5, "kind": "create-vpc", "vpc": "analytics", "account": "workloads", "cidr": "10.3.0.0/16"}
        ]
    )
    assert scn.migration is None
    out = rehearse_events_only(scn).to_json()
    assert out["status"] == "SUCCEEDED", out["error"]
    assert out["onboarded"] == [{"vpc": "analytics", "status": "ASSOCIATED", "reason": ""}]
    assert (
        out["architecture"] == "migrated" and out["state_transitions"] > 0 and out["lambda_invocations"] > 0
    )
    assert out["api_calls"].get("route53profiles:AssociateProfile") == 1


def test_player_runs_beside_a_deployment_and_without_a_profile_nothing_is_deployed() -> None:
    doc = yaml.safe_load(EXAMPLE.read_text())
    doc["events"] = [
        {"at": 1, "kind": "create-vpc", "vpc": "analytics", "account": "workloads", "cidr": "10.3.0.0/16"}
    ]
    doc.pop("profiles")
    doc["endpoints"]["lambda"]["private_dns"] = True
    scn = parse_scenario(doc, EXAMPLE.name)
    with Twin(scn) as tw:
        dep = deploy(tw)
        # No onboarding rule without a Profile (the operations rule on RollbackFailed is always there).
        assert set(dep.rules) == {"RollbackFailedRule"} and "OnboardStateMachine" in dep.state_machines
        player = EventPlayer(tw, dep).start()
        assert player.wait()
        player.stop()
        assert player.results() == [
            {"vpc": "analytics", "status": "SKIPPED", "reason": player.results()[0]["reason"]}
        ]
        assert player.results()[0]["reason"].startswith("NOT_CONFIGURED:")


def test_a_new_vpc_with_a_probe_is_proven_by_it() -> None:
    """The probe step: the VPC's registered probe must answer privately for the Profile's endpoint (RES-7)."""
    from twin.deploy import _deploy_probe, load_template

    scn = scenario(
        events=[
            {"at": 2, "kind": "create-vpc", "vpc": "analytics", "account": "workloads", "cidr": "10.3.0.0/16"}
        ]
    )
    tpl = load_template()
    probe_props = tpl["Resources"]["SharedServicesProbeFunction"]["Properties"]
    glob = tpl["Globals"]["Function"]
    with Twin(scn) as tw:
        dep = deploy(tw)

        def with_probe(name: str, vpc_id: str, alias: str) -> None:  # what member.yaml deploys per VPC
            _deploy_probe(tw, probe_props, glob, name, alias)

        player = EventPlayer(tw, dep, on_created=with_probe).start()
        assert player.wait()
        player.stop()
        (row,) = player.details()
        assert row["status"] == "ASSOCIATED", row
        assert row["output"]["probe"] == "passed" and row["executions"] == 1

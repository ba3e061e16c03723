"""Two Profiles per VPC in the planner (RES-1, RES-12, CP-6): the target Profile's priority is chosen so the
plan is proven under both readings of RES-12, and refused when it cannot be."""

from __future__ import annotations

from typing import Any

import pytest
from profile_migrator.planner import plan
from profile_migrator.resolution import PRECEDENCES

from .helpers import LAMBDA, path1, plan_json, run_cli, scenario, write
from .replay import check_plan, check_plan_under


def _baseline(
    doc: dict[str, Any],
    priority: int,
    *,
    zone: dict[str, Any] | None = None,
    vpcs: tuple[str, ...] = ("dev",),
) -> dict[str, Any]:
    """dev (and ``vpcs``) keep Profile "baseline" at ``priority``; with ``zone`` it carries that zone."""
    doc["profiles"]["baseline"] = {
        "account": "network",
        "vpcs": [{"vpc": v, "priority": priority} for v in vpcs],
    }
    if zone is not None:
        doc["hosted_zones"]["baseline-zone"] = {"account": "network", "vpcs": ["shared-services"], **zone}
        doc["profiles"]["baseline"]["hosted_zones"] = ["baseline-zone"]
    return doc


PARENT = {
    "name": "us-east-1.amazonaws.com",
    "records": [{"name": "legacy.us-east-1.amazonaws.com", "type": "A", "values": ["10.9.9.9"]}],
}


def _join(obj: dict[str, Any], vpc: str) -> dict[str, Any]:
    return next(s for s in obj["steps"] if s["action"] == "associate-vpc-with-profile" and s["vpc"] == vpc)


def test_res12_parent_zone_on_the_other_profile_puts_ours_first() -> None:
    # Under priority-first, baseline (carrying the parent zone, no lambda record) would answer NXDOMAIN
    # once dev leaves the self-managed zone: the target Profile must be evaluated first.
    doc = _baseline(path1(), 300, zone=PARENT)
    obj = plan(scenario(doc)).to_json()
    assert obj["safe"], obj["problems"]
    assert _join(obj, "dev")["priority"] == 200 and obj["priorities"] == {"dev": 200}
    assert _join(obj, "prod").get("priority") is None  # no other Profile: AWS's default (CP-6)
    check_plan(scenario(doc), obj)  # both readings


def test_res12_other_profile_without_a_matching_zone_keeps_its_order() -> None:
    # Nothing baseline carries matches the service name: ours is evaluated after it, so every other
    # lookup of dev keeps its order.
    other = {
        "name": "corp.example.com",
        "records": [{"name": "app.corp.example.com", "type": "A", "values": ["10.8.8.8"]}],
    }
    doc = _baseline(path1(), 100, zone=other)
    obj = plan(scenario(doc)).to_json()
    assert obj["safe"], obj["problems"]
    assert obj["priorities"] == {"dev": 200}
    check_plan(scenario(doc), obj)


def test_res12_same_name_zone_on_the_other_profile_is_outranked() -> None:
    # baseline carries a same-name zone with a foreign answer: priority breaks the tie (specificity-first)
    # and decides alone (priority-first) -> ours first.
    same = {"name": LAMBDA, "records": [{"name": LAMBDA, "type": "A", "values": ["10.7.7.7"]}]}
    doc = _baseline(path1(), 500, zone=same)
    doc["hosted_zones"]["baseline-zone"]["vpcs"] = ["prod"]  # not on the endpoint's VPC (CP-1)
    doc["hosted_zones"]["lambda-zone"]["vpcs"] = ["shared-services", "dev"]
    obj = plan(scenario(doc)).to_json()
    assert obj["safe"], obj["problems"]
    assert obj["priorities"] == {"dev": 400}
    check_plan(scenario(doc), obj)


@pytest.mark.parametrize("other_priority", [100])
def test_res12_no_free_priority_before_the_other_is_refused_as_shadowed(other_priority: int) -> None:
    doc = _baseline(path1(), other_priority, zone=PARENT)
    obj = plan(scenario(doc)).to_json()
    assert not obj["safe"] and obj["steps"] == []
    [problem] = obj["problems"]
    assert problem["code"] == "SHADOWED_BY_OTHER_PROFILE" and problem["resource"] == "dev"
    assert "baseline" in problem["message"] and "priority-first" in problem["message"]


def test_res12_the_chosen_plan_would_fail_with_the_other_order() -> None:
    # The proof is not vacuous: with ours after baseline the replay finds dev's NXDOMAIN under
    # priority-first but not under specificity-first.
    doc = _baseline(path1(), 300, zone=PARENT)
    obj = plan(scenario(doc)).to_json()
    _join(obj, "dev")["priority"] = 400
    with pytest.raises(AssertionError):
        check_plan_under(scenario(doc), obj, "priority-first")
    check_plan_under(scenario(doc), obj, "specificity-first")


def test_migration_priority_is_used_as_given_and_proven() -> None:
    doc = _baseline(path1(priority=250), 300, zone=PARENT)
    obj = plan(scenario(doc)).to_json()
    assert obj["safe"] and obj["priorities"] == {"dev": 250}
    doc = _baseline(path1(priority=350), 300, zone=PARENT)  # after baseline: shadowed under priority-first
    obj = plan(scenario(doc)).to_json()
    assert [p["code"] for p in obj["problems"]] == ["SHADOWED_BY_OTHER_PROFILE"]


def test_a_vpc_already_in_both_profiles_is_checked_not_changed() -> None:
    doc = _baseline(path1(), 100, zone=PARENT)
    doc["profiles"]["central"]["vpcs"] = [{"vpc": "dev", "priority": 600}]
    obj = plan(scenario(doc)).to_json()
    assert [(p["code"], p["resource"]) for p in obj["problems"]] == [("SHADOWED_BY_OTHER_PROFILE", "dev")]
    doc["profiles"]["baseline"]["vpcs"] = [{"vpc": "dev", "priority": 700}]
    obj = plan(scenario(doc)).to_json()
    assert obj["safe"] and obj["priorities"] == {}  # nothing to choose, nothing changed
    assert not [s for s in obj["steps"] if s["action"] == "associate-vpc-with-profile" and s["vpc"] == "dev"]
    check_plan(scenario(doc), obj)


def test_predictions_follow_the_scenarios_own_reading() -> None:
    doc = _baseline(path1(), 300, zone=PARENT)
    for precedence in PRECEDENCES:
        doc["twin"] = {"profile_precedence": precedence}
        obj = plan(scenario(doc)).to_json()
        assert obj["safe"] and obj["priorities"] == {"dev": 200}
        end = {(p["vpc"], p["name"]): p["via"] for p in obj["predicted"]}
        assert end[("dev", LAMBDA)] == "profile-endpoint:lambda"


def test_plan_cli_shows_the_chosen_priority(tmp_path: Any) -> None:
    path = write(tmp_path, _baseline(path1(), 300, zone=PARENT))
    code, obj, _ = plan_json(path)
    assert code == 0 and obj["priorities"] == {"dev": 200} and _join(obj, "dev")["priority"] == 200
    proc = run_cli("plan", path)
    assert proc.returncode == 0
    assert "joins at priority 200" in proc.stdout and "priority 200" in proc.stdout


def test_res12_a_gate_probes_only_what_is_private_under_both_readings() -> None:
    # w1 keeps `legacy` at 100 carrying the parent zone and is in `central` at 200: once the endpoint is on
    # central, w1 resolves it privately under specificity-first only. Its probe must not hold the gate
    # (under priority-first it would never pass); it was never private, so nothing is lost.
    doc = path1(vpcs=("ss", "w1"))
    doc["hosted_zones"] = {
        "regional": {"account": "network", "name": "us-east-1.amazonaws.com", "vpcs": ["ss"]}
    }
    doc["profiles"]["central"]["vpcs"] = [{"vpc": "w1", "priority": 200}]
    doc["profiles"]["legacy"] = {
        "account": "network",
        "vpcs": [{"vpc": "w1", "priority": 100}],
        "hosted_zones": ["regional"],
    }
    obj = plan(scenario(doc)).to_json()
    assert obj["safe"], obj["problems"]
    assert all("w1" not in s["gate"] for s in obj["steps"])
    check_plan(scenario(doc), obj)

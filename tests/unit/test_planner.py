"""The planner: published order plus parking, every problem code through the CLI, multi-account, waves,
greenfield / migrated / mixed, and the planner's promise checked by an independent replay (property)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from profile_migrator.estate import ScenarioError, load_scenario, parse_scenario
from profile_migrator.planner import MAX_WAVE, PARKING_TAG, plan
from profile_migrator.vocabulary import DESTRUCTIVE, INVERSE

from .helpers import ESTATES, EXAMPLES, LAMBDA, dns, estate_doc, path1, path2, plan_json, scenario, write
from .replay import AwsRefusal, Replay, check_plan

PATH1 = EXAMPLES / "path1-direct-phz.yaml"
PATH2 = EXAMPLES / "path2-profile-phz.yaml"


def actions(obj: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(action, its VPC or zone) of each step."""
    return [(s["action"], s.get("vpc") or s.get("zone")) for s in obj["steps"]]


def predicted_by_step(obj: dict[str, Any]) -> list[dict[tuple[str, str], tuple[str, str]]]:
    """The full (VPC, name) -> (answer, via) table after each step, rebuilt from the change-only list."""
    table: dict[tuple[str, str], tuple[str, str]] = {}
    out = []
    by_step: dict[int, list[dict[str, Any]]] = {}
    for p in obj["predicted"]:
        by_step.setdefault(p["after_step"], []).append(p)
    for i in range(len(obj["steps"]) + 1):
        for p in by_step.get(i, []):
            table[(p["vpc"], p["name"])] = (p["answer"], p["via"])
        out.append(dict(table))
    return out


# -- the published examples -----------------------------------------------------------------------------

PATH1_ORDER = [
    ("associate-vpc-with-profile", "shared-services"),
    ("associate-vpc-with-profile", "dev"),
    ("associate-vpc-with-profile", "prod"),
    ("associate-zone-with-profile", "lambda-zone"),
    ("disassociate-vpc-from-zone", "shared-services"),
    # The parking of step 6 runs beside steps 2 and 3 (no watched VPC resolves through it; issue 11).
    ("create-parking-vpc", "parking-lambda-zone"),
    ("enable-private-dns", "shared-services"),
    ("associate-vpc-with-zone", "parking-lambda-zone"),
    ("disassociate-zone-from-profile", "lambda-zone"),
    ("associate-endpoint-with-profile", None),
    ("disassociate-vpc-from-zone", "dev"),
    ("disassociate-vpc-from-zone", "prod"),
    ("delete-zone-record", "lambda-zone"),
    ("delete-zone", "lambda-zone"),
    ("delete-parking-vpc", "parking-lambda-zone"),
]
PATH2_ORDER = [
    ("associate-vpc-with-zone", "dev"),
    ("associate-vpc-with-zone", "prod"),
    *PATH1_ORDER[4:],
]


@pytest.mark.parametrize(
    ("path", "architecture", "order"),
    [(PATH1, "direct-phz", PATH1_ORDER), (PATH2, "profile-phz", PATH2_ORDER)],
    ids=["path1", "path2"],
)
def test_published_examples_plan_the_published_order_plus_parking(
    path: Path, architecture: str, order: list[tuple[str, str | None]]
) -> None:
    code, obj, stderr = plan_json(path)
    assert code == 0, stderr
    assert obj["safe"] and obj["problems"] == [] and obj["warnings"] == []
    assert obj["architecture"] == architecture
    assert actions(obj) == order
    assert [s["index"] for s in obj["steps"]] == list(range(1, len(order) + 1))
    published = [s["published_step"] for s in obj["steps"] if "parking-" not in str(s.get("vpc"))]
    assert published == sorted(published)  # the published order, parking slotted beside steps 2 and 3
    # Every watched (VPC, name) answers privately at every step.
    tables = predicted_by_step(obj)
    assert set(tables[0]) == {(v, LAMBDA) for v in ("shared-services", "dev", "prod")}
    for i, table in enumerate(tables):
        assert all(ans == "private" for ans, _ in table.values()), (i, table)
    assert tables[-1] == {
        ("shared-services", LAMBDA): ("private", "managed-zone"),
        ("dev", LAMBDA): ("private", "profile-endpoint:lambda"),
        ("prod", LAMBDA): ("private", "profile-endpoint:lambda"),
    }
    # predicted lists changes only: nothing repeated with the same answer and via.
    seen: dict[tuple[str, str], tuple[str, str]] = {}
    for p in obj["predicted"]:
        key, val = (p["vpc"], p["name"]), (p["answer"], p["via"])
        assert seen.get(key) != val
        seen[key] = val
    check_plan(load_scenario(path), obj)


def test_published_examples_steps_carry_the_contract_fields() -> None:
    _, obj, _ = plan_json(PATH1)
    fields = {
        "associate-vpc-with-profile": {"vpc"},
        "associate-zone-with-profile": {"zone"},
        "authorize-vpc-association": {"zone", "vpc"},
        "associate-vpc-with-zone": {"zone", "vpc"},
        "disassociate-vpc-from-zone": {"zone", "vpc"},
        "enable-private-dns": {"endpoint"},
        "disassociate-zone-from-profile": {"zone"},
        "associate-endpoint-with-profile": {"endpoint"},
        "create-parking-vpc": {"vpc"},
        "delete-zone-record": {"zone", "record"},
        "delete-zone": {"zone"},
        "delete-parking-vpc": {"vpc"},
    }
    for s in obj["steps"]:
        assert fields[s["action"]] <= set(s), s
        assert isinstance(s["gate"], list)
        assert s["destructive"] == (s["action"] in DESTRUCTIVE)
        assert s["action"] in INVERSE
    delete = next(s for s in obj["steps"] if s["action"] == "delete-zone-record")
    assert delete["record"] == LAMBDA


def test_gates_name_the_vpcs_whose_resolution_the_step_touches() -> None:
    _, obj, _ = plan_json(PATH1)
    gates = {(s["action"], s.get("vpc") or s.get("zone")): s["gate"] for s in obj["steps"]}
    assert gates[("disassociate-vpc-from-zone", "dev")] == ["dev"]
    assert gates[("enable-private-dns", "shared-services")] == ["shared-services"]
    assert gates[("associate-endpoint-with-profile", None)] == ["shared-services", "dev", "prod"]
    assert gates[("create-parking-vpc", "parking-lambda-zone")] == []


@pytest.mark.parametrize("path", [PATH1, PATH2], ids=["path1", "path2"])
def test_procedure_published_predicts_the_nxdomain_window(path: Path) -> None:
    code, obj, _ = plan_json(path, "--procedure", "published")
    assert code == 0
    assert obj["procedure"] == "published"
    acts = [a for a, _ in actions(obj)]
    assert "create-parking-vpc" not in acts
    # Route 53 keeps the last VPC (CP-3): only dev leaves in step 6; prod waits for the zone's deletion.
    assert [v for a, v in actions(obj) if a == "disassociate-vpc-from-zone"] == ["shared-services", "dev"]
    assert [(w["code"], w["resource"]) for w in obj["warnings"]] == [("NXDOMAIN_WINDOW", "prod")]
    idx = acts.index("delete-zone-record") + 1
    tables = predicted_by_step(obj)
    assert tables[idx][("prod", LAMBDA)] == ("nxdomain", "zone:lambda-zone")
    assert tables[idx + 1][("prod", LAMBDA)] == ("private", "profile-endpoint:lambda")  # after delete-zone
    nx = [(p["after_step"], p["vpc"]) for p in obj["predicted"] if p["answer"] != "private"]
    assert nx == [(idx, "prod")]
    assert all(s["gate"] == [] for s in obj["steps"])  # the published procedure has no probes


def test_published_path1_associates_every_vpc_and_the_zone_with_the_profile_first() -> None:
    _, obj, _ = plan_json(PATH1, "--procedure", "published")
    assert actions(obj)[:4] == PATH1_ORDER[:4]


def test_parking_none_warns_and_keeps_the_published_order(tmp_path: Path) -> None:
    code, obj, _ = plan_json(write(tmp_path, path1(parking_vpc="none")))
    assert code == 0 and obj["safe"]
    assert [(w["code"], w["resource"]) for w in obj["warnings"]] == [("NXDOMAIN_WINDOW", "prod")]
    acts = [a for a, _ in actions(obj)]
    assert "create-parking-vpc" not in acts and "delete-parking-vpc" not in acts
    assert actions(obj) == [
        a
        for a in PATH1_ORDER
        if "parking" not in (a[1] or "") and a != ("disassociate-vpc-from-zone", "prod")
    ]
    published = [s["published_step"] for s in obj["steps"]]
    assert published == sorted(published)
    idx = acts.index("delete-zone-record") + 1
    assert predicted_by_step(obj)[idx][("prod", LAMBDA)][0] == "nxdomain"
    # A gate holds only VPCs predicted to answer privately: prod cannot pass one inside its window.
    assert "prod" not in obj["steps"][idx - 1]["gate"]
    assert obj["steps"][idx]["gate"] == ["prod"]  # delete-zone: prod is back, through the Profile
    check_plan(scenario(path1(parking_vpc="none")), obj)


def test_named_parking_vpc_is_used_as_given(tmp_path: Path) -> None:
    doc = path1(parking_vpc="spare")
    doc["vpcs"]["spare"] = {"account": "network", "cidr": "10.9.0.0/16", "probe": False}
    code, obj, _ = plan_json(write(tmp_path, doc))
    assert code == 0, obj["problems"]
    acts = actions(obj)
    assert not any("parking" in a for a, _ in acts)  # nothing created or deleted
    assert acts[8:12] == [
        ("associate-vpc-with-zone", "spare"),
        ("disassociate-vpc-from-zone", "dev"),
        ("disassociate-vpc-from-zone", "prod"),
        ("delete-zone-record", "lambda-zone"),
    ]
    assert ("disassociate-vpc-from-zone", "spare") not in acts
    assert {p["vpc"] for p in obj["predicted"]} == {"shared-services", "dev", "prod"}
    check_plan(scenario(doc), obj)


@pytest.mark.parametrize("on_zone", [True, False], ids=["still-on-the-zone", "not-yet-on-the-zone"])
def test_an_aborted_runs_parking_vpc_is_reused_and_deleted(on_zone: bool) -> None:
    doc = path1()
    doc["vpcs"]["parking-lambda-zone"] = {
        "account": "network",
        "cidr": "10.9.0.0/16",
        "tags": {PARKING_TAG: "true"},
    }
    if on_zone:
        doc["hosted_zones"]["lambda-zone"]["vpcs"].append("parking-lambda-zone")
    obj = plan(scenario(doc)).to_json()
    assert obj["safe"], obj["problems"]
    acts = actions(obj)
    assert ("delete-parking-vpc", "parking-lambda-zone") in acts
    assert ("disassociate-vpc-from-zone", "parking-lambda-zone") not in acts
    assert {p["vpc"] for p in obj["predicted"]} == {"shared-services", "dev", "prod"}  # never watched
    assert not any(a == "create-parking-vpc" for a, _ in acts)  # reused, not created again
    assert (("associate-vpc-with-zone", "parking-lambda-zone") in acts) is not on_zone
    check_plan(scenario(doc), obj)


def test_an_aborted_runs_leftover_parking_vpc_is_deleted() -> None:
    doc = path1()
    doc["vpcs"]["parking-old"] = {"account": "network", "cidr": "10.9.0.0/16", "tags": {PARKING_TAG: "true"}}
    obj = plan(scenario(doc)).to_json()
    assert actions(obj)[-1] == ("delete-parking-vpc", "parking-old")
    check_plan(scenario(doc), obj)


def test_named_parking_vpc_already_on_the_zone_stays_on_it() -> None:
    # It must not leave with the others: the zone's last association cannot be removed (CP-3).
    doc = path1(parking_vpc="spare")
    doc["vpcs"]["spare"] = {"account": "network", "cidr": "10.9.0.0/16", "dns_hostnames": False}
    doc["hosted_zones"]["lambda-zone"]["vpcs"].append("spare")
    obj = plan(scenario(doc)).to_json()
    assert obj["safe"], obj["problems"]
    assert ("disassociate-vpc-from-zone", "spare") not in actions(obj)
    assert ("associate-vpc-with-zone", "spare") not in actions(obj)
    check_plan(scenario(doc), obj)


# -- every problem code, through the CLI ---------------------------------------------------------------

PROBLEM_ESTATES = {
    "foreign-records.yaml": ("FOREIGN_RECORDS", "lambda-zone"),
    "profile-not-shared.yaml": ("PROFILE_NOT_SHARED", "dev"),
    "vpc-profile-limit.yaml": ("VPC_PROFILE_LIMIT", "dev"),
    "shadowed-by-other-profile.yaml": ("SHADOWED_BY_OTHER_PROFILE", "dev"),
    "priority-in-use.yaml": ("PRIORITY_IN_USE", "dev"),
    "no-probe.yaml": ("NO_PROBE", "prod"),
    "endpoint-not-found.yaml": ("ENDPOINT_NOT_FOUND", "sqs"),
    "endpoint-not-available.yaml": ("ENDPOINT_NOT_AVAILABLE", "lambda"),
    "vpc-dns-disabled.yaml": ("VPC_DNS_DISABLED", "shared-services"),
    "zone-name-mismatch.yaml": ("ZONE_NAME_MISMATCH", "regional-zone"),
    "unsafe-step-parking-on-workload-vpc.yaml": ("UNSAFE_STEP", "dev"),
    "unsafe-step-stale-zone-on-profile.yaml": ("UNSAFE_STEP", "shared-services"),
    "unsafe-step-last-association.yaml": ("UNSAFE_STEP", "lambda-zone"),
    "profile-not-found.yaml": ("PROFILE_NOT_FOUND", "centrall"),
}


def test_every_problem_code_has_an_estate() -> None:
    codes = {
        "FOREIGN_RECORDS",
        "PROFILE_NOT_SHARED",
        "VPC_PROFILE_LIMIT",
        "SHADOWED_BY_OTHER_PROFILE",
        "PRIORITY_IN_USE",
        "NO_PROBE",
        "ENDPOINT_NOT_FOUND",
        "ENDPOINT_NOT_AVAILABLE",
        "VPC_DNS_DISABLED",
        "ZONE_NAME_MISMATCH",
        "UNSAFE_STEP",
        "PROFILE_NOT_FOUND",
    }
    assert {c for c, _ in PROBLEM_ESTATES.values()} == codes
    assert {p.name for p in ESTATES.glob("*.yaml")} == set(PROBLEM_ESTATES)


@pytest.mark.parametrize("name", sorted(PROBLEM_ESTATES))
def test_problem_estate_is_refused_through_the_cli(name: str) -> None:
    code_expected, resource = PROBLEM_ESTATES[name]
    code, obj, _ = plan_json(ESTATES / name)  # stdout is one JSON object and nothing else
    assert code == 3
    assert obj["safe"] is False
    assert obj["steps"] == []
    assert [(p["code"], p["resource"]) for p in obj["problems"]] == [(code_expected, resource)]
    assert all(p["message"] for p in obj["problems"])


def test_refusal_in_human_mode_exits_3_too() -> None:
    from .helpers import run_cli

    proc = run_cli("plan", ESTATES / "foreign-records.yaml")
    assert proc.returncode == 3
    assert "FOREIGN_RECORDS" in proc.stdout and "REFUSED" in proc.stdout


def test_unsafe_step_messages_say_which_step_and_why() -> None:
    p = plan(load_scenario(ESTATES / "unsafe-step-parking-on-workload-vpc.yaml"))
    (prob,) = p.problems
    assert "delete-zone-record" in prob.message and "nxdomain" in prob.message
    p = plan(load_scenario(ESTATES / "unsafe-step-stale-zone-on-profile.yaml"))
    assert "profile-zone:lambda-zone-old" in p.problems[0].message
    p = plan(load_scenario(ESTATES / "unsafe-step-last-association.yaml"))
    assert "CP-3" in p.problems[0].message


def test_no_probe_is_only_for_vpcs_whose_resolution_changes() -> None:
    doc = path1()
    doc["vpcs"]["bystander"] = {"account": "network", "cidr": "10.8.0.0/16", "probe": False}
    assert plan(scenario(doc)).safe


def test_a_vpc_with_dns_off_is_warned_not_refused() -> None:
    doc = path1()
    doc["vpcs"]["dev"]["dns_hostnames"] = False
    p = plan(scenario(doc))
    assert p.safe
    assert [(w.code, w.resource) for w in p.warnings] == [("VPC_DNS_DISABLED", "dev")]


# -- multi-account -------------------------------------------------------------------------------------


def _path2_cross_account() -> dict[str, Any]:
    doc = path2()
    doc["accounts"]["workload"] = "222222222222"
    for v in ("dev", "prod"):
        doc["vpcs"][v]["account"] = "workload"
    doc["profiles"]["central"]["shared_with"] = ["workload"]
    return doc


def test_cross_account_zone_association_is_authorised_first() -> None:
    doc = _path2_cross_account()
    obj = plan(scenario(doc)).to_json()
    assert obj["safe"], obj["problems"]
    steps = obj["steps"]
    for vpc in ("dev", "prod"):
        auth = next(
            i for i, s in enumerate(steps) if s["action"] == "authorize-vpc-association" and s["vpc"] == vpc
        )
        assoc = next(
            i for i, s in enumerate(steps) if s["action"] == "associate-vpc-with-zone" and s["vpc"] == vpc
        )
        assert assoc == auth + 1
        assert steps[auth]["account"] == "network"  # the zone's account authorises (CP-9)
        assert steps[assoc]["account"] == "workload"  # the VPC's account associates (CP-9, CP-10)
        assert steps[auth]["zone"] == steps[assoc]["zone"] == "lambda-zone"
    # The tool's parking VPC lives in the zone's account: no authorisation needed for it.
    assert not any(s["action"] == "authorize-vpc-association" and "parking" in s["vpc"] for s in steps)
    check_plan(scenario(doc), obj)


def test_cross_account_vpcs_join_the_profile_from_their_own_account() -> None:
    doc = path1()
    doc["accounts"]["workload"] = "222222222222"
    doc["vpcs"]["dev"]["account"] = "workload"
    doc["profiles"]["central"]["shared_with"] = ["workload"]
    obj = plan(scenario(doc)).to_json()
    joins = {s["vpc"]: s["account"] for s in obj["steps"] if s["action"] == "associate-vpc-with-profile"}
    assert joins == {"shared-services": "network", "dev": "workload", "prod": "network"}
    check_plan(scenario(doc), obj)


def test_published_procedure_is_also_authorised_across_accounts() -> None:
    doc = _path2_cross_account()
    obj = plan(scenario(doc), "published").to_json()
    assert actions(obj)[:4] == [
        ("authorize-vpc-association", "dev"),
        ("associate-vpc-with-zone", "dev"),
        ("authorize-vpc-association", "prod"),
        ("associate-vpc-with-zone", "prod"),
    ]


def test_multi_account_example_is_mixed_and_safe() -> None:
    path = EXAMPLES / "multi-account.yaml"
    code, obj, _ = plan_json(path)
    assert code == 0, obj["problems"]
    assert obj["architecture"] == "mixed"
    archs = {e: info["architecture"] for e, info in obj["endpoints"].items()}
    assert archs["lambda"] == "direct-phz" and archs["logs"] == "profile-phz"
    scn = load_scenario(path)
    assert len(scn.accounts) == 2 and len(scn.endpoints) == 3 and len(scn.vpcs) == 5
    assert scn.profiles["central"].shared_with
    assert any(s["action"] == "authorize-vpc-association" for s in obj["steps"])
    # ssm is already on the Profile with Private DNS on: it only needs its VPCs moved off the old zone.
    ssm = [s["action"] for s in obj["steps"] if s.get("endpoint") == "ssm"]
    assert "enable-private-dns" not in ssm and "associate-endpoint-with-profile" not in ssm
    assert "delete-zone" in ssm
    for table in predicted_by_step(obj):
        assert all(ans == "private" for ans, _ in table.values())
    check_plan(scn, obj)


# -- several endpoints ---------------------------------------------------------------------------------


def _two_endpoints(doc: dict[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    logs = dns("logs")
    doc["endpoints"]["logs"] = {"vpc": "shared-services", "service": "logs"}
    zone = copy.deepcopy(doc["hosted_zones"]["lambda-zone"])
    zone.update(name=logs, records=[{"name": logs, "type": "A", "alias_to": "logs"}])
    doc["hosted_zones"]["logs-zone"] = zone
    if "lambda-zone" in doc["profiles"]["central"]["hosted_zones"]:
        doc["profiles"]["central"]["hosted_zones"].append("logs-zone")
    doc["migration"]["endpoints"] = ["lambda", "logs"]
    return doc


def test_endpoints_share_the_vpc_to_profile_steps() -> None:
    doc = _two_endpoints(path1())
    obj = plan(scenario(doc)).to_json()
    assert obj["safe"]
    joins = [s["vpc"] for s in obj["steps"] if s["action"] == "associate-vpc-with-profile"]
    assert joins == ["shared-services", "dev", "prod"]  # once each, not once per endpoint
    first_endpoint_step = next(i for i, s in enumerate(obj["steps"]) if s.get("endpoint"))
    assert all(s["action"] == "associate-vpc-with-profile" for s in obj["steps"][:first_endpoint_step])
    for ep in ("lambda", "logs"):
        mine = [s["action"] for s in obj["steps"] if s.get("endpoint") == ep]
        assert mine.count("enable-private-dns") == 1 and mine.count("delete-zone") == 1
    check_plan(scenario(doc), obj)


def test_two_endpoints_path2() -> None:
    doc = _two_endpoints(path2())
    obj = plan(scenario(doc)).to_json()
    assert obj["safe"] and obj["architecture"] == "profile-phz"
    assert not any(s["action"] == "associate-vpc-with-profile" for s in obj["steps"])
    check_plan(scenario(doc), obj)


# -- canary then waves ---------------------------------------------------------------------------------


def test_step6_canary_alone_then_growing_waves_of_at_most_max_wave() -> None:
    vpcs = ("shared-services", *(f"app-{i:02d}" for i in range(14)))
    doc = path1(vpcs=vpcs)
    obj = plan(scenario(doc)).to_json()
    assert obj["safe"]
    step6 = [
        s for s in obj["steps"] if s["action"] == "disassociate-vpc-from-zone" and s["published_step"] == 6
    ]
    assert [s["vpc"] for s in step6] == list(vpcs[1:])
    sizes = [[s["wave"] for s in step6].count(w) for w in dict.fromkeys(s["wave"] for s in step6)]
    assert sizes[0] == 1  # the canary is alone: the first real test of the Profile path
    assert all(n <= MAX_WAVE for n in sizes)
    assert sizes[:-1] == sorted(sizes[:-1])  # waves grow (the last may be a remainder)
    assert sizes == [1, 2, 4, 5, 2]
    assert sum(sizes) == len(vpcs) - 1
    # Waves are consecutive numbers and each step of a wave gates its own VPC.
    waves = sorted({s["wave"] for s in step6})
    assert waves == list(range(waves[0], waves[0] + len(waves)))
    assert all(s["gate"] == [s["vpc"]] for s in step6)
    # The VPC -> Profile associations run in waves of at most MAX_WAVE too (RL-1).
    joins = [s["wave"] for s in obj["steps"] if s["action"] == "associate-vpc-with-profile"]
    assert max(joins.count(w) for w in set(joins)) <= MAX_WAVE
    check_plan(scenario(doc), obj)


def test_waves_are_non_decreasing_over_the_plan() -> None:
    obj = plan(scenario(path1(vpcs=("shared-services", *(f"v{i}" for i in range(9)))))).to_json()
    waves = [s["wave"] for s in obj["steps"]]
    assert waves == sorted(waves) and waves[0] == 1


# -- greenfield, migrated, mixed --------------------------------------------------------------------------


def test_greenfield_example() -> None:
    path = EXAMPLES / "greenfield.yaml"
    code, obj, _ = plan_json(path)
    assert code == 0 and obj["architecture"] == "greenfield"
    assert actions(obj) == [
        ("associate-vpc-with-profile", "shared-services"),
        ("enable-private-dns", "shared-services"),
        ("associate-endpoint-with-profile", None),
    ]
    end = predicted_by_step(obj)[-1]
    assert end == {
        ("shared-services", LAMBDA): ("private", "managed-zone"),
        ("dev", LAMBDA): ("private", "profile-endpoint:lambda"),
        ("prod", LAMBDA): ("private", "profile-endpoint:lambda"),
    }
    check_plan(load_scenario(path), obj)


def test_greenfield_with_private_dns_already_on() -> None:
    scn = load_scenario(EXAMPLES / "greenfield.yaml")
    doc = scn.model_dump(mode="json", by_alias=True)
    doc["endpoints"]["lambda"]["private_dns"] = True
    doc["profiles"]["central"]["vpcs"].append("shared-services")
    obj = plan(parse_scenario(doc, "x")).to_json()
    assert actions(obj) == [("associate-endpoint-with-profile", None)]


def test_migrated_estate_has_nothing_to_do() -> None:
    doc = path2()
    doc["hosted_zones"] = {}
    doc["profiles"]["central"].update(hosted_zones=[], endpoints=["lambda"])
    doc["endpoints"]["lambda"]["private_dns"] = True
    obj = plan(scenario(doc)).to_json()
    assert obj["architecture"] == "migrated" and obj["safe"] and obj["steps"] == []
    assert {(p["vpc"], p["answer"]) for p in obj["predicted"]} == {
        ("shared-services", "private"),
        ("dev", "private"),
        ("prod", "private"),
    }


def test_no_migration_requested_is_a_safe_empty_plan(tmp_path: Path) -> None:
    doc = path1()
    del doc["migration"]
    code, obj, _ = plan_json(write(tmp_path, doc))
    assert code == 0 and obj["steps"] == [] and obj["safe"]


def test_mixed_estate_half_direct_half_profile() -> None:
    doc = path2()
    doc["hosted_zones"]["lambda-zone"]["vpcs"] = ["shared-services", "dev"]  # dev direct, prod via Profile
    obj = plan(scenario(doc)).to_json()
    assert obj["safe"] and obj["architecture"] == "mixed"
    assert ("associate-vpc-with-zone", "prod") in actions(obj)
    assert ("associate-vpc-with-zone", "dev") not in actions(obj)
    check_plan(scenario(doc), obj)


def test_mixed_architectures_across_endpoints() -> None:
    doc = _two_endpoints(path2())
    doc["profiles"]["central"]["hosted_zones"] = ["lambda-zone"]
    doc["hosted_zones"]["logs-zone"]["vpcs"] = ["shared-services", "dev", "prod"]
    obj = plan(scenario(doc)).to_json()
    assert obj["architecture"] == "mixed"
    assert {e: i["architecture"] for e, i in obj["endpoints"].items()} == {
        "lambda": "profile-phz",
        "logs": "direct-phz",
    }
    check_plan(scenario(doc), obj)


def test_planning_does_not_change_the_scenario() -> None:
    scn = load_scenario(PATH1)
    before = scn.model_dump()
    plan(scn)
    plan(scn, "published")
    assert scn.model_dump() == before


def test_plan_json_is_json() -> None:
    obj = plan(load_scenario(PATH1)).to_json()
    assert json.loads(json.dumps(obj)) == obj


# -- the replay catches what AWS would refuse (so the property below can fail) -------------------------------


def test_replay_refuses_private_dns_before_the_vpc_leaves_the_zone() -> None:
    rp = Replay(scenario(path1()))
    with pytest.raises(AwsRefusal, match="CP-1"):
        rp.apply({"index": 1, "action": "enable-private-dns", "endpoint": "lambda"})


def test_replay_refuses_the_last_association_and_unauthorised_cross_account() -> None:
    doc = path1(vpcs=("shared-services", "dev"))
    rp = Replay(scenario(doc))
    rp.apply(
        {
            "index": 1,
            "action": "disassociate-vpc-from-zone",
            "zone": "lambda-zone",
            "vpc": "dev",
            "account": "network",
        }
    )
    with pytest.raises(AwsRefusal, match="CP-3"):
        rp.apply(
            {
                "index": 2,
                "action": "disassociate-vpc-from-zone",
                "zone": "lambda-zone",
                "vpc": "shared-services",
                "account": "network",
            }
        )
    rp = Replay(scenario(_path2_cross_account()))
    with pytest.raises(AwsRefusal, match="CP-9"):
        rp.apply(
            {
                "index": 1,
                "action": "associate-vpc-with-zone",
                "zone": "lambda-zone",
                "vpc": "dev",
                "account": "workload",
            }
        )


def test_check_plan_catches_a_reordered_plan() -> None:
    obj = plan(scenario(path1())).to_json()
    steps = obj["steps"]
    # Leave the zone before the endpoint is on the Profile: dev goes public.
    bad = [s for s in steps if s["action"] != "associate-endpoint-with-profile"]
    with pytest.raises(AssertionError):
        check_plan(scenario(path1()), {**obj, "steps": bad})


# -- property: the planner's promise on random estates ----------------------------------------------------


@st.composite
def random_estates(draw: st.DrawFn) -> dict[str, Any]:
    accounts = {"net": "111111111111", "wl": "222222222222"}
    workload = [f"w{i}" for i in range(draw(st.integers(1, 4)))]
    vpcs: dict[str, Any] = {"ss": {"account": "net", "cidr": "10.0.0.0/16"}}
    for i, v in enumerate(workload, start=1):
        vpcs[v] = {"account": draw(st.sampled_from(["net", "wl"])), "cidr": f"10.{i}.0.0/16"}
        if draw(st.integers(0, 9)) == 0:
            vpcs[v]["probe"] = False
        if draw(st.integers(0, 9)) == 0:
            vpcs[v]["dns_hostnames"] = False
    names = list(vpcs)
    in_profile: set[str] = set(draw(st.lists(st.sampled_from(names), unique=True)))
    # RES-1 / RES-12: some VPCs keep another Profile ("legacy"), at a drawn priority; a few a third.
    legacy = [v for v in names if draw(st.integers(0, 4)) == 0]
    legacy_prio = {v: draw(st.sampled_from([100, 150, 300, 9900])) for v in legacy}
    firewall = [v for v in legacy if v not in in_profile and draw(st.integers(0, 11)) == 0]
    endpoints: dict[str, Any] = {}
    zones: dict[str, Any] = {}
    carried_zones: list[str] = []
    carried_endpoints: list[str] = []
    for svc in draw(
        st.lists(st.sampled_from(["lambda", "logs", "ssm"]), min_size=1, max_size=3, unique=True)
    ):
        home = "ss" if draw(st.integers(0, 4)) else draw(st.sampled_from(names))
        arch = draw(
            st.sampled_from(["direct", "direct", "profile", "profile", "partial", "greenfield", "migrated"])
        )
        name = dns(svc)
        zone = {
            "account": draw(st.sampled_from(["net", "wl"])),
            "name": name,
            "records": [{"name": name, "type": "A", "alias_to": svc}],
        }
        pdns = arch in ("partial", "migrated")
        endpoints[svc] = {"vpc": home, "service": svc, "private_dns": pdns}
        if arch == "direct":
            zone["vpcs"] = sorted(set(draw(st.lists(st.sampled_from(names), unique=True))) | {home})
        elif arch == "profile":
            zone["vpcs"] = [home] + draw(
                st.lists(st.sampled_from([v for v in names if v != home]), unique=True, max_size=1)
            )
            carried_zones.append(f"{svc}-zone")
        elif arch == "partial":
            zone["vpcs"] = (
                draw(st.lists(st.sampled_from([v for v in names if v != home]), unique=True, min_size=1))
                if len(names) > 1
                else []
            )
            carried_endpoints.append(svc)
        elif arch == "migrated":
            carried_endpoints.append(svc)
        if arch in ("direct", "profile", "partial") and zone.get("vpcs"):
            zones[f"{svc}-zone"] = zone
        elif arch == "profile":
            carried_zones.remove(f"{svc}-zone")
        if draw(st.integers(0, 5)) == 0:
            # A stale, empty zone of the same name on VPCs that have no zone of that name (CP-2 allows it).
            taken = set(zones.get(f"{svc}-zone", {}).get("vpcs", [])) | ({home} if pdns else set())
            free = [v for v in names if v not in taken]
            stale_vpcs = draw(st.lists(st.sampled_from(free), unique=True)) if free else []
            if stale_vpcs:
                zones[f"{svc}-stale"] = {"account": "net", "name": name, "vpcs": stale_vpcs}
    if draw(st.integers(0, 5)) == 0:
        # A regional parent zone with no records: the service zones are more specific (RES-2).
        zones["regional"] = {
            "account": "net",
            "name": "us-east-1.amazonaws.com",
            "vpcs": draw(st.lists(st.sampled_from(names), unique=True, min_size=1)),
        }
    members = [
        v if v not in legacy else {"vpc": v, "priority": 200 if legacy_prio[v] != 200 else 100}
        for v in sorted(in_profile)
    ]
    shared = ["wl"] if draw(st.integers(0, 4)) else []
    central = {
        "hosted_zones": carried_zones,
        "vpcs": members,
        "endpoints": carried_endpoints,
        "shared_with": shared,
    }
    doc: dict[str, Any] = {
        **estate_doc(accounts, vpcs, endpoints, zones, central),
        "migration": {
            "profile": "central",
            "endpoints": draw(st.lists(st.sampled_from(sorted(endpoints)), unique=True, min_size=1)),
            "parking_vpc": draw(st.sampled_from(["auto", "auto", "none", *names])),
        },
    }
    if legacy:
        doc["profiles"]["legacy"] = {
            "account": "net",
            "vpcs": [{"vpc": v, "priority": legacy_prio[v]} for v in legacy],
        }
        if "regional" in zones and draw(st.booleans()):
            doc["profiles"]["legacy"]["hosted_zones"] = ["regional"]  # a parent zone another Profile carries
    if firewall:
        doc["profiles"]["firewall"] = {
            "account": "net",
            "vpcs": [{"vpc": v, "priority": 5000} for v in firewall],
        }
    if draw(st.integers(0, 5)) == 0:
        doc["migration"]["priority"] = draw(st.sampled_from([100, 250, 9000]))
    return doc


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
@given(random_estates())
def test_property_a_safe_plan_keeps_every_private_answer_private(doc: dict[str, Any]) -> None:
    try:
        scn = parse_scenario(copy.deepcopy(doc), "generated")
    except ScenarioError:
        return  # e.g. a zone and its endpoint's Private DNS on the same VPC: AWS does not allow that estate
    for procedure in ("converge", "published"):
        result = plan(scn, procedure)  # type: ignore[arg-type]
        obj = result.to_json()
        event(f"{procedure}: {'safe ' + obj['architecture'] if obj['safe'] else obj['problems'][0]['code']}")
        if not obj["safe"]:
            assert obj["problems"] and obj["steps"] == []
            continue
        # Replayed independently: nothing AWS would refuse, every initially private answer stays private
        # after every step — except, for the published procedure or parking_vpc none, the warned step-7
        # NXDOMAIN window of the zone's last VPC.
        check_plan(scn, obj)  # under both readings of RES-12
        for step in obj["steps"]:
            if step["action"] == "associate-vpc-with-profile" and len(scn.profiles_of_vpc(step["vpc"])) == 1:
                assert step["priority"] not in (None, *scn.profiles_of_vpc(step["vpc"]).values())  # CP-6
                assert obj["priorities"][step["vpc"]] == step["priority"]
        if procedure == "published":
            assert all(s["gate"] == [] for s in obj["steps"])
            assert not any("parking" in s["action"] for s in obj["steps"])


def test_q1_the_published_procedure_past_a_zones_vpc_limit_is_refused() -> None:
    # The published path 2 associates the zone with every Profile VPC directly: past the zone's limit AWS
    # answers LimitsExceeded, so the literal plan is refused before any change.
    doc = path2()
    doc["hosted_zones"]["lambda-zone"]["max_vpcs"] = 2
    obj = plan(scenario(doc), "published").to_json()
    assert not obj["safe"]
    assert any(
        p["code"] == "UNSAFE_STEP" and "Q-1" in p["message"] and p["resource"] == "lambda-zone"
        for p in obj["problems"]
    ), obj["problems"]
    doc["hosted_zones"]["lambda-zone"]["max_vpcs"] = 3  # shared-services, dev and prod
    assert plan(scenario(doc), "published").to_json()["safe"]


# -- path 2 past a zone's VPC limit: bridge copies (Q-1) ---------------------------------------------------


def _path2_many(n: int, limit: int, *, workload_account: bool = False) -> dict[str, Any]:
    doc = path2(vpcs=("shared-services", *(f"app-{i:03d}" for i in range(n))))
    doc["hosted_zones"]["lambda-zone"]["max_vpcs"] = limit
    for j, vpc in enumerate(doc["vpcs"].values()):
        vpc["cidr"] = f"10.{j // 256}.{j % 256}.0/24"
    if workload_account:  # every other VPC in a second account (CP-9)
        doc["accounts"]["workload"] = "222222222222"
        for i in range(0, n, 2):
            doc["vpcs"][f"app-{i:03d}"]["account"] = "workload"
        doc["profiles"]["central"]["shared_with"] = ["workload"]
    return doc


def _check_bridged(doc: dict[str, Any], obj: dict[str, Any]) -> Replay:
    """Safe, replay-checked under both readings, no zone above its limit at any step, copies cleaned up."""
    assert obj["safe"], obj["problems"]
    rp = check_plan(scenario(doc), obj)  # Q-1 refusals in the replay; final state has no zone of the name
    for zone, peak in rp.peak.items():
        assert peak <= rp.zone_info[zone][2], (zone, peak)
    steps = obj["steps"]
    for bridge, orig in obj["bridges"].items():
        assert orig == "lambda-zone" and bridge not in scenario(doc).hosted_zones
        mine = [s for s in steps if s.get("zone") == bridge]
        kinds = [s["action"] for s in mine]
        # Created on its own parking VPC, given the alias, then associated; retired like the original.
        assert kinds[:3] == ["create-parking-vpc", "create-bridge-zone", "create-zone-record"], kinds
        assert mine[1]["vpc"] == mine[0]["vpc"] == obj_parking(obj, bridge)
        assert mine[1]["copy_of"] == mine[2]["copy_of"] == "lambda-zone"
        assert kinds[-3:] == ["delete-zone-record", "delete-zone", "delete-parking-vpc"], kinds
    parks = [s["vpc"] for s in steps if s["action"] == "create-parking-vpc"]
    # CP-2: one parking VPC per copy (plus the zone's own, unless parking_vpc is none)
    own = 0 if doc["migration"]["parking_vpc"] == "none" else 1
    assert len(parks) == len(set(parks)) == len(obj["bridges"]) + own
    return rp


def obj_parking(obj: dict[str, Any], copy: str) -> str:
    return next(s["vpc"] for s in obj["steps"] if s["action"] == "create-parking-vpc" and s["zone"] == copy)


def test_q1_path2_past_the_zones_limit_bridges_with_copies() -> None:
    doc = _path2_many(7, 3)
    obj = plan(scenario(doc)).to_json()
    rp = _check_bridged(doc, obj)
    # The zone: shared-services + 2 VPCs (shared-services leaves before the parking VPC joins); each copy:
    # its parking VPC + 2 VPCs.
    assert rp.peak["lambda-zone"] == 3
    assert sorted(obj["bridges"]) == ["lambda-zone-bridge-1", "lambda-zone-bridge-2", "lambda-zone-bridge-3"]
    assert [rp.peak[c] for c in sorted(obj["bridges"])] == [3, 3, 2]
    bridged = {
        s["vpc"]: s["zone"]
        for s in obj["steps"]
        if s["action"] == "associate-vpc-with-zone" and s["published_step"] == 1
    }
    assert len(bridged) == 7 and bridged["app-000"] == "lambda-zone"
    # Every bridge is in place before the zone leaves the Profile (steps 4-5 switch every VPC at once).
    leave = next(s["index"] for s in obj["steps"] if s["action"] == "disassociate-zone-from-profile")
    assert all(
        s["index"] < leave
        for s in obj["steps"]
        if s["action"] in ("create-bridge-zone", "create-zone-record")
        or (s["action"] == "associate-vpc-with-zone" and s["vpc"] in bridged)
    )
    # A copy holds its record before any workload VPC is associated with it (RES-3/RES-4: no NXDOMAIN).
    for bridge in obj["bridges"]:
        rec = next(
            s["index"] for s in obj["steps"] if s["action"] == "create-zone-record" and s["zone"] == bridge
        )
        first = min(
            s["index"]
            for s in obj["steps"]
            if s["action"] == "associate-vpc-with-zone" and s["zone"] == bridge
        )
        assert rec < first
    # No prediction changes when a copy or its record is created (only its parking VPC sees it).
    created = {
        s["index"] for s in obj["steps"] if s["action"] in ("create-bridge-zone", "create-zone-record")
    }
    assert not [p for p in obj["predicted"] if p["after_step"] in created]
    assert not [p for p in obj["problems"]] and obj["procedure"] == "converge"


def test_q1_without_parking_the_zone_keeps_its_room_and_copies_still_park() -> None:
    doc = _path2_many(4, 3)
    doc["migration"]["parking_vpc"] = "none"
    obj = plan(scenario(doc)).to_json()
    rp = _check_bridged(doc, obj)
    assert rp.peak["lambda-zone"] == 3  # shared-services + 2 VPCs
    assert not [
        w
        for w in obj["warnings"]
        if w["code"] == "NXDOMAIN_WINDOW"
        and w["resource"].startswith("app-0")
        and w["resource"] not in ("app-000", "app-001")
    ]  # a copy is parked: no window on its VPCs


def test_q1_cross_account_blocks_are_authorised_by_the_zones_account() -> None:
    doc = _path2_many(9, 4, workload_account=True)
    obj = plan(scenario(doc)).to_json()
    _check_bridged(doc, obj)
    steps = obj["steps"]
    for i, s in enumerate(steps):
        if (
            s["action"] == "associate-vpc-with-zone"
            and s["vpc"] in doc["vpcs"]
            and doc["vpcs"][s["vpc"]]["account"] == "workload"
        ):
            auth = steps[i - 1]
            assert (
                auth["action"] == "authorize-vpc-association"
                and auth["zone"] == s["zone"]
                and auth["vpc"] == s["vpc"]
            )
            assert auth["account"] == "network" and s["account"] == "workload"  # CP-9
    # The copies and their parking VPCs live in the zone's account.
    assert {s["account"] for s in steps if s["action"] in ("create-bridge-zone", "create-parking-vpc")} == {
        "network"
    }


def test_q1_a_320_vpc_path2_estate_plans_safe_with_no_zone_above_300() -> None:
    doc = _path2_many(320, 300)
    obj = plan(scenario(doc)).to_json()
    rp = _check_bridged(doc, obj)
    assert max(rp.peak.values()) <= 300
    assert rp.peak["lambda-zone"] == 300 and list(obj["bridges"]) == ["lambda-zone-bridge-1"]
    assert rp.peak["lambda-zone-bridge-1"] == 1 + 320 - 299  # its parking VPC + the overflow


def test_q1_a_copys_name_and_parking_vpc_are_unique_in_the_estate() -> None:
    doc = _path2_many(4, 3)
    doc["hosted_zones"]["lambda-zone-bridge-1"] = {
        "account": "network",
        "name": "other.example.internal",
        "vpcs": ["app-000"],
    }
    doc["vpcs"]["parking-lambda-zone-bridge-1-x"] = {"account": "network", "cidr": "10.200.0.0/16"}
    obj = plan(scenario(doc)).to_json()
    _check_bridged(doc, obj)
    assert list(obj["bridges"]) == ["lambda-zone-bridge-1-x"]
    assert obj_parking(obj, "lambda-zone-bridge-1-x") == "parking-lambda-zone-bridge-1-x-x"


def test_replay_refuses_an_association_past_a_zones_limit() -> None:
    doc = _path2_many(3, 2)
    rp = Replay(scenario(doc))
    rp.apply(
        {
            "index": 1,
            "action": "associate-vpc-with-zone",
            "zone": "lambda-zone",
            "vpc": "app-000",
            "account": "network",
        }
    )
    with pytest.raises(AwsRefusal, match="Q-1"):
        rp.apply(
            {
                "index": 2,
                "action": "associate-vpc-with-zone",
                "zone": "lambda-zone",
                "vpc": "app-001",
                "account": "network",
            }
        )

"""``profile-migrator discover`` as a person runs it: an estate served by ``twin serve`` in one process, read
back from another into a scenario file that ``plan`` and ``rehearse`` accept and that plans like the original
(names from Name tags, priorities, quotas)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from test_start_watch import ROOT, _cli, twin_serve

pytestmark = pytest.mark.e2e

EXAMPLE = ROOT / "examples" / "two-profiles.yaml"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("discover")
    doc = yaml.safe_load(EXAMPLE.read_text())
    doc["hosted_zones"]["corp"]["max_vpcs"] = 500  # a raised Q-1 quota: discover reads it back
    scenario = tmp / "estate.yaml"
    scenario.write_text(yaml.safe_dump(doc), encoding="utf-8")
    with twin_serve(scenario, tmp) as serving:
        yield {**serving, "tmp": tmp, "doc": doc, "scenario": scenario}


def _plan(path: Path) -> dict[str, Any]:
    proc = _cli("plan", str(path), "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _steps(plan: dict[str, Any]) -> list[tuple[Any, ...]]:
    return sorted(
        (s["action"], s.get("vpc"), s.get("zone"), s.get("endpoint"), s.get("priority"))
        for s in plan["steps"]
    )


def _by_vpc(entries: list[Any]) -> dict[str, int]:
    return {e: 100 for e in entries if isinstance(e, str)} | {
        e["vpc"]: e.get("priority", 100) for e in entries if isinstance(e, dict)
    }


def test_discover_reads_the_served_estate_into_a_scenario_that_plans_and_rehearses_like_the_original(
    served: dict[str, Any],
) -> None:
    out = served["tmp"] / "discovered.yaml"
    proc = _cli(
        "discover",
        "--ids",
        served["ids_file"],
        "--profile",
        "central",
        "--endpoints",
        "lambda",
        "-o",
        str(out),
    )
    assert proc.returncode == 0, proc.stderr
    assert "wrote" in proc.stderr and proc.stdout == ""
    got, want = yaml.safe_load(out.read_text()), served["doc"]
    assert {v: (e["account"], e["cidr"]) for v, e in got["vpcs"].items()} == {
        v: (e["account"], e["cidr"]) for v, e in want["vpcs"].items()
    }
    for z, zone in want["hosted_zones"].items():
        assert got["hosted_zones"][z]["name"] == zone["name"]
        assert sorted(got["hosted_zones"][z]["vpcs"]) == sorted(zone["vpcs"])
    assert got["hosted_zones"]["corp"]["max_vpcs"] == 500  # Q-1 read with GetHostedZoneLimit
    assert "max_vpcs" not in got["hosted_zones"]["lambda-zone"]  # the default stays implicit
    for p, prof in want["profiles"].items():
        assert _by_vpc(got["profiles"][p].get("vpcs", [])) == _by_vpc(prof.get("vpcs", []))  # RES-12
        assert sorted(got["profiles"][p].get("hosted_zones", [])) == sorted(prof.get("hosted_zones", []))
    assert got["migration"] == {"profile": "central", "endpoints": ["lambda"]}
    # The discovered file plans like the original: same steps, same chosen priorities.
    ours, original = _plan(out), _plan(served["scenario"])
    assert ours["safe"] and ours["architecture"] == original["architecture"]
    assert ours["priorities"] == original["priorities"] == {"dev": 200, "prod": 200}
    assert _steps(ours) == _steps(original)
    # ... and rehearses like it: the operator's own estate proven offline.
    proc = _cli("rehearse", str(out), "--json", timeout=600)
    result = json.loads(proc.stdout)
    assert proc.returncode == 0 and result["status"] == "SUCCEEDED", result.get("error")
    assert all(r["downtime_seconds"] == 0 for r in result["resolution"])


def test_discover_names_by_id_when_name_tags_clash_and_refuses_bad_input(served: dict[str, Any]) -> None:
    ids = served["ids"]
    keys = ids["accounts"]["network"]
    ec2 = boto3.client(
        "ec2",
        region_name=ids["region"],
        endpoint_url=ids["endpoint_url"],
        aws_access_key_id=keys["access_key_id"],
        aws_secret_access_key=keys["secret_access_key"],
        aws_session_token=keys.get("session_token"),
    )
    twin_vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    ec2.create_tags(Resources=[twin_vpc], Tags=[{"Key": "Name", "Value": "dev"}])  # a second "dev"
    proc = _cli("discover", "--ids", served["ids_file"])
    assert proc.returncode == 0, proc.stderr
    got = yaml.safe_load(proc.stdout)
    dev_id = ids["vpcs"]["dev"]["id"]
    assert "dev" not in got["vpcs"] and {dev_id, twin_vpc} <= set(got["vpcs"])  # never "first found wins"
    assert f"named by id: VPC {twin_vpc}: Name tag 'dev' is carried by 2 resources" in proc.stderr
    assert "migration" not in got
    # Bad input: a clear error naming the thing, exit 2, nothing written.
    for args, words in [
        (["--profile", "nope", "--endpoints", "lambda"], "no profile 'nope'"),
        (["--profile", "central"], "--profile and --endpoints go together"),
        (["--accounts", served["ids_file"]], "exactly one of --ids"),
    ]:
        proc = _cli("discover", "--ids", served["ids_file"], *args)
        assert proc.returncode == 2 and words in proc.stderr, (args, proc.stderr)
        assert proc.stdout == ""


def test_accounts_file_is_checked_before_any_call(tmp_path: Path) -> None:
    from profile_migrator_cli.commands_discover import read_accounts_file

    good = tmp_path / "accounts.yaml"
    good.write_text(
        'net: {id: "111111111111", role_arn: "arn:aws:iam::111111111111:role/profile-migrator-member"}\n'
        'wl: {id: "222222222222"}\n'
    )
    unquoted = tmp_path / "unquoted.yaml"
    unquoted.write_text("net: {id: 111111111111}\n")  # YAML reads a number: still 12 digits
    assert read_accounts_file(str(unquoted)) == {"net": {"id": "111111111111"}}
    assert read_accounts_file(str(good)) == {
        "net": {"id": "111111111111", "role_arn": "arn:aws:iam::111111111111:role/profile-migrator-member"},
        "wl": {"id": "222222222222"},
    }
    for text, words in [
        (
            'net: {id: "111111111111", role_arn: "arn:aws:iam::999999999999:role/x"}\n',
            "in account 999999999999",
        ),
        ('net: {id: "1111"}\n', "not a 12-digit account id"),
        ('net: {id: "111111111111", role: "x"}\n', "unknown keys"),
        ('net: {id: "111111111111", role_arn: "arn:aws:s3:::bucket"}\n', "not an IAM role ARN"),
    ]:
        bad = tmp_path / "bad.yaml"
        bad.write_text(text)
        proc = _cli("discover", "--accounts", str(bad), "--region", "us-east-1")  # refused before any call
        assert proc.returncode == 2 and words in proc.stderr, (text, proc.stderr)

"""Shared helpers for the unit tests: small estates built in code, and the real CLI in a subprocess."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
from profile_migrator.estate import Scenario, parse_scenario

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
ESTATES = Path(__file__).resolve().parent / "estates"
REGION = "us-east-1"
LAMBDA = f"lambda.{REGION}.amazonaws.com"


def dns(service: str) -> str:
    return f"{service}.{REGION}.amazonaws.com"


def path1(*, vpcs: tuple[str, ...] = ("shared-services", "dev", "prod"), **migration: Any) -> dict[str, Any]:
    """Published architecture 1 ("direct PHZ") as a scenario document; ``vpcs[0]`` holds the endpoint."""
    doc: dict[str, Any] = {
        "region": REGION,
        "accounts": {"network": "111111111111"},
        "vpcs": {v: {"account": "network", "cidr": f"10.{i}.0.0/16"} for i, v in enumerate(vpcs)},
        "endpoints": {"lambda": {"vpc": vpcs[0], "service": "lambda", "private_dns": False}},
        "hosted_zones": {
            "lambda-zone": {
                "account": "network",
                "name": LAMBDA,
                "vpcs": list(vpcs),
                "records": [{"name": LAMBDA, "type": "A", "alias_to": "lambda"}],
            }
        },
        "profiles": {"central": {"account": "network", "vpcs": [], "hosted_zones": [], "endpoints": []}},
        "migration": {"profile": "central", "endpoints": ["lambda"], "parking_vpc": "auto", **migration},
    }
    return doc


def path2(*, vpcs: tuple[str, ...] = ("shared-services", "dev", "prod"), **migration: Any) -> dict[str, Any]:
    """Published architecture 2 ("profile PHZ"): the zone on the Profile, every VPC in the Profile."""
    doc = path1(vpcs=vpcs, **migration)
    doc["hosted_zones"]["lambda-zone"]["vpcs"] = [vpcs[0]]
    doc["profiles"]["central"].update(vpcs=list(vpcs), hosted_zones=["lambda-zone"])
    return doc


def scenario(doc: dict[str, Any]) -> Scenario:
    return parse_scenario(copy.deepcopy(doc), "<test>")


def write(tmp_path: Path, doc: dict[str, Any], name: str = "scenario.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """``profile-migrator ARGS`` exactly as installed (``main()``), in a subprocess."""
    code = "import sys; from profile_migrator_cli.main import main; sys.argv[0] = 'profile-migrator'; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )


def plan_json(path: str | Path, *extra: str) -> tuple[int, dict[str, Any], str]:
    """Run ``plan PATH --json``; stdout must be exactly one JSON object. Returns (exit, object, stderr)."""
    proc = run_cli("plan", path, "--json", *extra)
    assert proc.stdout.strip(), f"no JSON on stdout (exit {proc.returncode}): {proc.stderr}"
    obj = json.loads(proc.stdout)  # the whole of stdout: nothing else may be printed there
    assert isinstance(obj, dict)
    return proc.returncode, obj, proc.stderr


def create_run_table(region: str, table: str) -> None:
    """The tool's DynamoDB table as template.yaml declares it (string ``pk`` hash, ``sk`` range keys), in the
    current moto mock."""
    boto3.client("dynamodb", region_name=region).create_table(
        TableName=table,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
    )


def estate_doc(
    accounts: dict[str, str],
    vpcs: dict[str, Any],
    endpoints: dict[str, Any],
    zones: dict[str, Any],
    central: dict[str, Any],
) -> dict[str, Any]:
    """A scenario document in us-east-1 with one Profile, ``central``, owned by account ``net``."""
    return {
        "region": "us-east-1",
        "accounts": accounts,
        "vpcs": vpcs,
        "endpoints": endpoints,
        "hosted_zones": zones,
        "profiles": {"central": {"account": "net", **central}},
    }

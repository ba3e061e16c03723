"""``profile-migrator rehearse EXAMPLE --procedure published --json`` as a subprocess: stdout holds exactly
the contract's JSON object (scenario-format.md "rehearse"), and the published procedure shows its step-7
NXDOMAIN window in the last VPC only (migration-procedure.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.twin

ROOT = Path(__file__).resolve().parents[2]
CLI = Path(sys.executable).parent / "profile-migrator"
EXAMPLES = ["path1-direct-phz.yaml", "path2-profile-phz.yaml"]
TIMEOUT = 300.0  # real seconds for one rehearsal (about 15 s unloaded, imports included)

# scenario-format.md, `rehearse SCENARIO --json`
CONTRACT_KEYS = {
    "status",
    "architecture",
    "problems",
    "simulated_seconds",
    "wall_seconds",
    "aws_wait_seconds",
    "state_transitions",
    "lambda_invocations",
    "api_calls",
    "approvals",
    "onboarded",
    "resolution",
    "final",
}
RESOLUTION_KEYS = {"vpc", "name", "samples", "private", "public", "nxdomain", "other", "downtime_seconds"}
FINAL_KEYS = {"vpcs", "endpoints", "hosted_zones", "profiles"}


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture(scope="module")
def runs() -> Iterator[dict[str, Run]]:
    """Both examples rehearsed at once (separate processes: each twin finds its own resolver block)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MOTO_"))}
    procs = {
        ex: subprocess.Popen(
            [str(CLI), "rehearse", str(ROOT / "examples" / ex), "--procedure", "published", "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=ROOT,
        )
        for ex in EXAMPLES
    }
    out: dict[str, Run] = {}
    try:
        for ex, proc in procs.items():
            stdout, stderr = proc.communicate(timeout=TIMEOUT)
            out[ex] = Run(proc.returncode, stdout.decode(), stderr.decode())
        yield out
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.communicate()


def _doc(run: Run) -> dict[str, Any]:
    try:
        doc = json.loads(run.stdout)  # the whole stdout: one JSON object and nothing else
    except json.JSONDecodeError as exc:
        pytest.fail(
            f"stdout is not one JSON object ({exc}):\n{run.stdout[:2000]}\n--- stderr:\n{run.stderr[-2000:]}"
        )
    assert isinstance(doc, dict)
    return doc


@pytest.mark.parametrize("example", EXAMPLES)
def test_published_rehearsal_prints_the_contract_object_and_exits_0(
    runs: dict[str, Run], example: str
) -> None:
    run = runs[example]
    doc = _doc(run)
    assert run.returncode == 0, run.stderr[-2000:]
    assert CONTRACT_KEYS <= set(doc), CONTRACT_KEYS - set(doc)
    assert doc["status"] == "SUCCEEDED", doc.get("error")
    assert doc["architecture"] == ("direct-phz" if example.startswith("path1") else "profile-phz")
    assert doc["problems"] == []
    for key in ("simulated_seconds", "wall_seconds", "aws_wait_seconds"):
        assert isinstance(doc[key], int | float) and doc[key] >= 0, key
    assert 0 < doc["aws_wait_seconds"] <= doc["simulated_seconds"]
    assert isinstance(doc["state_transitions"], int) and isinstance(doc["lambda_invocations"], int)
    assert doc["api_calls"] and all(isinstance(v, int) and v > 0 for v in doc["api_calls"].values())
    assert all(":" in k for k in doc["api_calls"])  # service:Operation
    assert doc["api_calls"].get("route53:DeleteHostedZone") == 1
    assert isinstance(doc["approvals"], list) and isinstance(doc["onboarded"], list)
    assert FINAL_KEYS <= set(doc["final"])
    # The published procedure reaches the target: the zone is gone, the endpoint is in the Profile.
    assert doc["final"]["hosted_zones"] == {}
    assert "lambda" in doc["final"]["profiles"]["central"].get("endpoints", [])
    assert doc["final"]["endpoints"]["lambda"].get("private_dns") is True


@pytest.mark.parametrize("example", EXAMPLES)
def test_published_rehearsal_loses_resolution_in_the_last_vpc_only(
    runs: dict[str, Run], example: str
) -> None:
    doc = _doc(runs[example])
    rows = {(r["vpc"], r["name"]): r for r in doc["resolution"]}
    assert set(rows) == {(v, "lambda.us-east-1.amazonaws.com") for v in ("shared-services", "dev", "prod")}
    for (vpc, _name), row in rows.items():
        assert set(row) == RESOLUTION_KEYS
        assert row["samples"] > 0
        assert row["public"] == 0 and row["other"] == 0, row  # no public answers, timeouts or SERVFAIL
        if vpc == "prod":  # step 7 deletes the zone while prod still sits on it: NXDOMAIN (RES-4)
            assert row["nxdomain"] > 0, row
            assert row["private"] + row["nxdomain"] == row["samples"], row
            assert row["downtime_seconds"] > 0, row
        else:
            assert row["nxdomain"] == 0 and row["private"] == row["samples"], row
            assert row["downtime_seconds"] == 0.0, row

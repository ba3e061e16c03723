"""A person's terminal session, end to end: ``twin serve --deploy`` in one process (the twin as a local AWS
endpoint with the project's state machine and functions deployed from template.yaml), then
``profile-migrator start`` and ``profile-migrator watch`` from another, over HTTP and DNS on loopback."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "examples" / "path1-direct-phz.yaml"
REQUEST = ROOT / "examples" / "console" / "single-endpoint.json"
RESOLVERS = ["127.0.1.1", "127.0.1.2", "127.0.1.3"]  # the twin's resolver addresses for the three VPCs
CLI = [sys.executable, "-c", "from profile_migrator_cli.main import main; main()"]


def _free_resolver_port() -> int:
    """An unprivileged port free for UDP and TCP on every resolver address."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind((RESOLVERS[0], 0))
            port = int(probe.getsockname()[1])
        try:
            for addr in RESOLVERS:
                for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                    with socket.socket(socket.AF_INET, kind) as s:
                        s.bind((addr, port))
        except OSError:
            continue
        return port
    raise RuntimeError("no free port for the resolvers")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_EC2_METADATA_DISABLED="true", PYTHONUNBUFFERED="1", COLUMNS="200")
    return env


def _cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=timeout
    )


@contextlib.contextmanager
def twin_serve(scenario: Path, tmp: Path, *extra: str) -> Iterator[dict[str, Any]]:
    """``profile-migrator twin serve SCENARIO`` in its own process until the block ends: its ids (AWS ids,
    endpoint URL, accounts), the ids file and its log."""
    ids_file = tmp / "ids.json"
    log = (tmp / "serve.log").open("w")
    args = [*CLI, "twin", "serve", str(scenario), "--ids", str(ids_file)]
    proc = subprocess.Popen(
        [*args, "--resolver-port", str(_free_resolver_port()), *extra],
        cwd=ROOT,
        env=_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not ids_file.exists():
            if proc.poll() is not None:
                pytest.fail(f"twin serve exited {proc.returncode}:\n{(tmp / 'serve.log').read_text()}")
            if time.monotonic() > deadline:
                pytest.fail(f"twin serve wrote no ids file in 120 s:\n{(tmp / 'serve.log').read_text()}")
            time.sleep(0.2)
        ids = json.loads(ids_file.read_text())
        yield {"ids": ids, "ids_file": str(ids_file), "log": tmp / "serve.log"}
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """``profile-migrator twin serve examples/path1-direct-phz.yaml --deploy`` until the module ends."""
    with twin_serve(SCENARIO, tmp_path_factory.mktemp("twin"), "--deploy") as serving:
        yield serving


def test_serve_deploy_writes_the_state_machine_into_the_ids(served: dict[str, Any]) -> None:
    ids = served["ids"]
    assert ids["state_machine_arn"].startswith("arn:aws:states:us-east-1:111111111111:stateMachine:")
    assert ids["accounts"]["network"]["id"] == "111111111111"
    assert ids["endpoint_url"].startswith("http://127.0.0.1:")


def test_a_request_the_model_rejects_never_starts(served: dict[str, Any], tmp_path: Path) -> None:
    bad = json.loads(REQUEST.read_text())
    bad["gate"]["consecutive"] = 0
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    run = _cli("start", str(path), "--ids", served["ids_file"])
    assert run.returncode == 2, run.stderr
    assert "gate.consecutive" in run.stderr and str(path) in run.stderr
    assert run.stdout == ""


def test_a_refused_request_exits_3_with_the_problems(served: dict[str, Any], tmp_path: Path) -> None:
    req = json.loads(REQUEST.read_text())
    req["endpoints"] = ["no-such-endpoint"]
    path = tmp_path / "refused.json"
    path.write_text(json.dumps(req))
    run = _cli("start", str(path), "--ids", served["ids_file"], "--account", "network", "--name", "refused")
    assert run.returncode == 0, run.stderr
    watch = _cli("watch", run.stdout.strip(), "--ids", served["ids_file"], "--interval", "0.5")
    assert watch.returncode == 3, watch.stdout + watch.stderr
    assert "REFUSED" in watch.stdout and "ENDPOINT_NOT_FOUND no-such-endpoint" in watch.stdout


def test_start_then_watch_migrates_the_published_estate(served: dict[str, Any]) -> None:
    ids = served["ids"]
    start = _cli(
        "start",
        str(REQUEST),
        "--endpoint-url",
        ids["endpoint_url"],
        "--ids",
        served["ids_file"],
        "--account",
        "network",
        "--state-machine-arn",
        ids["state_machine_arn"],
        "--name",
        "e2e-path1",
    )
    assert start.returncode == 0, start.stderr
    arn = start.stdout.strip()
    assert arn == "arn:aws:states:us-east-1:111111111111:execution:profile-migrator-migrate:e2e-path1"

    watch = _cli("watch", arn, "--ids", served["ids_file"], "--account", "network", "--interval", "0.5")
    out = watch.stdout
    assert watch.returncode == 0, out + watch.stderr + served["log"].read_text()
    lines = out.splitlines()
    assert lines[-2].startswith("SUCCEEDED after "), out
    # What a person saw on the way: the plan, each step with its AWS polls, each wave's probe gate.
    assert any(re.fullmatch(r"plan: direct-phz, \d+ steps in \d+ waves", ln) for ln in lines), out
    assert any("step 2 associate-vpc-with-profile VPC dev: performing" in ln for ln in lines), out
    # The first poll right after the call, the next at the change's expected duration (poll.expected_seconds).
    assert any(
        re.search(
            r"enable-private-dns lambda VPC shared-services: waiting for AWS: poll 1, next in \d+ s", ln
        )
        for ln in lines
    ), out
    assert any(" delete-parking-vpc " in ln and ln.endswith(": done") for ln in lines), out
    # A gate passes at its first own check when the steps counted the rest while the change settled
    # (gate.settled_answers), or at a later one: every gate line that says passed closes a gate.
    gates = [ln for ln in lines if ln.startswith("gate wave") and ln.endswith("— passed")]
    assert gates and all(re.search(r"check \d+:", ln) for ln in gates), out
    assert any("dev lambda.us-east-1.amazonaws.com private" in ln for ln in gates), out

    # The twin agrees: the old zone is gone and dev resolves the endpoint privately through its resolver.
    import dns.resolver
    from profile_migrator.aws.session import operator_account

    keys = ids["accounts"]["network"]
    acct = operator_account(
        region="us-east-1",
        endpoint_url=ids["endpoint_url"],
        credentials={
            "aws_access_key_id": keys["access_key_id"],
            "aws_secret_access_key": keys["secret_access_key"],
            "aws_session_token": keys["session_token"],
        },
    )
    assert acct.client("route53").list_hosted_zones()["HostedZones"] == []
    res = dns.resolver.Resolver(configure=False)
    res.nameservers = [ids["vpcs"]["dev"]["resolver"]]
    res.port = int(ids["vpcs"]["dev"]["resolver_port"])
    answer = [r.address for r in res.resolve("lambda.us-east-1.amazonaws.com", "A")]
    assert answer and all(a.startswith("10.0.") for a in answer), answer

"""``profile-migrator twin serve`` as a separate process (scenario-format.md "twin serve"): any AWS client
and any DNS client reach the scenario's estate; SIGTERM / SIGINT stop it cleanly."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import dns.resolver
import pytest
from botocore.config import Config

pytestmark = pytest.mark.twin

ROOT = Path(__file__).resolve().parents[2]
CLI = Path(sys.executable).parent / "profile-migrator"
EXAMPLE = ROOT / "examples" / "path1-direct-phz.yaml"
LAMBDA = "lambda.us-east-1.amazonaws.com"
START_TIMEOUT = 90.0  # real seconds to build the estate (a loaded 2-core machine)
STOP_TIMEOUT = 15.0  # real seconds from the signal to the exit (about 3 s unloaded: teardown of moto)


def free_port() -> int:
    """A port free for both UDP and TCP on loopback (the resolvers take the same number for both)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = int(udp.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free port")


@dataclass
class Served:
    proc: subprocess.Popen[bytes]
    ids: dict[str, Any]
    stdout: Path
    stderr: Path

    def client(self, service: str, account: str = "network") -> Any:
        acct = self.ids["accounts"][account]
        return boto3.session.Session().client(
            service, region_name=self.ids["region"], endpoint_url=self.ids["endpoint_url"],
            aws_access_key_id=acct["access_key_id"], aws_secret_access_key=acct["secret_access_key"],
            aws_session_token=acct.get("session_token"),
            config=Config(retries={"mode": "standard", "total_max_attempts": 1}))

    def ask(self, vpc: str, name: str) -> set[str]:
        entry = self.ids["vpcs"][vpc]
        res = dns.resolver.Resolver(configure=False)
        res.port = int(entry["resolver_port"])  # before nameservers: dnspython binds the port then
        res.nameservers = [entry["resolver"]]
        res.timeout = res.lifetime = 3.0
        return {r.address for r in res.resolve(name, "A", search=False)}


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MOTO_"))}
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    return env


def _wait_for_ids(proc: subprocess.Popen[bytes], read: Any, stderr: Path) -> dict[str, Any]:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        ids = read()
        if ids is not None:
            return dict(ids)
        if proc.poll() is not None:
            pytest.fail(f"twin serve exited {proc.returncode} before serving:\n{stderr.read_text()}")
        time.sleep(0.1)
    pytest.fail(f"twin serve wrote no ids within {START_TIMEOUT:.0f} s:\n{stderr.read_text()}")


@pytest.fixture
def serve(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Served]:
    """``twin serve`` in a subprocess. ``request.param``: True -> ids in a file (--ids), False -> on stdout."""
    with_file = bool(getattr(request, "param", True))
    ids_file = tmp_path / "ids.json"
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    args = [str(CLI), "twin", "serve", str(EXAMPLE), "--resolver-port", str(free_port())]
    if with_file:
        args += ["--ids", str(ids_file)]
    with out.open("wb") as fo, err.open("wb") as fe:
        proc = subprocess.Popen(args, stdout=fo, stderr=fe, env=_env(), cwd=tmp_path)

    def read() -> Any:
        if with_file:
            return json.loads(ids_file.read_text()) if ids_file.exists() else None
        try:  # stdout must hold nothing but the ids JSON
            return json.loads(out.read_text())
        except json.JSONDecodeError:
            return None

    try:
        yield Served(proc, _wait_for_ids(proc, read, err), out, err)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def _port_closed(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1.0)
        return s.connect_ex((host, port)) != 0


def _eni_ips(srv: Served, endpoint: str) -> set[str]:
    ec2 = srv.client("ec2")
    ep = ec2.describe_vpc_endpoints(VpcEndpointIds=[srv.ids["endpoints"][endpoint]["id"]])["VpcEndpoints"][0]
    enis = ec2.describe_network_interfaces(NetworkInterfaceIds=ep["NetworkInterfaceIds"])["NetworkInterfaces"]
    return {e["PrivateIpAddress"] for e in enis}


@pytest.mark.parametrize(("serve", "sig"), [(True, signal.SIGTERM), (False, signal.SIGINT)],
                         indirect=["serve"], ids=["ids-file-SIGTERM", "ids-on-stdout-SIGINT"])
def test_twin_serve_answers_aws_and_dns_clients_and_stops_on_signal(serve: Served, sig: signal.Signals) -> None:
    srv = serve
    ids = srv.ids
    assert ids["endpoint_url"].startswith("http://127.0.0.1:")
    assert ids["accounts"]["network"]["id"] == "111111111111"
    assert set(ids["vpcs"]) == {"shared-services", "dev", "prod"}
    # An ordinary boto3 client signing with the account's keys sees the estate.
    ep_id = ids["endpoints"]["lambda"]["id"]
    eps = srv.client("ec2").describe_vpc_endpoints()["VpcEndpoints"]
    assert [e["VpcEndpointId"] for e in eps] == [ep_id]
    assert eps[0]["VpcId"] == ids["vpcs"]["shared-services"]["id"]
    assert srv.client("sts").get_caller_identity()["Account"] == "111111111111"
    zones = srv.client("route53").list_hosted_zones()["HostedZones"]
    assert [(z["Id"].rsplit("/", 1)[-1], z["Name"]) for z in zones] == [
        (ids["hosted_zones"]["lambda-zone"]["id"].rsplit("/", 1)[-1], LAMBDA + ".")]
    # A DNS client asking the dev VPC's resolver gets the endpoint's ENI IPs (RES-8).
    ips = _eni_ips(srv, "lambda")
    assert ips
    for vpc in ("dev", "prod", "shared-services"):
        assert srv.ask(vpc, LAMBDA) == ips, vpc
    # The signal stops it: exit 0, HTTP and DNS ports closed.
    srv.proc.send_signal(sig)
    t0 = time.monotonic()
    try:
        rc = srv.proc.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"twin serve still running {STOP_TIMEOUT:.0f} s after {sig.name}")
    assert rc == 0, srv.stderr.read_text()
    assert time.monotonic() - t0 < STOP_TIMEOUT
    assert "twin stopped" in srv.stderr.read_text()
    port = int(ids["endpoint_url"].rsplit(":", 1)[1])
    assert _port_closed("127.0.0.1", port)
    for entry in ids["vpcs"].values():
        assert _port_closed(entry["resolver"], int(entry["resolver_port"]))
    with pytest.raises(dns.resolver.LifetimeTimeout):
        res = dns.resolver.Resolver(configure=False)
        res.port = int(ids["vpcs"]["dev"]["resolver_port"])
        res.nameservers = [ids["vpcs"]["dev"]["resolver"]]
        res.timeout = res.lifetime = 0.5
        res.resolve(LAMBDA, "A", search=False)

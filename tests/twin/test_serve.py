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
from contextlib import contextmanager
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
            service,
            region_name=self.ids["region"],
            endpoint_url=self.ids["endpoint_url"],
            aws_access_key_id=acct["access_key_id"],
            aws_secret_access_key=acct["secret_access_key"],
            aws_session_token=acct.get("session_token"),
            config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
        )

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
    # The code under test is this checkout's (the subprocess runs in tmp_path, where a relative PYTHONPATH
    # means nothing and the venv's editable install may point at another checkout).
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "layers" / "common"), str(ROOT)])
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


@contextmanager
def launch(tmp_path: Path, scenario: Path, with_file: bool = True) -> Iterator[Served]:
    """``twin serve SCENARIO`` in a subprocess, its ids in a file (--ids) or on stdout."""
    ids_file = tmp_path / "ids.json"
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    args = [str(CLI), "twin", "serve", str(scenario), "--resolver-port", str(free_port())]
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


@pytest.fixture
def serve(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Served]:
    """``twin serve`` of the published example. ``request.param``: True -> ids in a file (--ids), False -> on stdout."""
    with launch(tmp_path, EXAMPLE, bool(getattr(request, "param", True))) as served:
        yield served


def _port_closed(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1.0)
        return s.connect_ex((host, port)) != 0


def _eni_ips(srv: Served, endpoint: str) -> set[str]:
    ec2 = srv.client("ec2")
    ep = ec2.describe_vpc_endpoints(VpcEndpointIds=[srv.ids["endpoints"][endpoint]["id"]])["VpcEndpoints"][0]
    enis = ec2.describe_network_interfaces(NetworkInterfaceIds=ep["NetworkInterfaceIds"])["NetworkInterfaces"]
    return {e["PrivateIpAddress"] for e in enis}


@pytest.mark.parametrize(
    ("serve", "sig"),
    [(True, signal.SIGTERM), (False, signal.SIGINT)],
    indirect=["serve"],
    ids=["ids-file-SIGTERM", "ids-on-stdout-SIGINT"],
)
def test_twin_serve_answers_aws_and_dns_clients_and_stops_on_signal(
    serve: Served, sig: signal.Signals
) -> None:
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
        (ids["hosted_zones"]["lambda-zone"]["id"].rsplit("/", 1)[-1], LAMBDA + ".")
    ]
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


# --------------------------------------------------------------------------------------------------
# Two Profiles on one VPC through `twin serve` (RES-1, RES-12, CP-6, AS-6): tests/twin/estates/two-profiles.yaml,
# dev with baseline at 100 and central at 200; api.svc.example.com tells the RES-12 readings apart (the
# scenario's reading is priority-first), db.corp.example.org is in both Profiles (priority breaks the tie).

TWO_PROFILES = ROOT / "tests" / "twin" / "estates" / "two-profiles.yaml"


def _associations(srv: Served, vpc: str) -> dict[str, dict[str, Any]]:
    """Profile name -> the VPC's association with it, as ListProfileAssociations reports it."""
    rp = srv.client("route53profiles")
    names = {v["id"]: k for k, v in srv.ids["profiles"].items()}
    found = rp.list_profile_associations(ResourceId=srv.ids["vpcs"][vpc]["id"])["ProfileAssociations"]
    return {names[a["ProfileId"]]: a for a in found}


def test_cp6_res12_as6_two_profiles_through_twin_serve(tmp_path: Path) -> None:
    with launch(tmp_path, TWO_PROFILES) as srv:
        rp = srv.client("route53profiles")
        dev = _associations(srv, "dev")
        assert {p: a["Priority"] for p, a in dev.items()} == {"baseline": 100, "central": 200}
        got = rp.get_profile_association(ProfileAssociationId=dev["central"]["Id"])["ProfileAssociation"]
        assert (got["Priority"], got["Status"]) == (200, "COMPLETE")
        # RES-12 priority-first, over real DNS at dev's resolver.
        assert srv.ask("dev", "api.svc.example.com") == {"10.100.0.1"}
        assert srv.ask("dev", "db.corp.example.org") == {"10.100.0.2"}
        # CP-6: a third association -> LimitExceededException; prod's second needs a free Priority.
        third = rp.create_profile(Name="third", ClientToken="third")["Profile"]["Id"]
        with pytest.raises(rp.exceptions.LimitExceededException):
            rp.associate_profile(
                ProfileId=third, ResourceId=srv.ids["vpcs"]["dev"]["id"], Name="x", Priority=300
            )
        with pytest.raises(rp.exceptions.ValidationException):
            rp.associate_profile(ProfileId=third, ResourceId=srv.ids["vpcs"]["prod"]["id"], Name="x")
        with pytest.raises(rp.exceptions.ValidationException):
            rp.associate_profile(
                ProfileId=third, ResourceId=srv.ids["vpcs"]["prod"]["id"], Name="x", Priority=100
            )
        # AS-6: baseline moves after central; UPDATING mixes the old and the new order.
        with pytest.raises(rp.exceptions.ValidationException):  # CP-6: no swap in one call
            rp.update_profile_association(ProfileAssociationId=dev["baseline"]["Id"], Priority=200)
        upd = rp.update_profile_association(ProfileAssociationId=dev["baseline"]["Id"], Priority=300)
        assert upd["ProfileAssociation"]["Status"] == "UPDATING"
        answers = [frozenset(srv.ask("dev", "db.corp.example.org")) for _ in range(8)]
        assert set(answers) == {frozenset({"10.100.0.2"}), frozenset({"10.200.0.2"})}, answers
        assert _associations(srv, "dev")["baseline"]["Status"] == "UPDATING"

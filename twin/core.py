"""The twin's lifecycle: moto (in-process or as a local server) with the project's extensions, the
simulated clock, the estate built from a scenario, per-VPC resolvers, and fault injection.

    with Twin(scenario) as twin:
        twin.context()          # ids + per-account boto3 clients (profile_migrator.actions.Context)
        twin.fleet.address_of("dev")
        twin.discover()         # the estate read back through profile_migrator.discovery

Faults are armed only after the estate is built (:meth:`Twin.arm_faults`), so the build never trips
on them; resolver-outage windows count from :attr:`Twin.start_time`.
"""

from __future__ import annotations

import logging
import os
import warnings
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from moto.core.config import DefaultConfig
from profile_migrator.actions import Context
from profile_migrator.aws.session import Account, default_account, forget_roles
from profile_migrator.discovery import Discovered, discover
from profile_migrator.estate import Scenario

from twin.builder import Built, build
from twin.clock import SimClock, get_clock, install_clock
from twin.config import Durations, TwinSettings, get_settings, install_settings
from twin.dnsview import LiveDns, Names
from twin.iam import reset as reset_iam_sessions
from twin.roles import forget_credentials as forget_function_credentials

MOTO_CONFIG: DefaultConfig = {
    "stepfunctions": {"execute_state_machine": True},
    "lambda": {"use_docker": False},
}
_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_EC2_METADATA_DISABLED": "true",
}


def apply_patches() -> None:
    """Install every moto extension of the twin (idempotent)."""
    from twin.asl import patch_asl_clock
    from twin.faults import install_request_faults
    from twin.iam import install as install_iam
    from twin.moto_ext.ec2_route53 import patch_ec2_route53
    from twin.moto_ext.route53profiles import register_route53profiles

    register_route53profiles()
    _quiet_emf()
    patch_ec2_route53()
    patch_asl_clock()
    install_request_faults()
    install_iam()


def _quiet_emf() -> None:
    """In the twin, Powertools' EMF metrics (CloudWatch Logs lines on AWS) are dropped, not printed on
    the CLI's stdout; the handlers still record them."""
    from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import AmazonCloudWatchEMFProvider

    def flush_metrics(self: Any, raise_on_empty_metrics: bool = False) -> None:
        self.clear_metrics()

    AmazonCloudWatchEMFProvider.flush_metrics = flush_metrics  # type: ignore[method-assign]


@dataclass
class _Saved:
    env: dict[str, str | None]


class Twin:
    """A scenario's estate in a local AWS. ``server=True`` serves it over HTTP on loopback."""

    def __init__(
        self,
        scn: Scenario,
        *,
        server: bool = False,
        port: int = 0,
        resolver_port: int = 53,
        first_address: str = "127.0.1.1",
        resolvers: bool = True,
    ) -> None:
        self.scn = scn
        self.server = server
        self.port = port
        self.resolver_port = resolver_port
        self.first_address = first_address
        self.with_resolvers = resolvers
        self.endpoint_url: str | None = None
        self.built: Built | None = None
        self.dns: LiveDns | None = None
        self.fleet: Any = None
        self.start_time = 0.0
        self._mock: Any = None
        self._server: Any = None
        self._server_config: Any = None
        self._saved: _Saved | None = None

    # -- lifecycle -------------------------------------------------------------------------------
    def __enter__(self) -> Twin:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> Twin:
        scn = self.scn
        install_clock(SimClock(scn.twin.time_scale))
        d = scn.twin.durations
        install_settings(
            TwinSettings(
                region=scn.region,
                durations=Durations(
                    d.endpoint_pending,
                    d.profile_association,
                    d.resource_association,
                    d.phz_change,
                    d.operator_action,
                ),
                negative_cache_ttl=scn.twin.negative_cache_ttl,
                profile_precedence=scn.twin.profile_precedence,  # RES-12
                profile_max_vpcs={name: prof.max_vpcs for name, prof in scn.profiles.items()},
                iam=scn.twin.iam == "on",
            )
        )
        self._saved = _Saved(
            {
                k: os.environ.get(k)
                for k in [
                    *_ENV,
                    "AWS_DEFAULT_REGION",
                    "AWS_ENDPOINT_URL",
                    "POWERTOOLS_METRICS_DISABLED",
                    "MOTO_PORT",
                ]
            }
        )
        os.environ.update(_ENV)
        # moto logs a failing execution with its whole parsed definition; the rehearsal reports failures itself.
        logging.getLogger("moto.stepfunctions").setLevel(logging.CRITICAL)
        warnings.filterwarnings("ignore", message="No application metrics to publish")
        os.environ["AWS_DEFAULT_REGION"] = scn.region
        os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"  # handlers share one process: no EMF on stdout
        apply_patches()
        forget_roles()  # credentials of an earlier twin mean nothing to this one
        forget_function_credentials()
        reset_iam_sessions()
        from twin.asl import state_machine_credentials

        state_machine_credentials.clear()
        if self.server:
            from unittest.mock import patch

            from moto.core.config import default_user_config
            from moto.moto_server.threaded_moto_server import ThreadedMotoServer

            # What mock_aws(config=MOTO_CONFIG) does: the server runs the ASL and dispatches Lambdas too.
            self._server_config = patch.dict(default_user_config, MOTO_CONFIG)
            self._server_config.start()
            logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no per-request log lines
            # verbose=False: moto would print "Starting a new Thread with MotoServer…" on *stdout*, ahead
            # of the ids JSON that `twin serve` prints there without --ids (tests/twin/test_serve.py).
            self._server = ThreadedMotoServer(
                ip_address="127.0.0.1", port=self.port or _free_port(), verbose=False
            )
            self._server.start()
            host, port = self._server.get_host_and_port()
            self.port = port
            self.endpoint_url = f"http://{host}:{port}"
            os.environ["AWS_ENDPOINT_URL"] = self.endpoint_url
            os.environ["MOTO_PORT"] = str(port)  # moto's ASL interpreter calls back to this port
        else:
            from moto import mock_aws

            self._mock = mock_aws(config=MOTO_CONFIG)
            self._mock.start()
        base = default_account(scn.region)
        self.built = build(scn, base)
        get_settings().rate_limits = (
            scn.twin.rate_limits == "aws"
        )  # RL-1/RL-2 from here on: not for the build
        # The starting estate is settled: nothing the scenario describes is still in flight.
        get_clock().advance(
            max(d.endpoint_pending, d.profile_association, d.resource_association, d.phz_change) + 1
        )
        self.dns = LiveDns(scn.region, self.names())
        if self.with_resolvers:
            from twin.dns_server import ResolverFleet

            self.fleet = self._start_fleet(ResolverFleet)
        self.start_time = get_clock().now()
        return self

    def _start_fleet(self, fleet_cls: Any) -> Any:
        """One resolver per VPC on consecutive loopback addresses; if the block is taken (another twin
        on this machine), the next /24 of 127.0.0.0/8 is tried."""
        assert self.dns is not None
        a, b, c, _ = (int(x) for x in self.first_address.split("."))
        last_error: OSError | None = None
        for third in [c, *[x for x in range(1, 255) if x != c]][:64]:
            fleet = fleet_cls(
                list(self.scn.vpcs),
                self.dns.answer,
                first_address=f"{a}.{b}.{third}.1",
                port=self.resolver_port,
                negative_cache_ttl=self.scn.twin.negative_cache_ttl,
            )
            try:
                return fleet.start()
            except OSError as exc:  # address in use: try the next block
                last_error = exc
        raise RuntimeError(f"no free loopback block for the VPC resolvers: {last_error}")

    def arm_faults(self) -> None:
        """Install the scenario's faults (with AWS ids filled in) and start counting from now."""
        assert self.built is not None
        faults: list[dict[str, Any]] = []
        for f in self.scn.twin.faults:
            raw = f.model_dump(by_alias=True)
            if raw["kind"] == "stuck":
                raw["endpoint_id"] = self.built.endpoints[raw["endpoint"]]
            elif raw["kind"] == "association-fails":
                raw["profile_id"] = self.built.profiles[raw["profile"]]
                res = raw["resource"]
                raw["resource_id"] = self.built.endpoints.get(res) or self.built.zones.get(res)
            elif raw["kind"] == "resolver-outage":
                raw["vpc_id"] = self.built.vpcs[raw["vpc"]]
            faults.append(raw)
        settings = get_settings()
        settings.faults = faults
        settings.fault_state.clear()
        self.start_time = get_clock().now()
        if self.fleet is not None:
            self.fleet.start_offset = self.start_time

    def stop(self) -> None:
        if self.fleet is not None:
            self.fleet.stop()
            self.fleet = None
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._server_config is not None:
            self._server_config.stop()
            self._server_config = None
        if self._mock is not None:
            self._mock.stop()
            self._mock = None
        get_settings().faults = []
        if self._saved is not None:
            for k, v in self._saved.env.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
            self._saved = None

    # -- views -----------------------------------------------------------------------------------
    def names(self) -> Names:
        assert self.built is not None
        b = self.built
        return Names(
            vpcs={v: k for k, v in b.vpcs.items()},
            endpoints={v: k for k, v in b.endpoints.items()},
            zones={v: k for k, v in b.zones.items()},
            profiles={v: k for k, v in b.profiles.items()},
        )

    def context(self) -> Context:
        assert self.built is not None
        return self.built.context(self.scn.region)

    def accounts(self) -> dict[str, Account]:
        assert self.built is not None
        return self.built.accounts

    def discover(self) -> Discovered:
        return discover(self.accounts(), self.scn.region)

    def watch_targets(self) -> list[tuple[str, str]]:
        """Every (VPC, migrated service name) pair."""
        names: list[str] = []
        if self.scn.migration is not None:
            for e in self.scn.migration.endpoints:
                if e in self.scn.endpoints:
                    n = self.scn.endpoint_dns_name(e)
                    if n not in names:
                        names.append(n)
        return [(v, n) for v in self.scn.vpcs for n in names]

    def add_vpc_name(self, vpc_id: str, name: str) -> None:
        """A VPC created while the twin runs (parking, events) gets its name and a resolver."""
        assert self.built is not None and self.dns is not None
        self.built.vpcs[name] = vpc_id
        self.dns.names.vpcs[vpc_id] = name
        self.dns.invalidate()
        if self.fleet is not None:
            self.fleet.add(name)

    def ids(self) -> dict[str, Any]:
        """The ``twin serve`` ids file (scenario-format.md)."""
        assert self.built is not None
        b = self.built
        accounts = {}
        for alias, acct in b.accounts.items():
            key, secret, token = acct.access_key()
            accounts[alias] = {
                "id": b.account_ids[alias],
                "access_key_id": key,
                "secret_access_key": secret,
                "session_token": token,
            }
        vpcs = {}
        for name, vid in b.vpcs.items():
            entry: dict[str, Any] = {"id": vid}
            if self.fleet is not None and name in self.fleet.vpcs:
                ip, port = self.fleet.address_of(name)
                entry.update(resolver=ip, resolver_port=port)
            vpcs[name] = entry
        return {
            "endpoint_url": self.endpoint_url,
            "region": self.scn.region,
            "accounts": accounts,
            "vpcs": vpcs,
            "endpoints": {k: {"id": v} for k, v in b.endpoints.items()},
            "hosted_zones": {k: {"id": v} for k, v in b.zones.items()},
            "profiles": {k: {"id": v} for k, v in b.profiles.items()},
        }


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])

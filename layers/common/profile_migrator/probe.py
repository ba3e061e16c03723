"""The DNS probe, deployed inside every probed VPC and invoked at every gate: dnspython and Powertools'
Logger only — no boto3, no pydantic, no X-Ray SDK — so its cold start stays small.

The event is ``{"names": [...], "expected": {name: [private IPs]}}``; each name is resolved once through
the VPC resolver (RES-9: one query per name per invocation — far below the 1024 packets/s per interface
quota) and its answer classified: ``private`` (one of the endpoint's ENI IPs), ``public``, ``nodata``,
``nxdomain``, ``servfail``, ``timeout``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import dns.exception
import dns.resolver
from aws_lambda_powertools.logging import Logger

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()

Handler = Callable[[dict[str, Any], "LambdaContext"], dict[str, Any]]


class InvalidProbeEvent(ValueError):
    """The probe's event is not ``{"names": [str], "expected": {str: [str]}}``."""


def _strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidProbeEvent(f"{where}: expected a list of strings, got {value!r}")
    return list(value)


@dataclass(frozen=True)
class ProbeEvent:
    names: list[str]
    expected: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def parse(cls, event: Mapping[str, Any]) -> ProbeEvent:
        if not isinstance(event, Mapping):
            raise InvalidProbeEvent(f"event: expected an object, got {type(event).__name__}")
        unknown = sorted(set(event) - {"names", "expected"})
        if unknown:
            raise InvalidProbeEvent(f"{', '.join(unknown)}: unknown field")
        if "names" not in event:
            raise InvalidProbeEvent("names: field required")
        expected = event.get("expected", {})
        if not isinstance(expected, Mapping):
            raise InvalidProbeEvent(f"expected: expected an object, got {expected!r}")
        return cls(
            _strings(event["names"], "names"),
            {str(k): _strings(v, f"expected.{k}") for k, v in expected.items()},
        )


def probe(
    names: list[str], expected: Mapping[str, list[str]], nameserver: str, port: int, timeout: float = 2.0
) -> dict[str, Any]:
    """Resolve each name through the VPC resolver and classify the answer."""
    res = dns.resolver.Resolver(configure=False)
    res.nameservers = [nameserver]
    res.port = port
    res.lifetime = timeout
    res.timeout = timeout
    out: dict[str, Any] = {}
    for name in names:
        try:
            ans = res.resolve(name, "A", raise_on_no_answer=False)
            ips = [r.address for r in ans] if ans.rrset is not None else []
            if not ips:
                cls = "nodata"
            elif set(ips) & set(expected.get(name, [])):
                cls = "private"
            else:
                cls = "public"
        except dns.resolver.NXDOMAIN:
            cls, ips = "nxdomain", []
        except dns.resolver.NoNameservers:
            cls, ips = "servfail", []
        except dns.exception.Timeout:
            cls, ips = "timeout", []
        out[name] = {"class": cls, "ips": ips}
    return {"answers": out}


def handler(nameserver: str, port: int) -> Handler:
    """The probe function's handler, resolving through ``nameserver:port``."""

    @logger.inject_lambda_context(clear_state=True)
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        ev = ProbeEvent.parse(event)
        result = probe(ev.names, ev.expected, nameserver, port)
        logger.info("probe", extra={"classes": {n: a["class"] for n, a in result["answers"].items()}})
        return result

    return lambda_handler

"""moto's EC2 interface endpoints and Route 53 private hosted zones, made to behave like AWS.

Call :func:`patch_ec2_route53` once before use (idempotent; works inside ``mock_aws()`` and in moto
server mode — apply it before the server serves its first Route 53 request, whose routes it extends).

Public API
----------
- ``patch_ec2_route53()`` — apply every patch (and register the Profiles hook when that package exists).
- ``settled_zones(account=None) -> list[SettledZone]`` — Route 53 zones as DNS sees them (AS-3):
  ``SettledZone(zone_id, account, name "x.y.", private, vpcs: tuple[ZoneVpc(vpc_id, region)],
  records: tuple[SettledRecord(name "x.y.", type, ttl, values, alias_target, set_identifier)])``.
- ``managed_zones(account=None, region=None) -> list[ManagedZone]`` — endpoints' AWS-managed PHZs
  in force (RES-6): ``ManagedZone(name "x.y.", zone_id, account, region, vpc_id, endpoint_id, ips)``.
- ``settled_endpoints(account=None, region=None) -> list[SettledEndpoint]`` — interface endpoints with
  their state, requested and settled Private DNS, ENI IPs and vpce DNS names (RES-8 alias targets).
- ``settled_private_dns(endpoint)`` — the Private DNS value DNS honours for a moto endpoint object.
- ``mark_endpoint_pending(account, region, vpce_id)`` — AS-2 (endpoint associated with a Profile).
- ``settle_all()`` — finish every pending change now (baseline building; faults stay stuck).
- Private DNS name: ``endpoint.private_dns_name`` on moto's endpoint object (set it to override), or
  ``PRIVATE_DNS_NAME_TEMPLATES[short] = "api.ecr.{region}.amazonaws.com"`` before creating.
"""

from __future__ import annotations

import importlib
import logging

from twin.moto_ext.ec2_endpoints import (
    PRIVATE_DNS_NAME_TEMPLATES,
    ManagedZone,
    SettledEndpoint,
    default_private_dns_name,
    managed_zones,
    mark_endpoint_pending,
    patch_ec2_endpoints,
    settle_endpoints,
    settled_endpoints,
    settled_private_dns,
)
from twin.moto_ext.route53_zones import (
    AliasTarget,
    Change,
    SettledRecord,
    SettledZone,
    ZoneVpc,
    patch_route53_zones,
    settle_zones,
    settled_zones,
)

__all__ = [
    "PRIVATE_DNS_NAME_TEMPLATES",
    "AliasTarget",
    "Change",
    "ManagedZone",
    "SettledEndpoint",
    "SettledRecord",
    "SettledZone",
    "ZoneVpc",
    "default_private_dns_name",
    "managed_zones",
    "mark_endpoint_pending",
    "patch_ec2_route53",
    "settle_all",
    "settled_endpoints",
    "settled_private_dns",
    "settled_zones",
]

logger = logging.getLogger(__name__)


def _register_profiles_hook() -> None:
    """AS-2: associating an endpoint with a Profile puts it in ``pending`` briefly."""
    try:
        profiles = importlib.import_module("twin.moto_ext.route53profiles")
    except ImportError:
        return
    except Exception:  # a half-written sibling module must not break the twin
        logger.exception("twin.moto_ext.route53profiles failed to import; endpoint hook not registered")
        return
    hooks = getattr(profiles, "on_endpoint_associated", None)
    if isinstance(hooks, list) and mark_endpoint_pending not in hooks:
        hooks.append(mark_endpoint_pending)


def patch_ec2_route53() -> None:
    """Apply the EC2 endpoint and Route 53 zone patches (idempotent)."""
    patch_ec2_endpoints()
    patch_route53_zones()
    _register_profiles_hook()


def settle_all() -> None:
    """Settle every pending endpoint and Route 53 change now (not endpoints stuck by a fault)."""
    settle_endpoints()
    settle_zones()

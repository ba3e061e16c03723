"""AWS behaviour of interface VPC endpoints on top of moto's EC2 backend.

What this adds to moto (each patch names its rule from ``aws-dns-semantics.md``):

- one ENI per subnet with a real free address of the subnet's CIDR (moto picks a random 10.x address);
- ``DnsEntries`` in AWS's shape: regional ``vpce-<id>-<suffix>.<label>.<region>.vpce.amazonaws.com``,
  one per AZ, then the private DNS name while Private DNS is in force;
- ``ModifyVpcEndpoint PrivateDnsEnabled`` really changes the endpoint, which shows ``pending`` for
  ``durations.endpoint_pending`` simulated seconds (AS-2); DNS keeps the old effect until then;
- CP-1 / RES-6 checks before Private DNS is turned on;
- the AWS-managed private hosted zone of an endpoint (RES-6), as data (see :func:`managed_zones`).

State values are lowercase (``pending`` / ``available``): that is what the EC2 API returns on the wire
(and what Terraform's waiter matches), although botocore's ``State`` enum spells them capitalised.

Endpoint twin data lives on moto's endpoint object, so ``mock_aws`` resets drop it with the backend.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import random
import string
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from moto.ec2.exceptions import InvalidParameter
from moto.ec2.models import ec2_backends
from moto.ec2.models.vpcs import VPCBackend, VPCEndPoint
from moto.ec2.responses.vpcs import VPCs as VPCsResponse

from twin.clock import get_clock
from twin.config import get_settings

if TYPE_CHECKING:
    from moto.ec2.models import EC2Backend
    from moto.ec2.models.elastic_network_interfaces import NetworkInterface
    from moto.ec2.models.subnets import Subnet
    from moto.ec2.models.vpcs import VPC

logger = logging.getLogger(__name__)

# One lock for every twin-side state change (moto server mode serves requests on threads).
LOCK = threading.RLock()

# Service short name -> private DNS name template, where AWS's name is not <svc>.<region>.amazonaws.com.
# The twin may add entries before creating endpoints, or set ``endpoint.private_dns_name`` afterwards.
PRIVATE_DNS_NAME_TEMPLATES: dict[str, str] = {
    "ecr.api": "api.ecr.{region}.amazonaws.com",
}

# RES-6 / CP-1 checks also on CreateVpcEndpoint (AWS does refuse there too). Off by default: the checks
# always run on ModifyVpcEndpoint; tests of sibling extensions create Private DNS endpoints in VPCs
# without DNS hostnames.
CHECK_PRIVATE_DNS_ON_CREATE = False

# Hosted zone id of the regional ``*.vpce.amazonaws.com`` names (as DescribeVpcEndpoints shows it).
_VPCE_REGIONAL_ZONE_IDS: dict[str, str] = {"us-east-1": "Z7HUB22UULQXV", "us-west-2": "Z1YSA3EXCYUU9Z"}

_ALNUM_LOWER = string.ascii_lowercase + string.digits
_ALNUM_UPPER = string.ascii_uppercase + string.digits


# --------------------------------------------------------------------------------------------------
# Public data shapes
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ManagedZone:
    """The AWS-managed PHZ of an endpoint whose Private DNS is in force (RES-6).

    ``name`` ends with a dot, like Route 53 zone names; ``ips`` are the endpoint's ENI addresses.
    """

    name: str
    zone_id: str
    account: str
    region: str
    vpc_id: str
    endpoint_id: str
    ips: tuple[str, ...]


@dataclass(frozen=True)
class SettledEndpoint:
    """An interface endpoint as DNS sees it now.

    ``private_dns_enabled`` is the requested value (what DescribeVpcEndpoints shows);
    ``settled_private_dns`` the value DNS honours (as of the last time the endpoint became available,
    AS-2). ``dns_names`` are the regional and per-AZ ``*.vpce.amazonaws.com`` names (no trailing dot),
    which alias records may point at (RES-8).
    """

    endpoint_id: str
    account: str
    region: str
    vpc_id: str
    service_name: str
    private_dns_name: str | None
    state: str
    private_dns_enabled: bool
    settled_private_dns: bool
    ips: tuple[str, ...]
    dns_names: tuple[str, ...]


@dataclass
class _EndpointTwin:
    suffix: str  # the 8-character part of the vpce DNS names
    managed_zone_id: str  # id of the AWS-managed PHZ (RES-6)
    pending_until: float = 0.0  # simulated time the endpoint turns available again (AS-2)
    settled_before: bool = False  # Private DNS in force while pending (AS-2)


# --------------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------------


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() == "true"
    return bool(value)


def _is_interface(endpoint: VPCEndPoint) -> bool:
    return (endpoint.vpc_endpoint_type or "").lower() == "interface"


def _twin_of(endpoint: VPCEndPoint) -> _EndpointTwin:
    twin = endpoint.__dict__.get("_twin")
    if twin is None:
        twin = _EndpointTwin(
            suffix="".join(random.choices(_ALNUM_LOWER, k=8)),
            managed_zone_id="Z" + "".join(random.choices(_ALNUM_UPPER, k=20)),
            settled_before=_truthy(endpoint.private_dns_enabled),
        )
        endpoint.__dict__["_twin"] = twin
    return twin


def default_private_dns_name(service_name: str, region: str) -> str | None:
    """AWS's private DNS name for ``com.amazonaws.<region>.<svc>`` (RES-6); None for other services."""
    prefix = f"com.amazonaws.{region}."
    if not service_name.startswith(prefix):
        return None
    short = service_name[len(prefix) :]
    template = PRIVATE_DNS_NAME_TEMPLATES.get(short, "{short}.{region}.amazonaws.com")
    return template.format(short=short, region=region)


def _norm(name: str) -> str:
    return name.rstrip(".").lower()


def _region_of(endpoint: VPCEndPoint) -> str:
    return str(endpoint.ec2_backend.region_name)


def _vpce_label(endpoint: VPCEndPoint) -> str:
    """The service part of the vpce DNS names: ``lambda``; ``api.ecr`` for ecr.api."""
    region = _region_of(endpoint)
    name = getattr(endpoint, "private_dns_name", None)
    suffix = f".{region}.amazonaws.com"
    if name and name.endswith(suffix):
        return name[: -len(suffix)].lstrip("*.")
    return endpoint.service_name.rsplit(f".{region}.", 1)[-1]


def _regional_zone_id(region: str) -> str:
    if region in _VPCE_REGIONAL_ZONE_IDS:
        return _VPCE_REGIONAL_ZONE_IDS[region]
    digest = hashlib.sha256(region.encode()).hexdigest().upper()
    return "Z" + digest[:13]


def iter_ec2_backends(region: str | None = None) -> Iterator[tuple[str, str, EC2Backend]]:
    """Existing EC2 backends (account, region, backend), without creating new ones."""
    for account, per_account in list(ec2_backends.items()):
        for backend_region, backend in list(per_account.items()):
            if region is None or backend_region == region:
                yield account, backend_region, backend


def find_vpc(vpc_id: str, region: str | None = None) -> tuple[str, str, VPC] | None:
    """(owner account, region, VPC) of a VPC in any account, or None."""
    for account, backend_region, backend in iter_ec2_backends(region):
        vpc = backend.vpcs.get(vpc_id)
        if vpc is not None:
            return account, backend_region, vpc
    return None


def _now() -> float:
    return get_clock().now()


# --------------------------------------------------------------------------------------------------
# Lazy state (AS-2)
# --------------------------------------------------------------------------------------------------


def is_pending(endpoint: VPCEndPoint) -> bool:
    twin = endpoint.__dict__.get("_twin")
    return twin is not None and _now() < twin.pending_until


def settled_private_dns(endpoint: VPCEndPoint) -> bool:
    """The Private DNS setting DNS honours: as of the last time the endpoint became available (AS-2)."""
    if endpoint.__dict__.get("_twin_state", "available") == "deleted":
        return False
    if is_pending(endpoint):
        return _twin_of(endpoint).settled_before
    return _truthy(endpoint.private_dns_enabled)


def _state_get(self: VPCEndPoint) -> str:
    base = self.__dict__.get("_twin_state", "available")
    if base == "available" and is_pending(self):
        return "pending"  # AS-2
    return str(base)


def _state_set(self: VPCEndPoint, value: str) -> None:
    self.__dict__["_twin_state"] = value


def _stuck(endpoint_id: str) -> bool:
    """Fault ``{kind: stuck, endpoint_id}``: the endpoint stays pending forever after its next change."""
    settings = get_settings()
    for index, fault in settings.faults_of("stuck"):
        if endpoint_id in (fault.get("endpoint_id"), fault.get("endpoint")):
            settings.fault_state.setdefault(index, {})["fired"] = True
            return True
    return False


def _begin_pending(endpoint: VPCEndPoint) -> None:
    """Put the endpoint in ``pending`` for ``durations.endpoint_pending`` (AS-2)."""
    twin = _twin_of(endpoint)
    if not is_pending(endpoint):
        twin.settled_before = _truthy(endpoint.private_dns_enabled)
    until = math.inf if _stuck(endpoint.id) else _now() + get_settings().durations.endpoint_pending
    twin.pending_until = max(twin.pending_until, until)


def mark_endpoint_pending(account: str, region: str, vpce_id: str) -> None:
    """AS-2: an endpoint associated with a Profile shows ``pending`` briefly, then ``available``.

    Registered on ``twin.moto_ext.route53profiles.on_endpoint_associated``. Unknown ids are ignored
    (logged): the caller validates the endpoint.
    """
    with LOCK:
        endpoint = ec2_backends[account][region].vpc_end_points.get(vpce_id)
        for _account, _region, backend in iter_ec2_backends(region):  # another account's endpoint
            endpoint = endpoint or backend.vpc_end_points.get(vpce_id)
        if endpoint is None or endpoint.__dict__.get("_twin_state") == "deleted":
            logger.warning("mark_endpoint_pending: no endpoint %s in %s/%s", vpce_id, account, region)
            return
        _begin_pending(endpoint)


# --------------------------------------------------------------------------------------------------
# DnsEntries (AWS shape)
# --------------------------------------------------------------------------------------------------


def vpce_dns_names(endpoint: VPCEndPoint) -> list[str]:
    """Regional then per-AZ ``*.vpce.amazonaws.com`` names of an interface endpoint."""
    twin = _twin_of(endpoint)
    region = _region_of(endpoint)
    base = f"{endpoint.id}-{twin.suffix}"
    tail = f"{_vpce_label(endpoint)}.{region}.vpce.amazonaws.com"
    zones: list[str] = []
    for subnet_id in endpoint.subnet_ids or []:
        try:
            az = str(endpoint.ec2_backend.get_subnet(subnet_id).availability_zone)
        except Exception:  # subnet deleted under the endpoint
            continue
        if az not in zones:
            zones.append(az)
    return [f"{base}.{tail}"] + [f"{base}-{az}.{tail}" for az in sorted(zones)]


def _dns_entries_get(self: VPCEndPoint) -> list[dict[str, str]]:
    if not _is_interface(self):
        return list(self.__dict__.get("_twin_raw_dns_entries") or [])
    region = _region_of(self)
    entries = [{"DnsName": n, "HostedZoneId": _regional_zone_id(region)} for n in vpce_dns_names(self)]
    name = getattr(self, "private_dns_name", None)
    if name and settled_private_dns(self):  # RES-6: the private name is in force once settled (AS-2)
        entries.append({"DnsName": name, "HostedZoneId": _twin_of(self).managed_zone_id})
    return entries


def _dns_entries_set(self: VPCEndPoint, value: list[dict[str, str]] | None) -> None:
    self.__dict__["_twin_raw_dns_entries"] = value


# --------------------------------------------------------------------------------------------------
# ENIs: a real free address in each subnet
# --------------------------------------------------------------------------------------------------


def _used_ips(backend: EC2Backend, subnet: Subnet) -> set[str]:
    used = {str(ip) for ip in getattr(subnet, "_subnet_ips", {})}
    for eni in list(backend.enis.values()):
        if getattr(eni.subnet, "id", None) == subnet.id:
            used.update(a.get("PrivateIpAddress", "") for a in eni.private_ip_addresses)
            if eni.private_ip_address:
                used.add(eni.private_ip_address)
    return used


def _allocate_ip(backend: EC2Backend, subnet: Subnet) -> str:
    """A free address of the subnet (AWS reserves the first four and the last)."""
    net = ipaddress.ip_network(subnet.cidr_block)
    first, last = int(net.network_address) + 4, int(net.broadcast_address) - 1
    used = _used_ips(backend, subnet)
    for _ in range(64):
        candidate = str(ipaddress.ip_address(random.randint(first, last)))
        if candidate not in used:
            return candidate
    for value in range(first, last + 1):
        candidate = str(ipaddress.ip_address(value))
        if candidate not in used:
            return candidate
    raise InvalidParameter(
        f"There are not enough free addresses in subnet '{subnet.id}' to create the endpoint."
    )


def _new_endpoint_eni(backend: EC2Backend, endpoint: VPCEndPoint, subnet_id: str) -> NetworkInterface:
    subnet = backend.get_subnet(subnet_id)
    ip = _allocate_ip(backend, subnet)
    eni = backend.create_network_interface(subnet, ip, description=f"VPC Endpoint Interface {endpoint.id}")
    eni.interface_type = "vpc_endpoint"
    eni.requester_managed = True
    subnet.request_ip(ip, eni)  # type: ignore[arg-type]  # moto annotates an Instance; any holder of the IP works
    return eni


def _drop_eni(backend: EC2Backend, eni_id: str) -> None:
    eni = backend.enis.pop(eni_id, None)
    if eni is not None and eni.private_ip_address and eni.subnet is not None:
        eni.subnet.del_subnet_ip(eni.private_ip_address)


def _sync_enis(backend: EC2Backend, endpoint: VPCEndPoint) -> None:
    """One ENI per subnet of the endpoint, no more."""
    by_subnet: dict[str, str] = {}
    for eni_id in list(endpoint.network_interface_ids):
        eni = backend.enis.get(eni_id)
        subnet_id = getattr(getattr(eni, "subnet", None), "id", None)
        if eni is None or subnet_id not in (endpoint.subnet_ids or []) or subnet_id in by_subnet:
            _drop_eni(backend, eni_id)
            continue
        by_subnet[subnet_id] = eni_id
    for subnet_id in endpoint.subnet_ids or []:
        if subnet_id not in by_subnet:
            by_subnet[subnet_id] = _new_endpoint_eni(backend, endpoint, subnet_id).id
    endpoint.network_interface_ids = [by_subnet[s] for s in endpoint.subnet_ids or []]


def endpoint_ips(endpoint: VPCEndPoint) -> list[str]:
    ips = []
    for eni_id in endpoint.network_interface_ids:
        eni = endpoint.ec2_backend.enis.get(eni_id)
        if eni is not None and eni.private_ip_address:
            ips.append(str(eni.private_ip_address))
    return ips


# --------------------------------------------------------------------------------------------------
# Private DNS checks (RES-6, CP-1) and changes (AS-2)
# --------------------------------------------------------------------------------------------------


def check_private_dns_allowed(backend: VPCBackend, vpc_id: str, name: str | None) -> None:
    """Raise InvalidParameter unless Private DNS may be turned on in ``vpc_id`` for ``name``."""
    vpc = backend.get_vpc(vpc_id)
    # RES-6: Private DNS needs both VPC DNS attributes.
    if not (_truthy(vpc.enable_dns_support) and _truthy(vpc.enable_dns_hostnames)):
        raise InvalidParameter(
            "Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC attributes "
            f"set to true for {vpc_id}"
        )
    if not name:
        return
    from twin.moto_ext.route53_zones import direct_zone_conflict

    # CP-1: a same-name PHZ directly associated with the VPC blocks it (one via a Profile does not).
    if direct_zone_conflict(name, vpc_id, backend.region_name) is not None:
        raise InvalidParameter(
            "private-dns-enabled cannot be set because there is already a conflicting DNS domain for "
            f"{name} in the VPC {vpc_id}"
        )


def set_private_dns(endpoint: VPCEndPoint, enabled: bool) -> None:
    """Change Private DNS; the endpoint goes pending and DNS follows when it is available (AS-2)."""
    with LOCK:
        if enabled == _truthy(endpoint.private_dns_enabled):
            return
        if enabled:
            check_private_dns_allowed(endpoint.ec2_backend, endpoint.vpc_id, endpoint.private_dns_name)
        _begin_pending(endpoint)
        endpoint.private_dns_enabled = enabled


def managed_zone_conflict(name: str, vpc_id: str, region: str | None) -> str | None:
    """Id of an endpoint's AWS-managed zone named ``name`` in ``vpc_id`` (settled or pending-on), if any.

    Used by CP-2: such a zone blocks associating a same-name PHZ with the VPC.
    """
    wanted = _norm(name)
    for _account, _region, backend in iter_ec2_backends(region):
        for endpoint in list(backend.vpc_end_points.values()):
            if endpoint.vpc_id != vpc_id or not _is_interface(endpoint):
                continue
            if endpoint.__dict__.get("_twin_state") == "deleted":
                continue
            dns_name = getattr(endpoint, "private_dns_name", None)
            if not dns_name or _norm(dns_name) != wanted:
                continue
            if settled_private_dns(endpoint) or _truthy(endpoint.private_dns_enabled):
                return _twin_of(endpoint).managed_zone_id
    return None


# --------------------------------------------------------------------------------------------------
# Settled views
# --------------------------------------------------------------------------------------------------


def settled_endpoints(account: str | None = None, region: str | None = None) -> list[SettledEndpoint]:
    """Interface endpoints (not deleted) of ``account``/``region`` (None: all) as DNS sees them now."""
    result = []
    for acct, backend_region, backend in iter_ec2_backends(region):
        if account is not None and acct != account:
            continue
        for endpoint in list(backend.vpc_end_points.values()):
            if not _is_interface(endpoint) or endpoint.__dict__.get("_twin_state") == "deleted":
                continue
            result.append(
                SettledEndpoint(
                    endpoint_id=endpoint.id,
                    account=acct,
                    region=backend_region,
                    vpc_id=endpoint.vpc_id,
                    service_name=endpoint.service_name,
                    private_dns_name=getattr(endpoint, "private_dns_name", None),
                    state=endpoint.state,
                    private_dns_enabled=_truthy(endpoint.private_dns_enabled),
                    settled_private_dns=settled_private_dns(endpoint),
                    ips=tuple(endpoint_ips(endpoint)),
                    dns_names=tuple(vpce_dns_names(endpoint)),
                )
            )
    return result


def managed_zones(account: str | None = None, region: str | None = None) -> list[ManagedZone]:
    """RES-6: the AWS-managed PHZs of endpoints whose Private DNS is in force (settled), each associated
    with its endpoint's VPC. They are not hosted zones of the account (not in ListHostedZones)."""
    zones = []
    for endpoint in settled_endpoints(account, region):
        if endpoint.settled_private_dns and endpoint.private_dns_name:
            raw = ec2_backends[endpoint.account][endpoint.region].vpc_end_points[endpoint.endpoint_id]
            zones.append(
                ManagedZone(
                    name=_norm(endpoint.private_dns_name) + ".",
                    zone_id=_twin_of(raw).managed_zone_id,
                    account=endpoint.account,
                    region=endpoint.region,
                    vpc_id=endpoint.vpc_id,
                    endpoint_id=endpoint.endpoint_id,
                    ips=endpoint.ips,
                )
            )
    return zones


def settle_endpoints() -> None:
    """Finish every pending endpoint now (not ones stuck by a fault): for building a baseline estate."""
    with LOCK:
        now = _now()
        for _account, _region, backend in iter_ec2_backends():
            for endpoint in list(backend.vpc_end_points.values()):
                twin = endpoint.__dict__.get("_twin")
                if twin is not None and now < twin.pending_until < math.inf:
                    twin.pending_until = now


# --------------------------------------------------------------------------------------------------
# Patches
# --------------------------------------------------------------------------------------------------


def _patched_create_vpc_endpoint(orig: Callable[..., VPCEndPoint]) -> Callable[..., VPCEndPoint]:
    def create_vpc_endpoint(
        self: EC2Backend, vpc_id: str, service_name: str, *args: Any, **kwargs: Any
    ) -> VPCEndPoint:
        endpoint_type = kwargs.get("endpoint_type", args[0] if args else None)
        interface = (endpoint_type or "").lower() == "interface"
        name = default_private_dns_name(service_name, self.region_name)
        if CHECK_PRIVATE_DNS_ON_CREATE and interface and _truthy(kwargs.get("private_dns_enabled")):
            check_private_dns_allowed(self, vpc_id, name)  # RES-6, CP-1
        with LOCK:
            endpoint = orig(self, vpc_id, service_name, *args, **kwargs)
            endpoint.private_dns_name = name  # RES-6; the twin may override it on the object
            if interface:
                for eni_id in list(endpoint.network_interface_ids):  # moto's ENIs have random IPs
                    _drop_eni(self, eni_id)
                endpoint.network_interface_ids = []
                _sync_enis(self, endpoint)
                _twin_of(endpoint).settled_before = _truthy(endpoint.private_dns_enabled)
            return endpoint

    return create_vpc_endpoint


def _patched_modify_vpc_endpoint(orig: Callable[..., None]) -> Callable[..., None]:
    def modify_vpc_endpoint(self: EC2Backend, vpc_id: str, *args: Any, **kwargs: Any) -> None:
        with LOCK:
            orig(self, vpc_id, *args, **kwargs)
            endpoint = self.vpc_end_points[vpc_id]
            if _is_interface(endpoint):
                _sync_enis(self, endpoint)  # added / removed subnets get / lose their ENI

    return modify_vpc_endpoint


def _patched_delete_vpc_endpoints(orig: Callable[..., None]) -> Callable[..., None]:
    def delete_vpc_endpoints(self: EC2Backend, vpce_ids: list[str] | None = None) -> None:
        with LOCK:
            for vpce_id in vpce_ids or []:
                endpoint = self.vpc_end_points.get(vpce_id)
                if endpoint is not None and _is_interface(endpoint):
                    for eni_id in list(endpoint.network_interface_ids):
                        _drop_eni(self, eni_id)  # release the subnet addresses too
            orig(self, vpce_ids)

    return delete_vpc_endpoints


def _patched_modify_response(orig: Callable[[VPCsResponse], Any]) -> Callable[[VPCsResponse], Any]:
    def modify_vpc_endpoint(self: VPCsResponse) -> Any:
        enabled: bool | None = self._get_bool_param("PrivateDnsEnabled")  # None when the request omits it
        if enabled is None:
            return orig(self)
        endpoint_id = self._get_param("VpcEndpointId")
        endpoint = self.ec2_backend.describe_vpc_endpoints(vpc_end_point_ids=[endpoint_id])[0]
        if enabled and not _truthy(endpoint.private_dns_enabled):
            # RES-6, CP-1: refuse before anything else of the request is applied.
            check_private_dns_allowed(self.ec2_backend, endpoint.vpc_id, endpoint.private_dns_name)
        result = orig(self)
        set_private_dns(endpoint, enabled)  # AS-2
        return result

    return modify_vpc_endpoint


def patch_ec2_endpoints() -> None:
    """Apply the EC2 endpoint patches once (idempotent)."""
    if getattr(VPCBackend, "_twin_endpoints_patched", False):
        return
    # AS-2: State computed lazily from the simulated clock.
    VPCEndPoint.state = property(_state_get, _state_set)
    # AWS-shaped DnsEntries; RES-6 private name while Private DNS is in force.
    VPCEndPoint.dns_entries = property(_dns_entries_get, _dns_entries_set)
    VPCBackend.create_vpc_endpoint = _patched_create_vpc_endpoint(VPCBackend.create_vpc_endpoint)
    VPCBackend.modify_vpc_endpoint = _patched_modify_vpc_endpoint(VPCBackend.modify_vpc_endpoint)
    VPCBackend.delete_vpc_endpoints = _patched_delete_vpc_endpoints(VPCBackend.delete_vpc_endpoints)
    VPCsResponse.modify_vpc_endpoint = _patched_modify_response(VPCsResponse.modify_vpc_endpoint)
    VPCBackend._twin_endpoints_patched = True

"""AWS behaviour of Route 53 private hosted zones on top of moto's Route 53 backend.

What this adds to moto (each patch names its rule from ``aws-dns-semantics.md``):

- changes (create zone, record changes, VPC (dis)associations, delete) are ``PENDING`` for
  ``durations.phz_change`` simulated seconds, then ``INSYNC``; ``GetChange`` reports them (AS-3);
- a per-zone change log whose replay gives the *settled* view DNS serves (:func:`settled_zones`);
- ``PriorRequestNotComplete`` under the ``{kind: prior-request}`` fault (CP-5); optional fault keys:
  ``zone_id`` (only that zone) and ``times`` (only that many refusals; ``fault_state[i]["left"]``),
  ``fault_state[i]["count"]`` counts the refusals;
- ``ConflictingDomainExists`` for a second same-name zone in a VPC, including an endpoint's
  AWS-managed zone (CP-2); ``VPCAssociationNotFound`` when disassociating a VPC the zone lacks;
- cross-account associations: ``Create/Delete/ListVPCAssociationAuthorization(s)`` and the
  ``NotAuthorizedException`` checks of ``AssociateVPCWithHostedZone`` / ``DisassociateVPCFromHostedZone``
  (CP-9, CP-10); ``ListHostedZonesByVPC`` spans accounts, as AWS's does;
- quotas: ``LimitsExceeded`` past a zone's VPC-association limit (Q-1, 300 unless
  :func:`set_zone_vpc_limit` changed it), ``GetHostedZoneLimit`` (moto lacks it),
  ``TooManyVPCAssociationAuthorizations`` past 1,000 authorisations per zone (Q-3).

moto already refuses the last VPC disassociation (CP-3, ``LastVPCAssociation``) and deleting a zone with
records other than SOA/NS (CP-4, ``HostedZoneNotEmpty``); those are kept as they are.

The twin data lives on moto's backend objects, so ``mock_aws`` resets drop it with them.
"""

from __future__ import annotations

import math
import random
import string
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.route53 import urls as route53_urls
from moto.route53.exceptions import (
    InvalidVPCId,
    NoSuchHostedZone,
    PublicZoneVPCAssociation,
    Route53ClientError,
)
from moto.route53.models import FakeZone, RecordSet, Route53Backend, route53_backends
from moto.route53.responses import Route53
from profile_migrator.estate import DEFAULT_ZONE_MAX_VPCS

from twin.clock import get_clock
from twin.config import get_settings
from twin.moto_ext.ec2_endpoints import LOCK, find_vpc, managed_zone_conflict
from twin.moto_ext.errors import error_class

_ALNUM_UPPER = string.ascii_uppercase + string.digits
_tls = threading.local()


# --------------------------------------------------------------------------------------------------
# Errors (Route 53 XML error format; HTTP status from botocore's model)
# --------------------------------------------------------------------------------------------------


def _error(code: str, message: str | None = None) -> type[Route53ClientError]:
    return error_class(Route53ClientError, code, message)


PriorRequestNotComplete = _error(
    "PriorRequestNotComplete",
    "The request was rejected because Route 53 was still processing a prior request.",
)
NotAuthorizedException = _error("NotAuthorizedException")
LimitsExceeded = _error("LimitsExceeded")
TooManyVPCAssociationAuthorizations = _error("TooManyVPCAssociationAuthorizations")
InvalidInput = _error("InvalidInput")
ConflictingDomainExists = _error("ConflictingDomainExists")
VPCAssociationNotFound = _error("VPCAssociationNotFound")
VPCAssociationAuthorizationNotFound = _error("VPCAssociationAuthorizationNotFound")
NoSuchChange = _error("NoSuchChange")

# VPC associations per private hosted zone (default quota; raised per zone on request).
DEFAULT_MAX_VPCS_BY_ZONE = DEFAULT_ZONE_MAX_VPCS
# cross-account VPC association authorisations per zone.
MAX_AUTHORIZATIONS_BY_ZONE = 1000
MAX_RRSETS_BY_ZONE = 10000


# --------------------------------------------------------------------------------------------------
# Public data shapes
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ZoneVpc:
    vpc_id: str
    region: str | None


@dataclass(frozen=True)
class AliasTarget:
    dns_name: str
    hosted_zone_id: str
    evaluate_target_health: bool


@dataclass(frozen=True)
class SettledRecord:
    """A record set as Route 53 holds it: ``name`` ends with a dot; ``values`` are the record values
    (empty for an alias); ``ttl`` is None for an alias."""

    name: str
    type: str
    ttl: int | None
    values: tuple[str, ...]
    alias_target: AliasTarget | None = None
    set_identifier: str | None = None


@dataclass(frozen=True)
class SettledZone:
    """A hosted zone as DNS sees it: the state of its last ``INSYNC`` change (AS-3).

    ``zone_id`` is the bare id (``Z…``); ``name`` ends with a dot; ``vpcs`` are the direct VPC
    associations; ``records`` include SOA and NS.
    """

    zone_id: str
    account: str
    name: str
    private: bool
    vpcs: tuple[ZoneVpc, ...]
    records: tuple[SettledRecord, ...]

    @property
    def vpc_ids(self) -> tuple[str, ...]:
        return tuple(v.vpc_id for v in self.vpcs)


@dataclass
class Change:
    """One Route 53 change (AS-3): ``PENDING`` until the simulated time ``insync_at``."""

    id: str
    account: str
    zone_id: str
    submitted_at: datetime
    insync_at: float
    comment: str | None = None

    def status(self) -> str:
        return "INSYNC" if get_clock().now() >= self.insync_at else "PENDING"

    def info(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "Id": f"/change/{self.id}",
            "Status": self.status(),
            "SubmittedAt": self.submitted_at,
        }
        if self.comment:
            info["Comment"] = self.comment
        return info


@dataclass
class _LogEntry:
    change: Change
    snapshot: SettledZone | None  # None: the zone is deleted


@dataclass
class _BackendTwin:
    log: dict[str, list[_LogEntry]] = field(default_factory=dict)  # zone id -> changes, oldest first
    changes: dict[str, Change] = field(default_factory=dict)  # change id -> change
    authorizations: dict[str, list[ZoneVpc]] = field(default_factory=dict)  # zone id -> VPCs (CP-9)
    max_vpcs: dict[str, int] = field(default_factory=dict)  # zone id -> its raised Q-1 quota


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------


def _twin(backend: Route53Backend) -> _BackendTwin:
    state = backend.__dict__.get("_twin")
    if state is None:
        state = backend.__dict__["_twin"] = _BackendTwin()
    return state


def _bare(zone_id: str) -> str:
    return zone_id.replace("/hostedzone/", "").strip("/")


def _norm(name: str) -> str:
    return name.rstrip(".").lower()


def iter_route53_backends() -> Iterator[tuple[str, Route53Backend]]:
    """Existing Route 53 backends (account, backend), without creating new ones."""
    for account, per_account in list(route53_backends.items()):
        for _partition, backend in list(per_account.items()):
            yield account, backend


def find_zone(zone_id: str, prefer_account: str | None = None) -> tuple[str, Route53Backend, FakeZone] | None:
    """(owner account, backend, zone) for a zone id in any account (the caller's first)."""
    bare = _bare(zone_id)
    backends = sorted(iter_route53_backends(), key=lambda item: item[0] != prefer_account)
    for account, backend in backends:
        zone = backend.zones.get(bare)
        if zone is not None:
            return account, backend, zone
    return None


def _record(rrset: RecordSet) -> SettledRecord:
    values = tuple(str(v["Value"]) if isinstance(v, dict) else str(v) for v in rrset.records or [])
    alias = None
    if rrset.alias_target:
        alias = AliasTarget(
            dns_name=str(rrset.alias_target.get("DNSName", "")),
            hosted_zone_id=str(rrset.alias_target.get("HostedZoneId", "")),
            evaluate_target_health=str(rrset.alias_target.get("EvaluateTargetHealth", "false")).lower()
            == "true",
        )
    ttl = int(rrset.ttl) if rrset.ttl is not None and not alias else None
    return SettledRecord(
        name=rrset.name if rrset.name.endswith(".") else rrset.name + ".",
        type=str(rrset.type),
        ttl=ttl,
        values=values,
        alias_target=alias,
        set_identifier=rrset.set_identifier,
    )


def _snapshot(account: str, zone: FakeZone) -> SettledZone:
    return SettledZone(
        zone_id=zone.resource_id,
        account=account,
        name=zone.name if zone.name.endswith(".") else zone.name + ".",
        private=bool(zone.private_zone),
        vpcs=tuple(ZoneVpc(v["vpc_id"], v.get("vpc_region")) for v in zone.vpcs if v.get("vpc_id")),
        records=tuple(_record(r) for r in zone.rrsets),
    )


def _new_change_id() -> str:
    return "C" + "".join(random.choices(_ALNUM_UPPER, k=20))


def _ensure_baseline(backend: Route53Backend, zone: FakeZone) -> None:
    """A zone changed for the first time keeps its current state in force until the change settles."""
    log = _twin(backend).log
    if zone.resource_id not in log:
        base = Change(_new_change_id(), backend.account_id, zone.resource_id, datetime.now(UTC), -math.inf)
        log[zone.resource_id] = [_LogEntry(base, _snapshot(backend.account_id, zone))]


def _record_change(backend: Route53Backend, zone_id: str, snapshot: SettledZone | None) -> Change:
    """Log a change of ``zone_id`` that settles after ``durations.phz_change`` (AS-3)."""
    state = _twin(backend)
    entries = state.log.setdefault(zone_id, [])
    now = get_clock().now()
    insync_at = now + get_settings().durations.phz_change
    if entries:
        insync_at = max(insync_at, entries[-1].change.insync_at)  # changes settle in order
    change = Change(_new_change_id(), backend.account_id, zone_id, datetime.now(UTC), insync_at)
    # Keep the last settled entry and everything after it (the rest can no longer be served).
    settled = [i for i, e in enumerate(entries) if e.change.insync_at <= now]
    if settled:
        del entries[: settled[-1]]
    entries.append(_LogEntry(change, snapshot))
    state.changes[change.id] = change
    _tls.last_change = change
    return change


def _take_last_change() -> Change | None:
    change = getattr(_tls, "last_change", None)
    _tls.last_change = None
    return change


def _check_prior_request(backend: Route53Backend, zone_id: str) -> None:
    """CP-5: with the fault ``{kind: prior-request}``, a change while one is PENDING is refused."""
    settings = get_settings()
    faults = settings.faults_of("prior-request")
    entries = _twin(backend).log.get(zone_id)
    if not faults or not entries or get_clock().now() >= entries[-1].change.insync_at:
        return
    for index, fault in faults:
        wanted = fault.get("zone_id") or fault.get("hosted_zone_id")
        if wanted and _bare(str(wanted)) != zone_id:
            continue
        state = settings.fault_state.setdefault(index, {})
        if fault.get("times") is not None:
            left = int(state.get("left", fault["times"]))
            if left <= 0:
                continue
            state["left"] = left - 1
        state["count"] = int(state.get("count", 0)) + 1
        raise PriorRequestNotComplete()


def _settled_entry(entries: list[_LogEntry], now: float) -> _LogEntry | None:
    settled = None
    for entry in entries:
        if entry.change.insync_at <= now:
            settled = entry
    return settled


def _associated(vpcs: Any, vpc_id: str, region: str | None) -> bool:
    for vpc in vpcs:
        vid, vregion = (
            (vpc.vpc_id, vpc.region)
            if isinstance(vpc, ZoneVpc)
            else (vpc.get("vpc_id"), vpc.get("vpc_region"))
        )
        if vid == vpc_id and (region is None or vregion is None or vregion == region):
            return True
    return False


def direct_zone_conflict(
    name: str, vpc_id: str, region: str | None, self_zone_id: str | None = None
) -> str | None:
    """Id of a PHZ named ``name`` directly associated with ``vpc_id`` in any account, or None.

    Counts the current association and, for other zones, the settled one (a disassociation still
    PENDING keeps blocking: the conservative reading of AS-5). Used by CP-1 and CP-2.
    """
    wanted = _norm(name)
    now = get_clock().now()
    for _account, backend in iter_route53_backends():
        for zone in list(backend.zones.values()):
            if zone.private_zone and _norm(zone.name) == wanted and _associated(zone.vpcs, vpc_id, region):
                return str(zone.resource_id)
        for zone_id, entries in list(_twin(backend).log.items()):
            if zone_id == self_zone_id:
                continue
            entry = _settled_entry(entries, now)
            snap = entry.snapshot if entry else None
            if (
                snap
                and snap.private
                and _norm(snap.name) == wanted
                and _associated(snap.vpcs, vpc_id, region)
            ):
                return zone_id
    return None


def _check_conflicting_domain(name: str, zone_id: str | None, vpc_id: str, region: str | None) -> None:
    """CP-2: a VPC may not hold two zones of one name, counting endpoints' AWS-managed zones (RES-6)."""
    other = direct_zone_conflict(name, vpc_id, region, self_zone_id=zone_id)
    other = other or managed_zone_conflict(name, vpc_id, region)
    if other is not None:
        raise ConflictingDomainExists(
            f"The VPC {vpc_id} in {region} region has already been associated with the hosted zone "
            f"{other} with the same domain name."
        )


# --------------------------------------------------------------------------------------------------
# Settled view (AS-3)
# --------------------------------------------------------------------------------------------------


def settled_zones(account: str | None = None) -> list[SettledZone]:
    """Hosted zones of ``account`` (None: every account) as DNS sees them now (AS-3).

    For each zone, the state after its last change that is ``INSYNC``: a zone whose creation is still
    PENDING is absent; a zone whose deletion is still PENDING is present; associations and records
    changed by PENDING changes show their old values. Zones never changed through the patched API are
    shown as they are.
    """
    now = get_clock().now()
    result = []
    for acct, backend in iter_route53_backends():
        if account is not None and acct != account:
            continue
        log = _twin(backend).log
        for zone_id in list(dict.fromkeys([*backend.zones.keys(), *log.keys()])):
            if zone_id in log:
                entry = _settled_entry(log[zone_id], now)
                snapshot = entry.snapshot if entry else None
            else:
                snapshot = _snapshot(acct, backend.zones[zone_id])
            if snapshot is not None:
                result.append(snapshot)
    return result


def settle_zones() -> None:
    """Make every PENDING change INSYNC now: for building a baseline estate."""
    with LOCK:
        now = get_clock().now()
        for _account, backend in iter_route53_backends():
            for change in _twin(backend).changes.values():
                if change.insync_at > now:
                    change.insync_at = now


def find_change(change_id: str) -> Change | None:
    bare = change_id.replace("/change/", "")
    for _account, backend in iter_route53_backends():
        change = _twin(backend).changes.get(bare)
        if change is not None:
            return change
    return None


# --------------------------------------------------------------------------------------------------
# Backend patches
# --------------------------------------------------------------------------------------------------


def _patched_create_hosted_zone(orig: Callable[..., FakeZone]) -> Callable[..., FakeZone]:
    def create_hosted_zone(
        self: Route53Backend,
        name: str,
        private_zone: bool,
        caller_reference: str | None = None,
        vpcid: str | None = None,
        vpcregion: str | None = None,
        comment: str | None = None,
        delegation_set_id: str | None = None,
    ) -> FakeZone:
        with LOCK:
            if private_zone and vpcid:
                found = find_vpc(vpcid, vpcregion)
                if found is None or found[0] != self.account_id:
                    raise InvalidVPCId()  # the creating account's own VPC (others: CP-9)
                vpcregion = vpcregion or found[1]
                _check_conflicting_domain(name, None, vpcid, vpcregion)  # CP-2
            zone = orig(
                self, name, private_zone, caller_reference, vpcid, vpcregion, comment, delegation_set_id
            )
            _record_change(self, zone.resource_id, _snapshot(self.account_id, zone))  # AS-3
            return zone

    return create_hosted_zone


def set_zone_vpc_limit(zone_id: str, limit: int) -> None:
    """Q-1: the zone's VPC-association quota as if raised (or lowered) by a quota request."""
    found = find_zone(_bare(zone_id))
    if found is None:
        raise NoSuchHostedZone(zone_id)
    with LOCK:
        _twin(found[1]).max_vpcs[found[2].resource_id] = limit


def zone_vpc_limit(backend: Route53Backend, zone_id: str) -> int:
    return _twin(backend).max_vpcs.get(_bare(zone_id), DEFAULT_MAX_VPCS_BY_ZONE)


def _patched_associate(orig: Callable[..., FakeZone]) -> Callable[..., FakeZone]:
    def associate_vpc_with_hosted_zone(
        self: Route53Backend, zone_id: str, vpcid: str, vpcregion: str | None
    ) -> FakeZone:
        with LOCK:
            zone = self.get_hosted_zone(zone_id)
            if not zone.private_zone:
                raise PublicZoneVPCAssociation()
            _check_prior_request(self, zone.resource_id)  # CP-5
            if vpcregion is None:
                found = find_vpc(vpcid)
                vpcregion = found[1] if found else None
            _check_conflicting_domain(zone.name, zone.resource_id, vpcid, vpcregion)  # CP-2
            limit = zone_vpc_limit(self, zone.resource_id)
            if not _associated(zone.vpcs, vpcid, vpcregion) and len(zone.vpcs) >= limit:
                raise LimitsExceeded(
                    f"The limits specified for a resource have been exceeded: hosted zone {zone.resource_id} is "
                    f"already associated with {len(zone.vpcs)} VPCs (MAX_VPCS_ASSOCIATED_BY_ZONE {limit})."
                )
            _ensure_baseline(self, zone)
            zone = orig(self, zone_id, vpcid, vpcregion)
            _record_change(self, zone.resource_id, _snapshot(self.account_id, zone))  # AS-3
            return zone

    return associate_vpc_with_hosted_zone


def _patched_disassociate(orig: Callable[..., FakeZone]) -> Callable[..., FakeZone]:
    def disassociate_vpc_from_hosted_zone(self: Route53Backend, zone_id: str, vpcid: str) -> FakeZone:
        with LOCK:
            zone = self.get_hosted_zone(zone_id)
            _check_prior_request(self, zone.resource_id)  # CP-5
            if not _associated(zone.vpcs, vpcid, None):
                raise VPCAssociationNotFound(
                    f"The specified VPC {vpcid} is not associated with the hosted zone."
                )
            _ensure_baseline(self, zone)
            zone = orig(self, zone_id, vpcid)  # CP-3: moto raises LastVPCAssociation
            _record_change(self, zone.resource_id, _snapshot(self.account_id, zone))  # AS-3
            return zone

    return disassociate_vpc_from_hosted_zone


def _patched_change_rrsets(orig: Callable[..., None]) -> Callable[..., None]:
    def change_resource_record_sets(
        self: Route53Backend, zoneid: str, change_list: list[dict[str, Any]]
    ) -> None:
        with LOCK:
            zone = self.get_hosted_zone(zoneid)
            _check_prior_request(self, zone.resource_id)  # CP-5
            _ensure_baseline(self, zone)
            orig(self, zoneid, change_list)
            _record_change(self, zone.resource_id, _snapshot(self.account_id, zone))  # AS-3

    return change_resource_record_sets


def _patched_delete_hosted_zone(orig: Callable[..., FakeZone | None]) -> Callable[..., FakeZone | None]:
    def delete_hosted_zone(self: Route53Backend, id_: str) -> FakeZone | None:
        with LOCK:
            zone = self.get_hosted_zone(id_)
            _check_prior_request(self, zone.resource_id)  # CP-5
            _ensure_baseline(self, zone)
            deleted = orig(self, id_)  # CP-4: moto raises HostedZoneNotEmpty
            _twin(self).authorizations.pop(zone.resource_id, None)
            _record_change(self, zone.resource_id, None)  # AS-3; CP-4: associations go with the zone
            return deleted

    return delete_hosted_zone


# --------------------------------------------------------------------------------------------------
# Responses patches
# --------------------------------------------------------------------------------------------------


def _with_change_info(orig: Callable[[Route53], ActionResult]) -> Callable[[Route53], ActionResult]:
    """Replace moto's fixed INSYNC ChangeInfo by the logged change (AS-3)."""

    def handler(self: Route53) -> ActionResult:
        _take_last_change()
        result = orig(self)
        change = _take_last_change()
        if change is not None and isinstance(result.result, dict):
            result.result["ChangeInfo"] = change.info()
        return result

    handler.__name__ = orig.__name__
    return handler


def _create_zone_response(orig: Callable[[Route53], ActionResult]) -> Callable[[Route53], ActionResult]:
    """CreateHostedZone with a VPC creates a private zone, as on AWS (moto wants PrivateZone=true too)."""

    def create_hosted_zone(self: Route53) -> ActionResult:
        if self._get_param("VPC.VPCId") and not self._get_bool_param("HostedZoneConfig.PrivateZone", False):
            self.params.setdefault("HostedZoneConfig", {})["PrivateZone"] = True
        return orig(self)

    return create_hosted_zone


def _vpc_param(response: Route53) -> tuple[str, str | None]:
    return str(response._get_param("VPC.VPCId") or ""), response._get_param("VPC.VPCRegion")


def _zone_vpc_request(self: Route53) -> tuple[str, str, str | None, str, str, Route53Backend]:
    """An association request's zone id, VPC id and region, the caller, the zone's owner and its backend
    (NoSuchHostedZone when the zone is nowhere)."""
    zone_id = _bare(self._get_param("HostedZoneId"))
    vpc_id, vpc_region = _vpc_param(self)
    caller = self.current_account
    found_zone = find_zone(zone_id, prefer_account=caller)
    if found_zone is None:
        raise NoSuchHostedZone(zone_id)
    zone_owner, backend, _zone = found_zone
    return zone_id, vpc_id, vpc_region, caller, zone_owner, backend


def _associate_response(self: Route53) -> ActionResult:
    """AssociateVPCWithHostedZone with CP-9/CP-10: another account's VPC needs its owner's call and the
    zone owner's authorization; the association is recorded in the zone owner's backend."""
    zone_id, vpc_id, vpc_region, caller, zone_owner, backend = _zone_vpc_request(self)
    found_vpc = find_vpc(vpc_id, vpc_region)
    if found_vpc is None:
        raise InvalidVPCId()
    vpc_owner, region, _vpc = found_vpc
    if zone_owner == vpc_owner:
        allowed = caller == zone_owner
    else:
        authorized = ZoneVpc(vpc_id, region) in _twin(backend).authorizations.get(zone_id, [])
        allowed = caller == vpc_owner and authorized
    if not allowed:
        raise NotAuthorizedException(
            f"Account {caller} is not authorized to associate VPC {vpc_id} (account {vpc_owner}) with "
            f"hosted zone {zone_id} (account {zone_owner})."
        )
    return _change_info(self, lambda: backend.associate_vpc_with_hosted_zone(zone_id, vpc_id, region))


def _change_info(self: Route53, call: Callable[[], object]) -> ActionResult:
    """Run the backend ``call`` and answer the Route 53 change it made, with the request's Comment (AS-3)."""
    _take_last_change()
    call()
    change = _take_last_change()
    assert change is not None
    change.comment = self._get_param("Comment")
    return ActionResult({"ChangeInfo": change.info()})


def _disassociate_response(self: Route53) -> ActionResult:
    """DisassociateVPCFromHostedZone: the zone's account or the VPC's account may call it (CP-10)."""
    zone_id, vpc_id, vpc_region, caller, zone_owner, backend = _zone_vpc_request(self)
    found_vpc = find_vpc(vpc_id, vpc_region)
    vpc_owner = found_vpc[0] if found_vpc else None
    if caller not in (zone_owner, vpc_owner):
        raise NotAuthorizedException(f"Account {caller} owns neither hosted zone {zone_id} nor VPC {vpc_id}.")
    return _change_info(self, lambda: backend.disassociate_vpc_from_hosted_zone(zone_id, vpc_id))


def _get_change_response(self: Route53) -> ActionResult:
    """GetChange reports PENDING until the change settles, then INSYNC (AS-3)."""
    change_id = str(self._get_param("Id"))
    change = find_change(change_id)
    if change is None:
        raise NoSuchChange(f"A change with the specified change ID does not exist: {change_id}")
    return ActionResult({"ChangeInfo": change.info()})


def _authorization_vpc(self: Route53) -> ZoneVpc:
    vpc_id, vpc_region = _vpc_param(self)
    if not vpc_id:
        raise InvalidVPCId()
    if vpc_region is None:
        found = find_vpc(vpc_id)
        vpc_region = found[1] if found else self.region
    return ZoneVpc(vpc_id, vpc_region)


def _create_authorization_response(self: Route53) -> ActionResult:
    """CP-9: the zone owner authorizes another account's VPC."""
    zone = self.backend.get_hosted_zone(self._get_param("HostedZoneId"))
    vpc = _authorization_vpc(self)
    with LOCK:
        authorized = _twin(self.backend).authorizations.setdefault(zone.resource_id, [])
        if vpc not in authorized:
            if len(authorized) >= MAX_AUTHORIZATIONS_BY_ZONE:
                raise TooManyVPCAssociationAuthorizations(
                    f"Hosted zone {zone.resource_id} already has {len(authorized)} VPC association "
                    f"authorizations (the limit is {MAX_AUTHORIZATIONS_BY_ZONE})."
                )
            authorized.append(vpc)
    return ActionResult(
        {"HostedZoneId": zone.resource_id, "VPC": {"VPCRegion": vpc.region, "VPCId": vpc.vpc_id}}
    )


def _delete_authorization_response(self: Route53) -> EmptyResult:
    """CP-9: the zone owner withdraws an authorization."""
    zone = self.backend.get_hosted_zone(self._get_param("HostedZoneId"))
    vpc = _authorization_vpc(self)
    with LOCK:
        authorized = _twin(self.backend).authorizations.get(zone.resource_id, [])
        if vpc not in authorized:
            raise VPCAssociationAuthorizationNotFound(
                f"The VPC {vpc.vpc_id} has not been authorized to associate with hosted zone {zone.resource_id}."
            )
        authorized.remove(vpc)
    return EmptyResult()


def _list_authorizations_response(self: Route53) -> ActionResult:
    """CP-9: the VPCs the zone owner has authorized."""
    zone = self.backend.get_hosted_zone(self._get_param("HostedZoneId"))
    authorized = list(_twin(self.backend).authorizations.get(zone.resource_id, []))
    start = int(self._get_param("NextToken") or 0)
    size = int(self._get_param("MaxResults") or 50)
    page = authorized[start : start + size]
    result: dict[str, Any] = {
        "HostedZoneId": zone.resource_id,
        "VPCs": [{"VPCRegion": v.region, "VPCId": v.vpc_id} for v in page],
    }
    if start + size < len(authorized):
        result["NextToken"] = str(start + size)
    return ActionResult(result)


def _get_hosted_zone_limit_response(self: Route53) -> ActionResult:
    """GetHostedZoneLimit (moto lacks it): the zone's quota and current count (Q-1)."""
    path = self.path.rstrip("/").split("/")
    limit_type, zone_id = path[-1], path[-2]
    found = find_zone(_bare(zone_id), prefer_account=self.current_account)
    if found is None:
        raise NoSuchHostedZone(zone_id)
    _owner, backend, zone = found
    if limit_type == "MAX_VPCS_ASSOCIATED_BY_ZONE":
        if not zone.private_zone:
            raise InvalidInput("MAX_VPCS_ASSOCIATED_BY_ZONE applies to private hosted zones only.")
        value, count = zone_vpc_limit(backend, zone.resource_id), len(zone.vpcs)
    elif limit_type == "MAX_RRSETS_BY_ZONE":
        value, count = MAX_RRSETS_BY_ZONE, len(zone.rrsets)
    else:
        raise InvalidInput(f"Invalid limit type {limit_type!r}.")
    return ActionResult({"Limit": {"Type": limit_type, "Value": value}, "Count": count})


def _list_zones_by_vpc_response(self: Route53) -> ActionResult:
    """ListHostedZonesByVPC lists the VPC's zones whatever account owns them (needed with CP-9)."""
    vpc_id = str(self._get_param("VPCId"))
    vpc_region = self._get_param("VPCRegion")
    summaries = []
    for account, backend in iter_route53_backends():
        for zone in list(backend.zones.values()):
            if zone.private_zone and _associated(zone.vpcs, vpc_id, vpc_region):
                summaries.append(
                    {"HostedZoneId": zone.resource_id, "Name": zone.name, "Owner": {"OwningAccount": account}}
                )
    return ActionResult(
        {"HostedZoneSummaries": summaries, "MaxItems": str(self._get_param("MaxItems") or 100)}
    )


_AUTH_URLS = {
    r"{0}/(?P<api_version>[\d_-]+)/hostedzone/(?P<zone_id>[^/]+)/authorizevpcassociation/?$": Route53.dispatch,
    r"{0}/(?P<api_version>[\d_-]+)/hostedzone/(?P<zone_id>[^/]+)/deauthorizevpcassociation/?$": Route53.dispatch,
    r"{0}/(?P<api_version>[\d_-]+)/hostedzonelimit/(?P<zone_id>[^/]+)/(?P<limit_type>[^/]+)/?$": Route53.dispatch,
}


def patch_route53_zones() -> None:
    """Apply the Route 53 patches once (idempotent). Apply before a moto server serves Route 53."""
    if getattr(Route53Backend, "_twin_zones_patched", False):
        return
    b = Route53Backend
    b.create_hosted_zone = _patched_create_hosted_zone(b.create_hosted_zone)
    b.associate_vpc_with_hosted_zone = _patched_associate(b.associate_vpc_with_hosted_zone)
    b.disassociate_vpc_from_hosted_zone = _patched_disassociate(b.disassociate_vpc_from_hosted_zone)
    b.change_resource_record_sets = _patched_change_rrsets(b.change_resource_record_sets)
    b.delete_hosted_zone = _patched_delete_hosted_zone(b.delete_hosted_zone)
    r = Route53
    responses: dict[str, Callable[[Route53], ActionResult]] = {
        "create_hosted_zone": _with_change_info(_create_zone_response(r.create_hosted_zone)),
        "delete_hosted_zone": _with_change_info(r.delete_hosted_zone),
        "change_resource_record_sets": _with_change_info(r.change_resource_record_sets),
        "associate_vpc_with_hosted_zone": _associate_response,
        "disassociate_vpc_from_hosted_zone": _disassociate_response,
        "get_change": _get_change_response,
        "list_hosted_zones_by_vpc": _list_zones_by_vpc_response,
        "create_vpc_association_authorization": _create_authorization_response,
        "delete_vpc_association_authorization": _delete_authorization_response,
        "list_vpc_association_authorizations": _list_authorizations_response,
        "get_hosted_zone_limit": _get_hosted_zone_limit_response,
    }
    for name, response in responses.items():
        setattr(r, name, response)
    route53_urls.url_paths.update(_AUTH_URLS)  # CP-9 operations' routes
    b._twin_zones_patched = True

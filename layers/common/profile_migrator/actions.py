"""Perform one planned step against AWS, idempotently, and poll until it settles.

Every action is safe to run twice (SF-2: executions get redriven): "already associated", "already
enabled", "already gone" are success. :func:`perform` returns *waits* — what must settle before the
step's effect counts (AS-5) — and :func:`poll` reports whether they have. The published replay and the
state machine's step functions both use this module.

Nothing is lost: a record is deleted only if it is the endpoint alias, a zone only when it holds
nothing but SOA/NS, a VPC only if the tool created it (tag ``profile-migrator:parking``), a bridge copy
of a zone only if the tool created it (tag ``profile-migrator:bridge``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from uuid import uuid4

from botocore.exceptions import ClientError

from . import arns
from .aws import ec2, profiles, route53
from .aws.session import Account, error_code
from .tags import BRIDGE_TAG, PARKING_TAG  # the tags on the parking VPCs and bridge zones the tool creates
from .vocabulary import SPECS, Action, StepDoc, WaitKind

PARKING_CIDR = "100.68.0.0/28"


class ActionError(Exception):
    """A step cannot be performed (the message says which resource and why)."""


class UnsafeToDelete(ActionError):
    """Refused: the thing to delete is not what the tool created or verified."""


class ChangeFailed(ActionError):
    """An asynchronous change ended ``FAILED`` (AS-1): the message says which and AWS's status message."""


@dataclass
class Context:
    """What a step needs to find its resources: accounts by alias and AWS ids by scenario name."""

    region: str
    accounts: dict[str, Account]
    vpcs: dict[str, str] = field(default_factory=dict)
    endpoints: dict[str, str] = field(default_factory=dict)
    zones: dict[str, str] = field(default_factory=dict)
    profiles: dict[str, str] = field(default_factory=dict)
    account_ids: dict[str, str] = field(default_factory=dict)
    endpoint_accounts: dict[str, str] = field(default_factory=dict)  # endpoint name -> account alias

    def account(self, alias: str | None) -> Account:
        if alias is None or alias not in self.accounts:
            raise ActionError(f"no credentials for account {alias!r}")
        return self.accounts[alias]

    def id_of(self, kind: str, name: str | None) -> str:
        table: dict[str, str] = getattr(self, kind)
        if name is not None and name not in table and kind in ("vpcs", "zones"):
            # What the run created (a parking VPC, a bridge copy of a zone) is found by its Name tag.
            for acct in self.accounts.values():
                found = ec2.find_vpc_by_name(acct, name) if kind == "vpcs" else _bridge_zone_id(acct, name)
                if found is not None:
                    table[name] = found
                    break
        if name is None or name not in table:
            raise ActionError(f"unknown {kind[:-1]} {name!r}")
        return table[name]

    def alias_of_account_id(self, account_id: str) -> str:
        for alias, acct in self.accounts.items():
            if self.account_ids.get(alias) == account_id or acct.account_id == account_id:
                return alias
        raise ActionError(f"no credentials for account {account_id}")


Wait = dict[str, Any]


def _bridge_zone_id(acct: Account, name: str) -> str | None:
    zone = route53.find_tagged_zone(acct, name, BRIDGE_TAG)
    return zone.id if zone is not None else None


def _endpoint_arn(ctx: Context, endpoint: str, owner: str) -> str:
    return arns.endpoint_arn(ctx.region, owner, ctx.id_of("endpoints", endpoint))


def _owner_id(ctx: Context, alias: str | None) -> str:
    return ctx.account(alias).id()


def _zone_vpcs(acct: Account, zone_id: str) -> list[str]:
    return [v for v, _ in route53.get_zone(acct, zone_id).vpcs]


# AS-1: an association that ended FAILED stays listed until it is disassociated; it still holds its
# resource (and name, CP-7), so an undo must remove it, and "gone" means DELETED or no longer listed.


A = TypeVar("A", profiles.ResourceAssociation, profiles.ProfileAssociation)


def _listed(found: Iterable[A], match: Callable[[A], bool], failed: bool) -> A | None:
    """The first association ``match`` accepts that is not DELETED (nor FAILED, unless ``failed``)."""
    skip = ("DELETED",) if failed else ("DELETED", "FAILED")
    return next((a for a in found if match(a) and a.status not in skip), None)


def _resource_assoc(
    acct: Account, profile_id: str, arn: str, failed: bool = False
) -> profiles.ResourceAssociation | None:
    return _listed(
        profiles.list_resource_associations(acct, profile_id), lambda r: r.resource_arn == arn, failed
    )


def _vpc_assoc(
    acct: Account, profile_id: str, vpc_id: str, failed: bool = False
) -> profiles.ProfileAssociation | None:
    return _listed(profiles.list_vpc_associations(acct, profile_id), lambda a: a.vpc_id == vpc_id, failed)


def perform(ctx: Context, step: StepDoc, saved: dict[str, Any] | None = None) -> list[Wait]:
    """Do ``step`` (a plan step's JSON) if it is not already done. Returns what to wait for.

    ``saved`` receives what an inverse needs (e.g. the deleted record set).
    """
    try:
        action = Action(step["action"])
    except ValueError:
        raise ActionError(f"unknown action {step['action']!r}") from None
    waits = _ACTIONS[action](ctx, step, saved if saved is not None else {})
    unexpected = {str(w["kind"]) for w in waits} - SPECS[action].waits
    if unexpected:  # a bug: the spec says what the state machine polls for
        raise ActionError(f"{action} returned waits its spec does not name: {', '.join(sorted(unexpected))}")
    return waits


# -- Profiles -----------------------------------------------------------------------------------------


def _associate_vpc_with_profile(ctx: Context, step: StepDoc, saved: dict[str, Any]) -> list[Wait]:
    acct = ctx.account(step.get("account"))  # CP-9: the VPC owner's account associates its VPC
    pid, vid = ctx.id_of("profiles", step.get("profile")), ctx.id_of("vpcs", step["vpc"])
    existing = _vpc_assoc(acct, pid, vid, failed=True)
    if existing is not None and existing.status == "FAILED":
        raise ChangeFailed(
            f"the Profile association {existing.id} of VPC {step['vpc']} is FAILED (AS-1); "
            "it must be disassociated before the VPC can join the Profile again"
        )
    if existing is None:
        try:
            existing = profiles.associate_vpc(acct, pid, vid, f"{step['vpc']}", step.get("priority"))
        except ClientError as exc:
            if error_code(exc) != "ResourceExistsException":  # CP-6: same Profile again = done
                raise
            existing = _vpc_assoc(acct, pid, vid)
            if existing is None:
                raise
    return [{"kind": "profile-association", "account": step.get("account"), "id": existing.id}]


def _remove(
    existing: profiles.ResourceAssociation | profiles.ProfileAssociation | None,
    disassociate: Callable[[], object],
) -> None:
    """Disassociate ``existing`` — a FAILED association too (AS-1) — unless it is gone or going already
    ("not found" is success: idempotent, SF-2)."""
    if existing is None or existing.status == "DELETING":
        return
    try:
        disassociate()
    except ClientError as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise


def _disassociate_vpc_from_profile(ctx: Context, step: StepDoc, saved: dict[str, Any]) -> list[Wait]:
    acct = ctx.account(step.get("account"))
    pid, vid = ctx.id_of("profiles", step.get("profile")), ctx.id_of("vpcs", step["vpc"])
    _remove(_vpc_assoc(acct, pid, vid, failed=True), lambda: profiles.disassociate_vpc(acct, pid, vid))
    return [{"kind": "profile-association-gone", "account": step.get("account"), "profile": pid, "vpc": vid}]


def _associate_resource(ctx: Context, step: StepDoc, arn: str, name: str) -> list[Wait]:
    acct = ctx.account(step.get("account"))
    pid = ctx.id_of("profiles", step.get("profile"))
    existing = _resource_assoc(acct, pid, arn, failed=True)
    if existing is not None and existing.status == "FAILED":
        raise ChangeFailed(
            f"the Profile resource association {existing.id} of {name} is FAILED (AS-1): "
            f"{existing.status_message or 'no status message'}; it must be disassociated "
            "before the Profile can carry it again"
        )
    if existing is None:
        try:
            existing = profiles.associate_resource(acct, pid, arn, name)
        except ClientError as exc:
            if error_code(exc) not in ("ResourceExistsException",):
                raise
            existing = _resource_assoc(acct, pid, arn)
            if existing is None:
                raise
    return [{"kind": "resource-association", "account": step.get("account"), "id": existing.id}]


def _disassociate_resource(ctx: Context, step: StepDoc, arn: str) -> list[Wait]:
    acct = ctx.account(step.get("account"))
    pid = ctx.id_of("profiles", step.get("profile"))
    _remove(
        _resource_assoc(acct, pid, arn, failed=True), lambda: profiles.disassociate_resource(acct, pid, arn)
    )
    return [{"kind": "resource-association-gone", "account": step.get("account"), "profile": pid, "arn": arn}]


def _associate_zone_with_profile(ctx: Context, step: StepDoc, saved: dict[str, Any]) -> list[Wait]:
    return _associate_resource(
        ctx, step, arns.zone_arn(ctx.region, ctx.id_of("zones", step["zone"])), step["zone"]
    )


def _disassociate_zone_from_profile(ctx: Context, step: StepDoc, saved: dict[str, Any]) -> list[Wait]:
    return _disassociate_resource(ctx, step, arns.zone_arn(ctx.region, ctx.id_of("zones", step["zone"])))


def _endpoint_owner(ctx: Context, endpoint: str) -> tuple[str, Account]:
    alias = ctx.endpoint_accounts.get(endpoint)
    if alias is None:
        raise ActionError(f"the account of endpoint {endpoint!r} is not known")
    return alias, ctx.account(alias)


def _associate_endpoint_with_profile(ctx: Context, step: StepDoc, saved: dict[str, Any]) -> list[Wait]:
    owner_alias = _endpoint_owner(ctx, step["endpoint"])[0]
    arn = _endpoint_arn(ctx, step["endpoint"], _owner_id(ctx, owner_alias))
    waits = _associate_resource(ctx, step, arn, step["endpoint"])
    # AS-2: associating the endpoint sets it Pending briefly; its DNS counts once Available again.
    waits.append({"kind": "endpoint", "account": owner_alias, "id": ctx.id_of("endpoints", step["endpoint"])})
    return waits


def _disassociate_endpoint_from_profile(ctx: Context, step: StepDoc, saved: dict[str, Any]) -> list[Wait]:
    owner_alias = _endpoint_owner(ctx, step["endpoint"])[0]
    arn = _endpoint_arn(ctx, step["endpoint"], _owner_id(ctx, owner_alias))
    return _disassociate_resource(ctx, step, arn)


# -- Route 53 zones -----------------------------------------------------------------------------------


def _authorization(ctx: Context, step: StepDoc, call: Any, done_codes: tuple[str, ...]) -> list[Wait]:
    """Create or delete a VPC association authorisation in the zone's account (CP-9); ``done_codes``
    mean it is already as wanted."""
    try:
        call(
            ctx.account(step.get("account")),
            ctx.id_of("zones", step["zone"]),
            ctx.id_of("vpcs", step["vpc"]),
            ctx.region,
        )
    except ClientError as exc:
        if error_code(exc) not in done_codes:
            raise
    return []


def _authorize(ctx: Context, step: StepDoc, saved: dict[str, Any]) -> list[Wait]:
    return _authorization(
        ctx, step, route53.authorize_vpc, ("ConflictingDomainExists", "VPCAssociationAuthorizationExists")
    )


def _revoke(ctx: Context, step: StepDoc, saved: dict[str, Any]) -> list[Wait]:
    return _authorization(
        ctx, step, route53.revoke_vpc, ("VPCAssociationAuthorizationNotFound", "NoSuchHostedZone")
    )


def _associate_vpc_with_zone(ctx: Context, step: StepDoc, saved: dict[str, Any]) -> list[Wait]:
    acct = ctx.account(step.get("account"))  # CP-10: the VPC's account associates
    zid, vid = ctx.id_of("zones", step["zone"]), ctx.id_of("vpcs", step["vpc"])
    try:
        present = vid in _zone_vpcs(acct, zid)
    except ClientError:
        present = False  # another account's zone: GetHostedZone is not allowed; try the association
    if present:
        return []
    try:
        change = route53.associate_vpc(acct, zid, vid, ctx.region)
    except ClientError as exc:
        if error_code(exc) == "ConflictingDomainExists" and any(
            z.get("HostedZoneId") == zid for z in route53.zones_by_vpc(acct, vid, ctx.region)
        ):
            return []  # already associated with this very zone
        owner = (
            _vpc_owner(ctx, vid) if error_code(exc) in ("NotAuthorizedException", "AccessDenied") else None
        )
        if owner is None or owner == step.get("account"):
            raise
        # The undo of a disassociation the zone's account made (CP-10) for another account's VPC: the
        # zone's account authorises, the VPC's account associates, the authorisation is removed (CP-9).
        return _associate_across_accounts(ctx, step, zid, vid, owner)
    return [{"kind": "change", "account": step.get("account"), "id": change}]


def _vpc_owner(ctx: Context, vpc_id: str) -> str | None:
    """The alias of the account that owns ``vpc_id`` (the one whose DescribeVpcs finds it)."""
    for alias, acct in ctx.accounts.items():
        try:
            if acct.client("ec2").describe_vpcs(VpcIds=[vpc_id])["Vpcs"]:
                return alias
        except ClientError:
            continue
    return None


def _associate_across_accounts(ctx: Context, step: StepDoc, zid: str, vid: str, owner: str) -> list[Wait]:
    zone_acct = ctx.account(step.get("account"))
    try:
        route53.authorize_vpc(zone_acct, zid, vid, ctx.region)
    except ClientError as exc:
        if error_code(exc) != "VPCAssociationAuthorizationExists":
            raise
    change = route53.associate_vpc(ctx.account(owner), zid, vid, ctx.region)
    try:
        route53.revoke_vpc(zone_acct, zid, vid, ctx.region)
    except ClientError as exc:
        if error_code(exc) != "VPCAssociationAuthorizationNotFound":
            raise
    return [{"kind": "change", "account": owner, "id": change}]


def _disassociate_vpc_from_zone(ctx: Context, step: StepDoc, saved: dict[str, Any]) -> list[Wait]:
    acct = ctx.account(step.get("account"))  # CP-10: either account may disassociate
    zid, vid = ctx.id_of("zones", step["zone"]), ctx.id_of("vpcs", step["vpc"])
    try:
        present = vid in _zone_vpcs(acct, zid)
    except ClientError:
        present = True  # another account's zone (the VPC's account undoing its association): just try, CP-10
    if not present:
        return []
    try:
        change = route53.disassociate_vpc(acct, zid, vid, ctx.region)
    except ClientError as exc:
        if error_code(exc) in ("VPCAssociationNotFound", "NoSuchHostedZone"):
            return []
        raise
    return [{"kind": "change", "account": step.get("account"), "id": change}]


def _endpoint_record(acct: Account, zone_id: str, record: str) -> route53.RecordInfo | None:
    for r in route53.list_records(acct, zone_id):
        if r.name == record.rstrip(".").lower() and r.type in ("A", "AAAA"):
            return r
    return None


def _is_endpoint_alias(ctx: Context, endpoint: str, rec: route53.RecordInfo) -> bool:
    """Whether ``rec`` is an alias to one of ``endpoint``'s own DNS names (RES-8)."""
    _, owner = _endpoint_owner(ctx, endpoint)
    ep = ec2.get_endpoint(owner, ctx.id_of("endpoints", endpoint))
    return rec.alias_target is not None and rec.alias_target in {d.rstrip(".").lower() for d in ep.dns_names}


def _delete_zone_record(ctx: Context, step: StepDoc, saved: dict[str, Any]) -> list[Wait]:
    acct = ctx.account(step.get("account"))
    try:
        zid = ctx.id_of("zones", step["zone"])
        rec = _endpoint_record(acct, zid, step["record"])
    except ClientError as exc:
        if error_code(exc) == "NoSuchHostedZone":
            return []
        raise
    except ActionError:
        if not step.get("copy_of"):
            raise
        return []  # the undo of a bridge copy's record whose copy is gone already
    if rec is None:
        return []
    # Nothing is lost: only the alias to the migrated endpoint's own DNS name is ever deleted.
    if step.get("endpoint") and not _is_endpoint_alias(ctx, step["endpoint"], rec):
        raise UnsafeToDelete(
            f"record {rec.name} in zone {step['zone']!r} is not an alias to endpoint "
            f"{step['endpoint']!r}; refusing to delete it"
        )
    saved["record"] = rec.raw
    change = route53.change_record(acct, zid, "DELETE", rec.raw)
    return [{"kind": "change", "account": step.get("account"), "id": change}]


def _create_zone_record(ctx: Context, step: StepDoc, saved: dict[str, Any]) -> list[Wait]:
    """Restore a deleted record (the undo of ``delete-zone-record``), or, forward with ``copy_of``, UPSERT
    the original zone's endpoint alias into its bridge copy (only that alias is ever copied)."""
    acct = ctx.account(step.get("account"))
    raw = saved.get("record")
    if not raw and step.get("copy_of"):
        src = _endpoint_record(acct, ctx.id_of("zones", step["copy_of"]), step["record"])
        if src is None or not step.get("endpoint") or not _is_endpoint_alias(ctx, step["endpoint"], src):
            raise ActionError(
                f"zone {step['copy_of']!r} has no alias {step['record']} to endpoint "
                f"{step.get('endpoint')!r} to copy into {step['zone']!r}"
            )
        raw = src.raw
        saved["record"] = raw
    if not raw:
        raise ActionError(f"no saved record to restore in zone {step['zone']!r}")
    change = route53.change_record(acct, ctx.id_of("zones", step["zone"]), "UPSERT", raw)
    return [{"kind": "change", "account": step.get("account"), "id": change}]


def _delete_zone(ctx: Context, step: StepDoc, saved: dict[str, Any]) -> list[Wait]:
    acct = ctx.account(step.get("account"))
    zid = ctx.id_of("zones", step["zone"])
    try:
        records = route53.list_records(acct, zid)
        zone = route53.get_zone(acct, zid)
    except ClientError as exc:
        if error_code(exc) == "NoSuchHostedZone":
            return []  # already gone
        raise
    others = [r for r in records if not (r.type in ("SOA", "NS") and r.name == zone.name)]
    if others:
        # Nothing is lost (CP-4 would refuse too, but we say why first).
        raise UnsafeToDelete(
            f"zone {step['zone']!r} still holds {', '.join(r.name + ' ' + r.type for r in others)}"
        )
    saved["zone"] = {"name": zone.name, "vpcs": [v for v, _ in zone.vpcs]}
    change = route53.delete_zone(acct, zid)
    return [{"kind": "change", "account": step.get("account"), "id": change}]


def _create_bridge_zone(ctx: Context, step: StepDoc, saved: dict[str, Any]) -> list[Wait]:
    """A bridge copy of ``copy_of`` (Q-1): same name, created on its own parking VPC (CP-2; never on a
    workload VPC: it would answer NXDOMAIN there until its record exists, RES-3/RES-4), tagged as the
    tool's (``BRIDGE_TAG`` = the original's id) and named by its ``Name`` tag."""
    acct = ctx.account(step.get("account"))
    found = route53.find_tagged_zone(acct, step["zone"], BRIDGE_TAG)
    if found is not None:  # SF-2: a redriven step
        ctx.zones[step["zone"]] = saved["zone_id"] = found.id
        return []
    orig_id = ctx.id_of("zones", step["copy_of"])
    orig = route53.get_zone(acct, orig_id)
    zid, change = route53.create_tagged_zone(
        acct,
        orig.name,
        ctx.id_of("vpcs", step["vpc"]),
        ctx.region,
        step["zone"],
        f"profile-migrator-{uuid4()}",
        {BRIDGE_TAG: orig_id},
    )
    ctx.zones[step["zone"]] = saved["zone_id"] = zid
    return [{"kind": "change", "account": step.get("account"), "id": change}]


def _delete_bridge_zone(ctx: Context, step: StepDoc, saved: dict[str, Any]) -> list[Wait]:
    """Undo of ``create-bridge-zone``: only a zone carrying the tool's ``BRIDGE_TAG``, only while its one VPC
    is its parking VPC; the endpoint alias goes first, then the zone (CP-4)."""
    acct = ctx.account(step.get("account"))
    zone = route53.find_tagged_zone(acct, step["zone"], BRIDGE_TAG)
    if zone is None:
        zid = saved.get("zone_id")
        if zid is not None:
            try:
                untagged = route53.get_zone(acct, zid)
            except ClientError as exc:
                if error_code(exc) == "NoSuchHostedZone":
                    return []
                raise
            raise UnsafeToDelete(
                f"zone {step['zone']!r} ({untagged.id}) does not carry the tag {BRIDGE_TAG}; "
                "refusing to delete it"
            )
        return []  # never created, or gone already
    parking = ctx.id_of("vpcs", step["vpc"]) if step.get("vpc") else None
    others = [v for v, _ in zone.vpcs if v != parking]
    if others:
        raise UnsafeToDelete(
            f"bridge zone {step['zone']!r} ({zone.id}) is still associated with {', '.join(others)}; "
            "refusing to delete it"
        )
    for rec in route53.list_records(acct, zone.id):
        if rec.type in ("SOA", "NS") and rec.name == zone.name:
            continue
        if not step.get("endpoint") or not _is_endpoint_alias(ctx, step["endpoint"], rec):
            raise UnsafeToDelete(
                f"bridge zone {step['zone']!r} ({zone.id}) holds {rec.name} {rec.type}, which is "
                "not the endpoint alias; refusing to delete it"
            )
        route53.change_record(acct, zone.id, "DELETE", rec.raw)
    return [{"kind": "change", "account": step.get("account"), "id": route53.delete_zone(acct, zone.id)}]


# -- EC2 ------------------------------------------------------------------------------------------------


def _set_private_dns(ctx: Context, step: StepDoc, enabled: bool) -> list[Wait]:
    acct = ctx.account(step.get("account"))
    eid = ctx.id_of("endpoints", step["endpoint"])
    ep = ec2.get_endpoint(acct, eid)
    if ep.private_dns != enabled:
        # CP-1 raises InvalidParameter while a zone for the name is associated with the VPC — a disassociation
        # still PENDING counts until INSYNC (AS-5); changes a previous, aborted execution left in flight are
        # waited for by the preflight (runtime.changes_in_flight), so a conflict here is a real one.
        ec2.set_private_dns(acct, eid, enabled)
    return [{"kind": "endpoint", "account": step.get("account"), "id": eid}]  # AS-2


def _enable_private_dns(ctx: Context, step: StepDoc, saved: dict[str, Any]) -> list[Wait]:
    return _set_private_dns(ctx, step, True)


def _disable_private_dns(ctx: Context, step: StepDoc, saved: dict[str, Any]) -> list[Wait]:
    return _set_private_dns(ctx, step, False)


def _create_parking_vpc(ctx: Context, step: StepDoc, saved: dict[str, Any]) -> list[Wait]:
    acct = ctx.account(step.get("account"))
    name = step["vpc"]
    vid = ec2.find_vpc_by_name(acct, name)
    if vid is None:
        vid = ec2.create_vpc(acct, PARKING_CIDR, name, {PARKING_TAG: "true"})
    ctx.vpcs[name] = vid
    saved["vpc_id"] = vid
    return []


def _delete_parking_vpc(ctx: Context, step: StepDoc, saved: dict[str, Any]) -> list[Wait]:
    acct = ctx.account(step.get("account"))
    vid = ctx.vpcs.get(step["vpc"]) or ec2.find_vpc_by_name(acct, step["vpc"])
    if vid is None:
        return []
    vpcs = acct.client("ec2").describe_vpcs(VpcIds=[vid])["Vpcs"]
    tags = {t["Key"]: t["Value"] for t in (vpcs[0].get("Tags") or [])} if vpcs else {}
    if tags.get(PARKING_TAG) != "true":
        raise UnsafeToDelete(
            f"VPC {step['vpc']!r} ({vid}) was not created by profile-migrator; refusing to delete it"
        )
    parked = [
        str(z.get("Name") or z.get("HostedZoneId", "")).rstrip(".")
        for z in route53.zones_by_vpc(acct, vid, ctx.region)
    ]
    if parked:
        # The zone's cleanup was left: deleting its parking VPC would orphan it (no VPC left, CP-3).
        raise UnsafeToDelete(
            f"parking VPC {step['vpc']!r} ({vid}) still holds zone(s) {', '.join(parked)}; delete them first"
        )
    try:
        ec2.delete_vpc(acct, vid)
    except ClientError as exc:
        if error_code(exc) not in ("InvalidVpcID.NotFound",):
            raise
    return []


Performer = Callable[[Context, StepDoc, dict[str, Any]], list[Wait]]

# The perform table, read from the vocabulary: each action's spec names its function here.
_ACTIONS: dict[Action, Performer] = {a: globals()[s.perform] for a, s in SPECS.items()}


# -- polling ----------------------------------------------------------------------------------------------


def poll(ctx: Context, wait: Wait) -> str:
    """``settled`` | ``pending`` | ``failed`` for one wait (AS-1, AS-2, AS-3)."""
    kind = wait["kind"]
    acct = ctx.account(wait.get("account"))
    if kind == WaitKind.CHANGE:
        return "settled" if route53.change_status(acct, wait["id"]) == "INSYNC" else "pending"
    if kind == WaitKind.ENDPOINT:
        state = ec2.get_endpoint(acct, wait["id"]).state
        return (
            "settled"
            if state == "Available"
            else ("failed" if state in ("Failed", "Rejected") else "pending")
        )
    if kind == WaitKind.PROFILE_ASSOCIATION:
        status = profiles.get_vpc_association(acct, wait["id"]).status
        return {"COMPLETE": "settled", "FAILED": "failed"}.get(status, "pending")
    if kind == WaitKind.RESOURCE_ASSOCIATION:
        status = profiles.get_resource_association(acct, wait["id"]).status
        return {"COMPLETE": "settled", "FAILED": "failed"}.get(status, "pending")
    if kind == WaitKind.PROFILE_ASSOCIATION_GONE:
        return "settled" if _vpc_assoc(acct, wait["profile"], wait["vpc"], failed=True) is None else "pending"
    if kind == WaitKind.RESOURCE_ASSOCIATION_GONE:
        return (
            "settled"
            if _resource_assoc(acct, wait["profile"], wait["arn"], failed=True) is None
            else "pending"
        )
    raise ActionError(f"unknown wait kind {kind!r}")


def failure_reasons(ctx: Context, waits: list[Wait]) -> list[str]:
    """What AWS says about each wait that ended failed (AS-1: the association's StatusMessage; AS-2:
    the endpoint's state)."""
    out: list[str] = []
    for wait in waits:
        if poll(ctx, wait) != "failed":
            continue
        acct = ctx.account(wait.get("account"))
        kind = wait["kind"]
        if kind == WaitKind.RESOURCE_ASSOCIATION:
            r = profiles.get_resource_association(acct, wait["id"])
            out.append(
                f"Profile resource association {r.id} ({r.name}) ended FAILED — "
                f"{r.status_message or 'no status message'}"
            )
        elif kind == WaitKind.PROFILE_ASSOCIATION:
            a = profiles.get_vpc_association(acct, wait["id"])
            out.append(f"Profile association {a.id} (VPC {a.vpc_id}) ended FAILED")
        elif kind == WaitKind.ENDPOINT:
            out.append(f"endpoint {wait['id']} ended {ec2.get_endpoint(acct, wait['id']).state}")
        else:
            out.append(f"{kind} {wait.get('id', '')} failed")
    return out


def poll_all(ctx: Context, waits: list[Wait]) -> str:
    states = [poll(ctx, w) for w in waits]
    if "failed" in states:
        return "failed"
    return "pending" if "pending" in states else "settled"
